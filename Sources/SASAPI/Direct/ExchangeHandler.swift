import NIOCore
import NIOHTTP1

/// One request in flight on a connection: its head, where the response goes, its cap.
/// (Its deadline is kept by `DirectHTTPClient`, whether or not the request got this far.)
struct DirectExchange {
    var head: HTTPRequestHead
    var promise: EventLoopPromise<DirectHTTPClient.Response>
    var maxBodyBytes: Int
}

/// The last handler of a `DirectHTTPClient` connection: writes one request at a time and
/// gathers its response on the event loop (head, body up to the cap, end), completing the
/// exchange's promise once. Any failure (the read timeout, the cap, an error, the peer closing)
/// fails the exchange and closes the connection, so a connection is reused only after a
/// complete, keep-alive response.
final class ExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = DirectExchange
    typealias OutboundOut = HTTPClientRequestPart

    private var exchange: DirectExchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let next = unwrapOutboundIn(data)
        guard exchange == nil, context.channel.isActive else {
            next.promise.fail(DirectHTTPError.connectionClosed)
            promise?.fail(DirectHTTPError.connectionClosed)
            return
        }
        exchange = next
        head = nil
        body = nil
        context.write(wrapOutboundOut(.head(next.head)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // Bytes nobody asked for: the connection cannot be trusted any more.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            if let length = responseHead.headers.first(name: "content-length").flatMap(Int.init),
                length > exchange.maxBodyBytes
            {
                fail(context: context, DirectHTTPError.bodyTooLarge(limit: exchange.maxBodyBytes))
            }
        case .body(var part):
            if body == nil {
                body = part
            } else {
                body?.writeBuffer(&part)
            }
            if let body, body.readableBytes > exchange.maxBodyBytes {
                fail(context: context, DirectHTTPError.bodyTooLarge(limit: exchange.maxBodyBytes))
            }
        case .end:
            guard let head else {
                fail(context: context, DirectHTTPError.connectionClosed)
                return
            }
            self.exchange = nil
            let response = DirectHTTPClient.Response(
                status: Int(head.status.code), headers: head.headers, body: body ?? ByteBuffer(),
                reusable: head.isKeepAlive)
            self.head = nil
            body = nil
            if !head.isKeepAlive { context.close(promise: nil) }
            exchange.promise.succeed(response)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Only a response being awaited times out; an idle pooled connection does not.
            if exchange != nil { fail(context: context, DirectHTTPError.readTimeout) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, DirectHTTPError.connectionClosed)
        context.fireChannelInactive()
    }

    /// Fails the exchange in flight (if any) and closes the connection.
    func fail(context: ChannelHandlerContext, _ error: any Error) {
        head = nil
        body = nil
        if let exchange {
            self.exchange = nil
            exchange.promise.fail(error)
        }
        context.close(promise: nil)
    }
}
