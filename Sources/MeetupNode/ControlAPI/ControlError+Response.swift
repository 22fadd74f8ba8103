import Foundation
import GRDB
import Hummingbird
import Logging
import NIOCore
import MeetupControl

extension ControlError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    /// Renders `{"error": {"code": "...", "message": "..."}}`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try ControlJSON.encoder().encode(body)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Makes every failure on the control socket a JSON error: unknown routes become `route_not_found`,
/// Hummingbird's own refusals (bad JSON, body too large) `invalid_request`, anything else
/// `internal_error` with the error's type only in the log, since a message could carry a detail.
struct ControlErrorMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ControlError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            throw ControlError.routeNotFound(method: request.method.rawValue, path: request.uri.path)
        } catch is NIOTooManyBytesError {
            throw ControlError.requestTooLarge(limit: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ControlError.requestTooLarge(limit: context.maxUploadSize)
        } catch let error as HTTPError where (400..<500).contains(error.status.code) {
            throw ControlError.invalidRequest(reason: error.body ?? error.status.reasonPhrase)
        } catch let error as DatabaseError {
            throw ControlError(storeFailure: error, logger: context.logger)
        } catch {
            context.logger.error("control request failed", metadata: ["error_type": "\(type(of: error))"])
            throw ControlError.internalError(reason: "see the daemon's log")
        }
    }
}

extension ControlError {
    /// Runs store work for a control request: whatever the store throws becomes the error the caller is told.
    static func storeCall<T>(logger: Logger, _ body: () throws -> T) throws(ControlError) -> T {
        do { return try body() } catch { throw ControlError(storeFailure: error, logger: logger) }
    }

    /// What the caller is told when the store threw: an error of the moment (disk full, I/O, busy) rolled
    /// the transaction back, so the caller learns that nothing was recorded, not "done" nor a bare 500.
    init(storeFailure error: any Error, logger: Logger) {
        logger.error("store failed", metadata: ["reason": "\(Store.describeForLog(error))"])
        if error is DatabaseError, !Store.isDamage(error) {
            self = .storeUnavailable(reason: Store.describeForLog(error))
        } else {
            self = .internalError(reason: "the store failed; see the daemon's log")
        }
    }
}
