import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Per HTTP/1 connection (or HTTP/2 stream), between the HTTP codec and the application:
///
/// - a request head that overflowed the header limits is answered 431 and the connection
///   closed (Hummingbird would answer 400);
/// - a request body is refused with 413 (and the connection closed) except on
///   ``ListenerLimits/reloadPath``, which takes up to ``ListenerLimits/maxReloadBodySize``
///   bytes; a body that turns out longer than declared is cut by closing;
/// - ``ConnectionGuard`` is told when a request starts and when its response ends.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ListenerLimits
    private var connection: ConnectionGuard?
    private var inFlight = 0
    private var bodyAllowance = 0
    private var bodySeen = 0
    private var closing = false
    /// Whether this is an HTTP/2 stream (its connection's guard is on the parent channel).
    private var isStream = false

    init(limits: ListenerLimits) {
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let request):
            let path = request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }
            let allowed = path == ListenerLimits.reloadPath ? limits.maxReloadBodySize : 0
            let declared = request.headerFields[.contentLength].flatMap { Int($0) } ?? 0
            let unsized = request.headerFields[.transferEncoding] != nil
            guard declared <= allowed, !(unsized && allowed == 0) else {
                return refuse(
                    context, .contentTooLarge,
                    "Content Too Large: only \(ListenerLimits.reloadPath) takes a request body, of at most "
                        + "\(limits.maxReloadBodySize) bytes\n"
                )
            }
            bodyAllowance = allowed
            bodySeen = 0
            inFlight += 1
            connectionGuard(context)?.requestStarted()
        case .body(let buffer):
            bodySeen += buffer.readableBytes
            guard bodySeen <= bodyAllowance else {
                closing = true
                return context.close(promise: nil)
            }
        case .end:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), inFlight > 0 {
            inFlight -= 1
            connectionGuard(context)?.requestFinished()
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case HTTPParserError.headerOverflow = error, inFlight == 0, !closing {
            return refuse(
                context, .requestHeaderFieldsTooLarge,
                "Request Header Fields Too Large: at most \(limits.maxHeaderFieldCount) header lines, "
                    + "\(limits.maxHeaderFieldSize) bytes each, \(limits.maxHeaderListSize) bytes in all\n"
            )
        }
        // What a refused request goes on sending is not an error of its own.
        if closing, error is HTTPParserError { return }
        context.fireErrorCaught(error)
    }

    /// Answers `status` itself (the application never sees the request) and closes.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ text: String) {
        closing = true
        let body = context.channel.allocator.buffer(string: text)
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "text/plain; charset=utf-8"
        head.headerFields[.contentLength] = "\(body.readableBytes)"
        // HTTP/2 forbids the Connection header; closing the stream is enough there.
        _ = connectionGuard(context)
        if !isStream { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let stream = isStream
        written.futureResult.whenComplete { _ in
            let context = bound.value
            guard !stream else { return context.close(promise: nil) }
            // Close our side only and let the rest of the request drain for a moment: closing
            // with unread bytes makes TCP reset the connection, and the client may lose the answer.
            let halfClosed = context.eventLoop.makePromise(of: Void.self)
            context.close(mode: .output, promise: halfClosed)
            halfClosed.futureResult.whenComplete { _ in
                bound.value.eventLoop.assumeIsolated().scheduleTask(in: Self.drainTime) {
                    bound.value.close(promise: nil)
                }
            }
        }
    }

    /// How long a refused request may go on sending before the connection is closed.
    static let drainTime = TimeAmount.seconds(1)

    /// The connection's guard: on this channel (HTTP/1), or on the parent of an HTTP/2
    /// stream (same event loop). An accepted TCP channel's parent is the listening socket,
    /// which holds none.
    private func connectionGuard(_ context: ChannelHandlerContext) -> ConnectionGuard? {
        guard connection == nil else { return connection }
        if let own = try? context.channel.pipeline.syncOperations.handler(type: ConnectionGuard.self) {
            connection = own
        } else if let parent = context.channel.parent, parent.eventLoop.inEventLoop,
            let shared = try? parent.pipeline.syncOperations.handler(type: ConnectionGuard.self)
        {
            connection = shared
            isStream = true
        }
        return connection
    }
}

@available(*, unavailable)
extension RequestGuard: Sendable {}
