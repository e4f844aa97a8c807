import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import SASMetrics
import ServiceLifecycle

/// The exporter: built by `make` (nothing runs yet), run by `run` as one service group.
///
/// The services, in start order (they stop in reverse): any extra services (the demo's
/// simulator), the state persistence, the poller supervisor (which owns every account's
/// poller), the reloader (SIGHUP and `POST /-/reload`), and the HTTP server.
public struct ExporterApplication: Sendable {
    public let store: MetricsStore
    public let supervisor: PollerSupervisor
    public let reloader: ConfigReloader
    public let persistence: StatePersistence
    public let logger: Logger
    let listen: ListenAddress
    /// `--web.config.file`; nil serves plain HTTP with no authentication.
    let web: WebServerSettings?
    let extraServices: [any Service]

    /// Exporter version facts (the build sets them; tests may leave the defaults).
    public struct BuildInfo: Sendable {
        public var version: String
        public var revision: String
        public var swiftVersion: String

        public init(version: String, revision: String, swiftVersion: String) {
            self.version = version
            self.revision = revision
            self.swiftVersion = swiftVersion
        }
    }

    /// Builds everything from a loaded configuration; starts nothing. `prepare` filters
    /// it (sharding) and is applied again to every reloaded file. Throws when an
    /// account's source cannot be built (no credentials...).
    ///
    /// - Parameter persistenceWriteHook: runs inside every state file write (tests).
    public static func make(
        configuration: ExporterConfiguration,
        configFile: String?,
        listen: ListenAddress,
        build: BuildInfo,
        makeSource: @escaping PollerSupervisor.SourceFactory,
        loader: ConfigLoader = ConfigLoader(),
        prepare: @escaping @Sendable (ExporterConfiguration) -> ExporterConfiguration = { $0 },
        web: WebServerSettings? = nil,
        logger: Logger,
        clock: ExporterClock = .system,
        extraServices: [any Service] = [],
        persistenceWriteHook: @escaping @Sendable ([String]) -> Void = { _ in }
    ) throws -> ExporterApplication {
        let store = MetricsStore(
            exporter: ExporterHealth(
                reloadSuccessSeconds: clock.wallSeconds,
                version: build.version, revision: build.revision, swiftVersion: build.swiftVersion
            ))
        let prepared = prepare(configuration)
        let stateFile = configuration.stateFile.map(StateFile.init(path:))
        let restored = StatePersistence.restore(from: stateFile, nowMs: clock.wallMs(), logger: logger)
        if restored.errors > 0 { store.updateExporter { $0.stateFileLoadErrors += UInt64(restored.errors) } }
        let owned = Set(prepared.accounts.map(\.name))
        let kept = restored.accounts.filter { owned.contains($0.key) }
        let persistence = StatePersistence(
            file: stateFile, restored: kept, clock: clock, logger: logger, writeHook: persistenceWriteHook,
            onSaveError: { store.updateExporter { $0.stateFileSaveErrors += 1 } }
        )
        let supervisor = try PollerSupervisor(
            initial: prepared, restored: kept, store: store, persistence: persistence, makeSource: makeSource,
            clock: clock, logger: logger
        )
        let reloader = ConfigReloader(
            path: configFile, loader: loader, supervisor: supervisor, store: store, stateFile: configuration.stateFile,
            clock: clock, logger: logger, prepare: prepare
        )
        return ExporterApplication(
            store: store, supervisor: supervisor, reloader: reloader, persistence: persistence, logger: logger,
            listen: listen, web: web, extraServices: extraServices
        )
    }

    /// The router (also what in-process tests drive).
    public var router: Router<BasicRequestContext> {
        let reloader = self.reloader
        var routes = ExporterRouter(store: store, reload: { await reloader.reload() })
        routes.web = web
        return routes.build()
    }

    /// The HTTP server (see ``Listener``): HTTPS and HTTP/2 when the web configuration
    /// says so, always with the listener limits.
    public func httpServer(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        try Listener.application(
            host: listen.host, port: listen.port, web: web, router: router, logger: logger,
            onServerRunning: onServerRunning)
    }

    /// Runs every service until SIGTERM or SIGINT (or the task is cancelled).
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let services: [any Service] =
            extraServices + [persistence, supervisor, reloader, try httpServer(onServerRunning: onServerRunning)]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ))
        try await group.run()
    }
}
