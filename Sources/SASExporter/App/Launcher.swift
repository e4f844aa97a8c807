import Foundation
import Logging
import SASAPI
import ServiceLifecycle

/// What the caller of `Launcher.run` may put in place of the configuration file: the
/// demo's configuration, its services (the simulator) and its sources.
public struct LaunchOverride: Sendable {
    /// The configuration polled (no file, so nothing to reload).
    public var configuration: ExporterConfiguration
    /// Services run in the exporter's group, started first and stopped last.
    public var services: [any Service]
    /// Builds the sources from the production ones.
    public var makeSource: @Sendable (ClientSources) -> PollerSupervisor.SourceFactory

    public init(
        configuration: ExporterConfiguration, services: [any Service],
        makeSource: @escaping @Sendable (ClientSources) -> PollerSupervisor.SourceFactory
    ) {
        self.configuration = configuration
        self.services = services
        self.makeSource = makeSource
    }
}

/// What `sas-exporter` does with its options: check a file, or run. Returns the process
/// exit code.
public enum Launcher {
    /// Checks or runs the exporter as `options` say (`override`: the demo); returns the
    /// exit code: 0 after a valid check or a graceful stop, 1 for a configuration or
    /// start-up error, 2 for a bad flag value. Errors are printed to standard error in
    /// one line.
    public static func run(_ options: ExporterOptions, logger: Logger, override: LaunchOverride? = nil) async -> Int32 {
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
        var web: WebServerSettings?
        do {
            if let path = options.webConfigFile { web = try WebServerSettings.load(path: path, logger: logger) }
            if let override {
                configuration = override.configuration
            } else if let file = options.configFile {
                let loaded = try loader.read(path: file)
                for warning in loaded.warnings { logger.warning("configuration: \(warning)") }
                configuration = loaded.configuration
            } else {
                configuration = try environmentConfiguration(options)
            }
        } catch {
            printError(error)
            return 1
        }
        if options.checkOnly {
            let owned = configuration.accounts.filter { shard.owns(account: $0.name) }.count
            print(
                "\(options.configFile ?? "configuration"): OK (\(configuration.accounts.count) accounts, "
                    + "\(owned) owned by this shard; secret files are read at start, not checked here)"
            )
            if let path = options.webConfigFile { print("\(path): OK") }
            return 0
        }
        let sources = ClientSources(environment: options.environment, logger: logger, clock: .system)
        let production: PollerSupervisor.SourceFactory = { account, calls in
            try sources.makeSource(account: account, calls: calls)
        }
        let makeSource = override?.makeSource(sources) ?? production
        let code: Int32
        do {
            let app = try ExporterApplication.make(
                configuration: configuration,
                configFile: override == nil ? options.configFile : nil,
                listen: listen,
                build: .init(
                    version: BuildFacts.version, revision: BuildFacts.revision, swiftVersion: BuildFacts.swiftVersion),
                makeSource: makeSource,
                loader: loader,
                prepare: { config in owned(config, by: shard) },
                web: web,
                logger: logger,
                extraServices: override?.services ?? []
            )
            logger.info(
                "sas-exporter started",
                metadata: [
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
        return code
    }

    /// The part of a configuration this shard polls.
    public static func owned(_ configuration: ExporterConfiguration, by shard: ShardAssignment) -> ExporterConfiguration
    {
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
                message:
                    "nothing to poll: give --config.file, or --sas.region (or ALIBABA_CLOUD_REGION_ID) with "
                    + "credentials in ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or try "
                    + "--demo"
            )
        }
        let environment = options.environment
        let hasStatic = !(environment["ALIBABA_CLOUD_ACCESS_KEY_ID"] ?? "").isEmpty
        let hasOIDC = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"]
            .allSatisfy { !(environment[$0] ?? "").isEmpty }
        let hasURI = !(environment["ALIBABA_CLOUD_CREDENTIALS_URI"] ?? "").isEmpty
        let metadataDisabled = environment["ALIBABA_CLOUD_ECS_METADATA_DISABLED"]?.lowercased() == "true"
        let home =
            environment["HOME"].map { [$0 + "/.aliyun/config.json", $0 + "/.alibabacloud/credentials.ini"] } ?? []
        let files =
            ([environment["ALIBABA_CLOUD_CONFIG_FILE"], environment["ALIBABA_CLOUD_CREDENTIALS_FILE"]].compactMap { $0 }
                + home)
        let hasFile = files.contains { FileManager.default.fileExists(atPath: $0) }
        if !hasStatic, !hasOIDC, !hasURI, !hasFile, metadataDisabled {
            throw ConfigError(
                file: "",
                message:
                    "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or "
                    + "the RRSA variables ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
                    + "ALIBABA_CLOUD_OIDC_TOKEN_FILE), or write them in a --config.file"
            )
        }
        return ExporterConfiguration(accounts: [
            AccountConfiguration(name: region, endpoint: .forRegion(region), region: region)
        ])
    }

    static func printError(_ error: any Error) {
        FileHandle.standardError.write(Data("sas-exporter: \(error)\n".utf8))
    }
}
