import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import Logging

/// Builds the exporter's HTTP server from the listen address and the web configuration:
/// plain HTTP/1.1; HTTPS (`tls_server_config`) with HTTP/2 offered by ALPN unless
/// `http_server_config.http2` is false; always with the ``ListenerLimits``.
public enum Listener {
    /// The application serving `router` on `host`:`port` (0 picks a free port, reported to
    /// `onServerRunning`).
    public static func application(
        host: String, port: Int, web: WebServerSettings?, router: Router<BasicRequestContext>,
        limits: ListenerLimits = ListenerLimits(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        Application(
            router: router,
            server: try server(web: web, limits: limits),
            configuration: .init(address: .hostname(host, port: port), serverName: "sas-exporter"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// The child channel for `web`, wrapped in the limits.
    static func server(web: WebServerSettings?, limits: ListenerLimits) throws -> HTTPServerBuilder {
        let registry = ConnectionRegistry(limit: limits.effectiveMaxConnections)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestGuard(limits: limits)],
            idleTimeout: nil,  // ConnectionGuard applies the idle and head timeouts
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderFieldSize, maxHeaderListSize: limits.maxHeaderListSize,
                maxHeaderFieldCount: limits.maxHeaderFieldCount
            )
        )
        guard let web, let tls = web.tls else {
            return HTTPServerBuilder { responder in
                GuardedChannel(
                    base: HTTP1Channel(responder: responder, configuration: http1), registry: registry, limits: limits)
            }
        }
        if web.http2 {
            let http2 = HTTP2ChannelConfiguration(idleTimeout: limits.idleTimeout, streamConfiguration: http1)
            // HummingbirdHTTP2 has its own copy of the TLS channel settings type.
            let tls2 = HummingbirdHTTP2.TLSChannelConfiguration(
                tlsConfiguration: tls.tlsConfiguration, customVerificationCallback: tls.customVerificationCallback
            )
            return HTTPServerBuilder { responder in
                GuardedChannel(
                    base: try HTTP2UpgradeChannel(
                        tlsChannelConfiguration: tls2, configuration: http2, responder: responder),
                    registry: registry, limits: limits
                )
            }
        }
        return HTTPServerBuilder { responder in
            GuardedChannel(
                base: try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), configuration: tls),
                registry: registry, limits: limits
            )
        }
    }
}
