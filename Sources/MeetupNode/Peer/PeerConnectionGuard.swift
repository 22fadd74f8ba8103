import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds what one connection to the peer listener can cost (docs/SECURITY.md, "The peer listener").
/// Hummingbird's idle timeout closes a connection that sends no complete request head in time (slowloris);
/// this handler, right after HTTP decoding, adds the rest:
/// - a body announced larger than `bodyLimit` (`Content-Length`) is refused with 413 before a byte of it
///   is read, and one streamed past the limit is refused as soon as it passes; either way the connection
///   is closed after the answer instead of being drained, so a 200 MiB post costs at most `bodyLimit`;
/// - a request whose body has not fully arrived `requestTimeout` after its head closes the connection, so
///   a body dripped a byte at a time cannot hold it either.
final class PeerConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let bodyLimit: Int
    let requestTimeout: TimeAmount
    /// Told the path of each request refused here, for the refusal counters.
    let refused: @Sendable (_ path: String) -> Void
    private var bodyBytes = 0
    /// The request passed the limit: swallow the rest of it and close once the answer is written.
    private var refusing = false
    /// The answer to the current request is written (a route may answer before reading the body, which
    /// Hummingbird then drains).
    private var answered = false
    private var timeout: Scheduled<Void>?

    init(bodyLimit: Int, requestTimeout: TimeAmount, refused: @escaping @Sendable (_ path: String) -> Void) {
        self.bodyLimit = bodyLimit
        self.requestTimeout = requestTimeout
        self.refused = refused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            bodyBytes = 0
            refusing = false
            answered = false
            startTimeout(context: context)
            if let announced = head.headerFields[.contentLength].flatMap({ Int($0) }), announced > bodyLimit {
                refusing = true
                refused(head.path ?? "")
                refuseTooLarge(context: context)
                return
            }
            context.fireChannelRead(data)
        case let .body(buffer):
            guard !refusing else { return }
            bodyBytes += buffer.readableBytes
            if bodyBytes > bodyLimit {
                refusing = true
                // Answered already, and now being drained: nothing more is worth reading.
                if answered { return context.close(promise: nil) }
            }
            // This part still goes through, so that the route's own limit refuses the request with its 413.
            context.fireChannelRead(data)
        case .end:
            timeout?.cancel()
            timeout = nil
            guard !refusing else { return }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        answered = true
        guard refusing else { return context.write(data, promise: promise) }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(data).whenComplete { result in
            bound.value.close(promise: nil)
            promise?.completeWith(result)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    private func startTimeout(context: ChannelHandlerContext) {
        timeout?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: requestTimeout) { bound.value.close(promise: nil) }
    }

    /// 413 with the protocol's error body (docs/PROTOCOL.md, "The HTTP exchange"), then close.
    private func refuseTooLarge(context: ChannelHandlerContext) {
        let body = PeerErrorBody(error: .init(code: "too-large", message: "the request body is larger than \(bodyLimit) bytes"))
        let bytes = (try? JSONEncoder().encode(body)) ?? Data()
        let head = HTTPResponse(
            status: .contentTooLarge,
            headerFields: [.contentType: "application/json", .contentLength: "\(bytes.count)", .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: bytes))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
