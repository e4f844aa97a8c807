import HummingbirdTLS
import Hummingbird
import Logging

/// What `--web.config.file` gives the listener: the live configuration source (basic auth,
/// headers), the TLS settings read at start, and the bcrypt verifier with its cache.
public struct WebServerSettings: Sendable {
    public let source: WebConfigSource
    /// Nil when `tls_server_config` is absent: plain HTTP.
    public let tls: TLSChannelConfiguration?
    public let verifier: BasicAuthVerifier

    /// Loads and fully checks the file (certificates and keys included). The launcher
    /// calls this at start and for `--config.check`.
    public static func load(path: String, loader: WebConfigLoader = WebConfigLoader(), logger: Logger) throws(ConfigError) -> WebServerSettings {
        let configuration = try loader.load(path: path)
        return try WebServerSettings(
            configuration: configuration, file: path,
            source: WebConfigSource(path: path, initial: configuration, loader: loader, logger: logger)
        )
    }

    /// Settings from a configuration already in hand; `source` defaults to a fixed one.
    public init(configuration: WebConfiguration, file: String = "", source: WebConfigSource? = nil, verifier: BasicAuthVerifier = BasicAuthVerifier()) throws(ConfigError) {
        self.source = source ?? WebConfigSource(fixed: configuration)
        self.tls = try configuration.tls.map { (tls) throws(ConfigError) in try tls.channelConfiguration(file: file) }
        self.verifier = verifier
    }

    /// The middleware to register before every route.
    public func middleware<Context: RequestContext>(context: Context.Type = Context.self) -> WebAuthMiddleware<Context> {
        WebAuthMiddleware(source: source, verifier: verifier)
    }
}
