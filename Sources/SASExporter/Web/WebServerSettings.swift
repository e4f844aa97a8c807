import Hummingbird
import HummingbirdTLS
import Logging

/// What `--web.config.file` gives the listener: the live configuration source (basic auth,
/// headers, rate limit), the TLS settings (certificates re-read as they change), whether
/// HTTP/2 is offered, and the bcrypt verifier with its cache.
public struct WebServerSettings: Sendable {
    public let source: WebConfigSource
    /// Nil when `tls_server_config` is absent: plain HTTP.
    public let tls: TLSChannelConfiguration?
    /// `http_server_config.http2` as read at start (as in exporter-toolkit, a change needs a
    /// restart); it only matters with TLS.
    public let http2: Bool
    public let verifier: BasicAuthVerifier
    /// The `rate_limit` bucket, shared by every request of the listener.
    let limiter = RateLimiter()

    /// Loads and fully checks the file (certificates and keys included). The launcher
    /// calls this at start and for `--config.check`.
    public static func load(path: String, loader: WebConfigLoader = WebConfigLoader(), logger: Logger)
        throws(ConfigError) -> WebServerSettings
    {
        let configuration = try loader.load(path: path)
        return try WebServerSettings(
            configuration: configuration, file: path,
            source: WebConfigSource(path: path, initial: configuration, loader: loader, logger: logger), logger: logger
        )
    }

    /// Settings from a configuration already in hand; `source` defaults to a fixed one.
    public init(
        configuration: WebConfiguration, file: String = "", source: WebConfigSource? = nil,
        verifier: BasicAuthVerifier = BasicAuthVerifier(), logger: Logger = Logger(label: "sas-exporter.web")
    ) throws(ConfigError) {
        self.source = source ?? WebConfigSource(fixed: configuration)
        self.tls = try configuration.tls.map { (tls) throws(ConfigError) in
            try tls.channelConfiguration(file: file, logger: logger)
        }
        self.http2 = configuration.http2
        self.verifier = verifier
    }

    /// The middleware to register before every route.
    public func middleware<Context: RequestContext>(context: Context.Type = Context.self) -> WebAuthMiddleware<Context>
    {
        WebAuthMiddleware(source: source, verifier: verifier, limiter: limiter)
    }
}
