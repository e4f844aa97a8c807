import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import SASMetrics
import ServiceLifecycle

/// The running exporter: configuration, pollers, HTTP server. `@main` builds it from
/// the command line; tests build it with fakes.
public struct ExporterApplication: Sendable {
    public let store: MetricsStore
    public let supervisor: PollerSupervisor
    public let reloader: ConfigReloader
    public let logger: Logger
    let listen: ListenAddress
    /// `--web.config.file`; nil serves plain HTTP with no authentication.
    let web: WebServerSettings?

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

    /// Builds everything from a loaded configuration. `prepare` filters it (sharding)
    /// and is applied again to every reloaded file. `clock` is the wall clock of the
    /// polls (epoch milliseconds); tests set it to the simulator's.
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
        clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    ) async throws -> ExporterApplication {
        let nowMs = clock()
        let store = MetricsStore(exporter: ExporterHealth(
            reloadSuccessSeconds: Double(nowMs) / 1000,
            version: build.version, revision: build.revision, swiftVersion: build.swiftVersion
        ))
        let stateFile = configuration.stateFile.map(StateFile.init(path:))
        let restored = AggregatorStates.restore(from: stateFile, logger: logger, nowMs: nowMs)
        if restored.corrupt { store.updateExporter { $0.stateFileErrors += 1 } }
        let states = AggregatorStates(restored: restored.aggregators, stateFile: stateFile, logger: logger)
        let supervisor = PollerSupervisor(store: store, states: states, makeSource: makeSource, logger: logger, nowMs: clock)
        let prepared = prepare(configuration)
        try await supervisor.apply(prepared)
        let reloader = ConfigReloader(
            path: configFile, loader: loader, supervisor: supervisor, store: store, logger: logger, prepare: prepare
        )
        return ExporterApplication(store: store, supervisor: supervisor, reloader: reloader, logger: logger, listen: listen, web: web)
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
    public func httpServer(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        try Listener.application(host: listen.host, port: listen.port, web: web, router: router, logger: logger, onServerRunning: onServerRunning)
    }

    /// Runs the server, the pollers and SIGHUP reloads until SIGTERM or SIGINT.
    public func run(extraServices: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: try httpServer(onServerRunning: onServerRunning)),
                .init(service: supervisor),
                .init(service: ReloadOnSignalService(reloader: reloader)),
            ] + extraServices.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
