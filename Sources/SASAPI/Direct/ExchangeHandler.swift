import NIOCore
import NIOHTTP1
import NIOTLS

/// One request in flight on a connection: its head, where the response goes, its cap and
/// read timeout. (Its deadline is kept by `DirectHTTPClient`, whether or not the request
/// got this far.)
struct DirectExchange {
    var head: HTTPRequestHead
    var promise: EventLoopPromise<DirectHTTPClient.Response>
    var maxBodyBytes: Int
    var readTimeout: TimeAmount
}

/// Why an exchange failed, and whether any byte of its response had arrived (a kept
/// connection that fails before that was most likely closed by the server while idle).
struct ExchangeFailure: Error {
    var error: any Error
    var responseStarted: Bool
}

/// The last handler of a `DirectHTTPClient` connection: writes one request at a time and
/// gathers its response on the event loop (head, body up to the cap, end), completing the
/// exchange's promise once. Any failure (the read timeout, the cap, an error, the peer
/// closing) fails the exchange with an `ExchangeFailure` and closes the connection, so a
/// connection is reused only after a complete, keep-alive response.
///
/// The read timeout runs from the request's write and again from every read while a
/// response is awaited (as async-http-client's does); an idle pooled connection has none.
final class ExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = DirectExchange
    typealias OutboundOut = HTTPClientRequestPart

    private var exchange: DirectExchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var responseStarted = false
    /// The first error the connection reported (a TLS handshake failing before any
    /// request was written, say): what a later write or close is failed with, so the
    /// cause is not lost to a plain "connection closed".
    private var connectionError: (any Error)?
    private var readTimer: Scheduled<Void>?
    /// When the exchange last wrote or read: the timer, when it fires early, waits for
    /// the rest of the timeout from here (one timer per exchange, not one per read).
    private var lastActivity = NIODeadline.now()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let next = unwrapOutboundIn(data)
        guard exchange == nil, context.channel.isActive else {
            let failure = ExchangeFailure(
                error: connectionError ?? DirectHTTPError.connectionClosed, responseStarted: false)
            next.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        exchange = next
        head = nil
        body = nil
        responseStarted = false
        lastActivity = .now()
        armReadTimer(context: context, in: next.readTimeout)
        context.write(wrapOutboundOut(.head(next.head)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // Bytes nobody asked for: the connection cannot be trusted any more.
            context.close(promise: nil)
            return
        }
        responseStarted = true
        lastActivity = .now()
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
            readTimer?.cancel()
            readTimer = nil
            let response = DirectHTTPClient.Response(
                status: Int(head.status.code), headers: head.headers, body: body ?? ByteBuffer(),
                reusable: head.isKeepAlive)
            self.head = nil
            body = nil
            if !head.isKeepAlive { context.close(promise: nil) }
            exchange.promise.succeed(response)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if connectionError == nil { connectionError = error }
        fail(context: context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, connectionError ?? DirectHTTPError.connectionClosed)
        context.fireChannelInactive()
    }

    /// Schedules the read timer of the exchange in flight; when it fires, the exchange
    /// fails if nothing was read for the whole timeout, or the timer waits for the rest.
    private func armReadTimer(context: ChannelHandlerContext, in delay: TimeAmount) {
        readTimer?.cancel()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        readTimer = context.eventLoop.scheduleTask(in: delay) {
            bound.value.handler.readTimerFired(context: bound.value.context)
        }
    }

    private func readTimerFired(context: ChannelHandlerContext) {
        readTimer = nil
        guard let exchange else { return }
        let quietFor = NIODeadline.now() - lastActivity
        if quietFor >= exchange.readTimeout {
            fail(context: context, DirectHTTPError.readTimeout)
        } else {
            armReadTimer(context: context, in: exchange.readTimeout - quietFor)
        }
    }

    /// Fails the exchange in flight (if any) and closes the connection.
    func fail(context: ChannelHandlerContext, _ error: any Error) {
        readTimer?.cancel()
        readTimer = nil
        head = nil
        body = nil
        if let exchange {
            self.exchange = nil
            exchange.promise.fail(ExchangeFailure(error: error, responseStarted: responseStarted))
        }
        context.close(promise: nil)
    }
}

/// Completes `promise` when a new connection's TLS handshake is done, or fails it with the
/// handshake's error (or `connectionClosed`), so a connection is handed out only once it
/// can carry a request, and a refused certificate is reported as such.
final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DirectHTTPError.connectionClosed)
        context.fireChannelInactive()
    }
}
