import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The phone's routes on the peer listener: OwnTracks reports and the check-in page.
enum PhoneRoutes {
    static func add(
        to router: Router<PeerRequestContext>, ownTracks: OwnTracksReceiver, page: CheckInPage, pinChecks: PINCheckGate
    ) {
        router.post(RouterPath(OwnTracksReceiver.path)) { request, context -> Response in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: OwnTracksReceiver.bodyLimit) } catch {
                return PeerServer.jsonError(status: 413, code: "too_large", message: "an OwnTracks report is at most 64 KiB")
            }
            let report = Data(body.readableBytesView)
            let authorization = request.headers[.authorization]
            let caller = context.remoteAddress?.ipAddress ?? "unknown"
            let outcome = try await offPool {
                ownTracks.receive(body: report, authorization: authorization, from: caller)
            }
            switch outcome {
            case .accepted:
                // The app reads the answer as a list of messages for it: none.
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "[]")))
            case .unauthorized:
                var response = PeerServer.jsonError(status: 401, code: "unauthorized", message: "wrong or missing OwnTracks credentials")
                response.headers[.wwwAuthenticate] = "Basic realm=\"meetup\", charset=\"UTF-8\""
                return response
            case let .limited(seconds):
                var response = PeerServer.jsonError(status: 429, code: "too_many_attempts", message: "too many wrong credentials; retry later")
                response.headers[.retryAfter] = "\(seconds)"
                return response
            case let .refused(error):
                return PeerServer.jsonError(status: 400, code: "invalid_report", message: error.description)
            case .unavailable:
                return PeerServer.jsonError(status: 503, code: "unavailable", message: "the node cannot store the report now")
            }
        }
        router.get("/c/{token}") { request, context -> Response in
            let token = try context.parameters.require("token")
            let result = request.uri.queryParameters["r"].map(String.init)
            let html: String?
            do { html = try await offPool { try page.show(token: token, result: result) } } catch {
                return pageResponse(CheckInPage.unavailable, status: .serviceUnavailable)
            }
            guard let html else { throw HTTPError(.notFound) }
            return pageResponse(html)
        }
        router.post("/c/{token}") { request, context -> Response in
            let token = try context.parameters.require("token")
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: CheckInPage.bodyLimit) } catch { throw HTTPError(.contentTooLarge) }
            let form = CheckInPage.parseForm(Data(body.readableBytesView))
            let location: String?
            do {
                // A PIN action waits its turn at the PIN gate; Help never does.
                location = try await page.needsPIN(form)
                    ? pinChecks.run { try page.act(token: token, form: form) }
                    : offPool { try page.act(token: token, form: form) }
            } catch is PINCheckGate.Busy {
                location = try? await offPool { try page.busy(token: token) }
            } catch {
                return pageResponse(CheckInPage.unavailable, status: .serviceUnavailable)
            }
            guard let location else { throw HTTPError(.notFound) }
            // Post/redirect/get: the browser shows the outcome from a GET that does nothing when reloaded.
            var headers = pageResponse("").headers
            headers[.location] = location
            return Response(status: .seeOther, headers: headers)
        }
    }

    /// The same 404 for every path the peer listener does not serve and every link that opens nothing.
    static var notFound: Response {
        pageResponse(CheckInPageTemplate.notFound, status: .notFound)
    }

    /// The page, with headers that keep it out of caches, frames, referrers and other origins' scripts.
    static func pageResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: CheckInPageTemplate.contentSecurityPolicy,
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
        for (name, value) in [("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"), ("Permissions-Policy", "geolocation=(self)")] {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Answers every 404 of the peer listener with the one short page of our own: an unknown path, a link that
/// opens nothing, a method a route does not take; all byte for byte the same.
struct NotFoundPageMiddleware: RouterMiddleware {
    typealias Context = PeerRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            return response.status == .notFound ? PhoneRoutes.notFound : response
        } catch let error as HTTPError where error.status == .notFound {
            return PhoneRoutes.notFound
        }
    }
}
