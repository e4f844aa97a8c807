import NIOCore
import NIOTLS

/// Closes connections that hold the listener without using it: idle ones after
/// ``ListenerLimits/idleTimeout``, and ones that send a request head too slowly
/// (slowloris) after ``ListenerLimits/requestHeadTimeout``. It sits right after the TLS
/// handler (first, without TLS), sees the decrypted bytes, and is told by ``RequestGuard``
/// when a request starts and when its response ends.
///
/// - The first request head (with the TLS handshake) must be complete within the head
///   timeout of the connection's start.
/// - After a response, the connection may stay idle for the idle timeout; the first byte of
///   the next request starts the head timeout. On HTTP/2, frames between requests (pings,
///   window updates) do not count: the idle timeout bounds the time without open streams.
final class ConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase {
        case awaitingHead
        case busy(Int)
        case idle
    }

    private let limits: ListenerLimits
    private let registry: ConnectionRegistry?
    private var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?
    private var isHTTP2 = false
    private var context: ChannelHandlerContext?

    init(limits: ListenerLimits, registry: ConnectionRegistry?) {
        self.limits = limits
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        arm(limits.requestHeadTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .idle = phase, !isHTTP2 {
            phase = .awaitingHead
            arm(limits.requestHeadTimeout)
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event, negotiated == "h2" { isHTTP2 = true }
        context.fireUserInboundEventTriggered(event)
    }

    /// A request head arrived complete.
    func requestStarted() {
        switch phase {
        case .busy(let count): phase = .busy(count + 1)
        case .awaitingHead, .idle:
            phase = .busy(1)
            disarm()
            if let channel = context?.channel { registry?.update(channel, busy: true) }
        }
    }

    /// A response was written to its end.
    func requestFinished() {
        guard case .busy(let count) = phase else { return }
        if count > 1 {
            phase = .busy(count - 1)
            return
        }
        phase = .idle
        arm(limits.idleTimeout)
        if let channel = context?.channel { registry?.update(channel, busy: false) }
    }

    private func arm(_ delay: Duration) {
        disarm()
        guard let context else { return }
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
