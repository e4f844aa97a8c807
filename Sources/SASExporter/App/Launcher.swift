import Foundation
import Logging
import SASSigning
import SASSimulator
import ServiceLifecycle

/// What `sas-exporter` does with its options: check a file, or run (with the built-in
/// simulator in demo mode). Returns the process exit code.
public enum Launcher {
    /// The AccessKey of the built-in simulator of `--demo`; not a secret (it opens nothing
    /// but a loopback simulator).
    static let demoKey = Credentials(accessKeyId: "demo", accessKeySecret: "demo-secret")

    /// Checks or runs the exporter as `options` say; returns the exit code: 0 after a
    /// valid check or a graceful stop, 1 for a configuration or start-up error, 2 for a
    /// bad flag value. Errors are printed to standard error in one line.
    public static func run(_ options: ExporterOptions, logger: Logger) async -> Int32 {
        let loader = ConfigLoader(readsSecretFiles: !options.checkOnly)
        let listen: ListenAddress
        let shard: ShardAssignment
        do {
            listen = try ListenAddress(parsing: options.listenAddress)
            shard = try shardAssignment(options)
        } catch {
            printError(error)
            return 2
        }
        let configuration: ExporterConfiguration
        var simulator: RunningSimulator?
        var web: WebServerSettings?
        do {
            if let path = options.webConfigFile { web = try WebServerSettings.load(path: path, logger: logger) }
            if options.demo {
                let running = try await startDemoSimulator(logger: logger)
                simulator = running
                configuration = demoConfiguration(endpoint: running.baseURL)
                logger.info("demo mode: polling the built-in simulator", metadata: ["simulator": "\(running.baseURL)"])
            } else if let file = options.configFile {
                configuration = try loader.load(path: file)
            } else {
                configuration = try environmentConfiguration(options)
            }
        } catch {
            printError(error)
            return 1
        }
        if options.checkOnly {
            let owned = configuration.accounts.filter { shard.owns(account: $0.name) }.count
            print("\(options.configFile ?? "configuration"): OK (\(configuration.accounts.count) accounts, \(owned) owned by this shard; secret files are read at start, not checked here)")
            if let path = options.webConfigFile { print("\(path): OK") }
            return 0
        }
        let sources = ClientSources(environment: options.environment, logger: logger)
        let code: Int32
        do {
            let app = try await ExporterApplication.make(
                configuration: configuration,
                configFile: options.demo ? nil : options.configFile,
                listen: listen,
                build: .init(version: BuildFacts.version, revision: BuildFacts.revision, swiftVersion: BuildFacts.swiftVersion),
                makeSource: { account, recorder in try sources.makeSource(account: account, recorder: recorder) },
                loader: loader,
                prepare: { config in owned(config, by: shard) },
                web: web,
                logger: logger
            )
            logger.info("sas-exporter started", metadata: [
                "version": "\(BuildFacts.version)", "listen": "\(listen.host):\(listen.port)",
                "shard": "\(shard.index)/\(shard.count)",
                "tls": "\(web?.tls != nil)", "web_config": "\(options.webConfigFile ?? "none")",
            ])
            try await app.run(onServerRunning: { port in
                logger.info("listening", metadata: ["address": "\(listen.host):\(port)"])
            })
            code = 0
        } catch {
            printError(error)
            code = 1
        }
        await sources.shutdown()
        await simulator?.stop()
        return code
    }

    /// The part of a configuration this shard polls.
    public static func owned(_ configuration: ExporterConfiguration, by shard: ShardAssignment) -> ExporterConfiguration {
        var owned = configuration
        owned.accounts = configuration.accounts.filter { shard.owns(account: $0.name) }
        return owned
    }

    static func shardAssignment(_ options: ExporterOptions) throws -> ShardAssignment {
        switch (options.shardIndex, options.shardCount) {
        case (nil, nil): return .unsharded
        case (let index?, let count?): return try ShardAssignment(index: index, count: count)
        case (_?, nil): return try ShardAssignment(index: options.shardIndex ?? 0, count: 1)
        case (nil, let count?): return try ShardAssignment(index: 0, count: count)
        }
    }

    /// One account from the environment: `ALIBABA_CLOUD_REGION_ID` or `--sas.region`,
    /// credentials from the default chain.
    static func environmentConfiguration(_ options: ExporterOptions) throws(ConfigError) -> ExporterConfiguration {
        guard let region = options.region ?? options.environment["ALIBABA_CLOUD_REGION_ID"], !region.isEmpty else {
            throw ConfigError(
                file: "",
                message: "nothing to poll: give --config.file, or --sas.region (or ALIBABA_CLOUD_REGION_ID) with credentials in ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or try --demo"
            )
        }
        let environment = options.environment
        let hasStatic = !(environment["ALIBABA_CLOUD_ACCESS_KEY_ID"] ?? "").isEmpty
        let hasOIDC = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"]
            .allSatisfy { !(environment[$0] ?? "").isEmpty }
        let hasURI = !(environment["ALIBABA_CLOUD_CREDENTIALS_URI"] ?? "").isEmpty
        let metadataDisabled = environment["ALIBABA_CLOUD_ECS_METADATA_DISABLED"]?.lowercased() == "true"
        let home = environment["HOME"].map { [$0 + "/.aliyun/config.json", $0 + "/.alibabacloud/credentials.ini"] } ?? []
        let files = ([environment["ALIBABA_CLOUD_CONFIG_FILE"], environment["ALIBABA_CLOUD_CREDENTIALS_FILE"]].compactMap { $0 } + home)
        let hasFile = files.contains { FileManager.default.fileExists(atPath: $0) }
        if !hasStatic, !hasOIDC, !hasURI, !hasFile, metadataDisabled {
            throw ConfigError(
                file: "",
                message: "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the RRSA variables ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE), or write them in a --config.file"
            )
        }
        return ExporterConfiguration(accounts: [AccountConfiguration(name: region, region: region)])
    }

    /// The demo: a dense, fast-moving data set (a task a minute, short subtasks) so every
    /// poll shows changes, polled every 5 s over the last 2 h.
    static func startDemoSimulator(logger: Logger) async throws -> RunningSimulator {
        let simulator = Simulator(configuration: SimulatorConfiguration(
            seed: 1, tasks: 1440, subtasksPerTask: 20,
            accessKeys: [demoKey.accessKeyId: demoKey.accessKeySecret.reveal()]
        ))
        return try await startSimulator(simulator, logger: logger)
    }

    static func demoConfiguration(endpoint: String) -> ExporterConfiguration {
        ExporterConfiguration(
            intervalMs: 5000, lookbackMs: 7_200_000,
            accounts: [AccountConfiguration(
                name: "demo", endpoint: endpoint, credentials: demoKey, lang: "en",
                intervalMs: 5000, lookbackMs: 7_200_000, requestsPerSecond: 50
            )]
        )
    }

    static func printError(_ error: any Error) {
        FileHandle.standardError.write(Data("sas-exporter: \(error)\n".utf8))
    }
}
