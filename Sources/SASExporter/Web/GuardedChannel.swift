import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Wraps the server's child channel (HTTP/1, TLS, or TLS with HTTP/2): each new
/// connection is admitted by the ``ConnectionRegistry`` (the connection cap) and gets a
/// ``ConnectionGuard`` (idle and slow-client timeouts) right after its TLS handler.
struct GuardedChannel<Base: HTTPChannelHandler>: HTTPChannelHandler {
    typealias Value = Base.Value

    let base: Base
    let registry: ConnectionRegistry
    let limits: ListenerLimits

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if !registry.admit(channel) {
            logger.debug("connection refused: every one of the \(registry.limit) connections has a request in progress")
            channel.close(promise: nil)
        }
        let value = base.setup(channel: channel, logger: logger)
        do {
            let operations = channel.pipeline.syncOperations
            let connectionGuard = ConnectionGuard(limits: limits, registry: registry)
            if let tls = try? operations.handler(type: NIOSSLServerHandler.self) {
                try operations.addHandler(connectionGuard, position: .after(tls))
            } else {
                try operations.addHandler(connectionGuard, position: .first)
            }
        } catch {
            channel.close(promise: nil)
        }
        return value
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
