import ArgumentParser
import Foundation
import Logging
import SASDemo
import SASExporter

/// `sas-exporter`: Prometheus exporter for Alibaba Cloud Security Center operation subtasks.
@main
struct ExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sas-exporter",
        abstract:
            "Prometheus exporter for Alibaba Cloud Security Center operation subtasks (ListOperationProcessDetail).",
        discussion: """
            Polls the Security Center API in the background for every configured account and serves \
            the result on /metrics. Endpoints: /metrics, / (status page), /-/healthy, /-/ready, \
            POST /-/reload. SIGHUP reloads the configuration file; SIGTERM and SIGINT stop gracefully.
            Without --config.file one account is read from the environment (ALIBABA_CLOUD_REGION_ID \
            or --sas.region, credentials from the Alibaba Cloud default chain). --demo needs no account.
            """,
        version:
            "sas-exporter \(BuildFacts.version) (revision \(BuildFacts.revision), Swift \(BuildFacts.swiftVersion))"
    )

    @Option(
        name: .customLong("config.file"),
        help: "Path of the YAML configuration file (accounts, interval, lookback, state file).")
    var configFile: String?

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "Path of the exporter-toolkit web configuration file (TLS, client certificates, basic_auth_users "
                + "with bcrypt hashes).")
    )
    var webConfigFile: String?

    @Option(
        name: .customLong("web.listen-address"),
        help: "Address to serve /metrics on, host:port (':9793' is every interface).")
    var listenAddress = ":9793"

    @Option(name: .customLong("log.level"), help: "Lowest level logged: debug, info, warn or error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Log line format: logfmt or json.")
    var logFormat = "logfmt"

    @Flag(
        name: .customLong("config.check"),
        help: "Validate the configuration (file, or environment) and exit: 0 when valid, 1 with the error otherwise.")
    var configCheck = false

    @Flag(help: "Run a built-in simulator of the API and poll it every 5 s: live metrics with no cloud account.")
    var demo = false

    @Option(
        name: .customLong("shard.index"),
        help: "This replica's shard, 0-based; it polls only the accounts whose name hashes to it.")
    var shardIndex: Int?

    @Option(name: .customLong("shard.count"), help: "How many replicas share the accounts (default 1).")
    var shardCount: Int?

    @Option(
        name: .customLong("sas.region"),
        help: "Region of the single account polled when no --config.file is given (else ALIBABA_CLOUD_REGION_ID).")
    var region: String?

    func validate() throws {
        guard Self.level(logLevel) != nil else {
            throw ValidationError("--log.level must be debug, info, warn or error")
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log.format must be logfmt or json")
        }
    }

    static func level(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }

    func run() async throws {
        let level = Self.level(logLevel) ?? .info
        let format = LogFormat(rawValue: logFormat) ?? .logfmt
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        var options = ExporterOptions()
        options.configFile = configFile
        options.webConfigFile = webConfigFile
        options.listenAddress = listenAddress
        options.logLevel = level
        options.logFormat = format
        options.demo = demo
        options.checkOnly = configCheck
        options.shardIndex = shardIndex
        options.shardCount = shardCount
        options.region = region
        options.environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "sas-exporter")
        let code = await Launcher.run(options, logger: logger, override: demo ? Demo.override(logger: logger) : nil)
        if code != 0 { throw ExitCode(code) }
    }
}
