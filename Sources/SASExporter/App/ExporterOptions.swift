import Logging
import SASModels

/// What the command line says, independent of how it was parsed.
public struct ExporterOptions: Sendable {
    /// `--config.file`: the YAML configuration; nil reads one account from the environment.
    public var configFile: String?
    /// `--web.config.file`: TLS and basic auth for the listener (exporter-toolkit format).
    public var webConfigFile: String?
    /// `--web.listen-address`, `host:port`.
    public var listenAddress: String = ":9793"
    /// `--log.level`.
    public var logLevel: Logger.Level = .info
    /// `--log.format`.
    public var logFormat: LogFormat = .logfmt
    /// `--demo`: run the built-in simulator and poll it.
    public var demo = false
    /// `--config.check`: validate and exit.
    public var checkOnly = false
    /// `--shard.index` and `--shard.count`: which accounts this replica polls.
    public var shardIndex: Int?
    public var shardCount: Int?
    /// `--sas.region`: region of the environment account.
    public var region: String?
    /// Process environment (credentials chain, proxies); injectable for tests.
    public var environment: [String: String] = [:]

    /// Defaults as the command line has them.
    public init() {}
}

/// `host:port` as Prometheus tools write it (`:9793` means every interface).
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `:port` and `[v6]:port`.
    public init(parsing text: String) throws(ConfigError) {
        let invalid = ConfigError(
            file: "", keyPath: "--web.listen-address",
            message: "\"\(text)\" is not host:port (for example :9793 or 127.0.0.1:9793)")
        guard let parsed = try? HostPort(parsing: text), let port = parsed.port else { throw invalid }
        self.host = parsed.host.isEmpty ? "0.0.0.0" : parsed.host
        self.port = port
    }
}
