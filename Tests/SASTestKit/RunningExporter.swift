import Logging
import SASExporter
import Synchronization

/// An exporter application running in the background, listening on a loopback port.
public final class RunningExporter: Sendable {
    public let app: ExporterApplication
    /// The HTTP port.
    public let port: Int
    private let task: Task<Void, any Error>

    /// Makes and runs an exporter (no simulator: the sources are the test's).
    public static func start(
        configuration: ExporterConfiguration,
        configFile: String? = nil,
        loader: ConfigLoader = ConfigLoader(),
        makeSource: @escaping PollerSupervisor.SourceFactory,
        prepare: @escaping @Sendable (ExporterConfiguration) -> ExporterConfiguration = { $0 },
        clock: ExporterClock = .system,
        logger: Logger = Logger(label: "test"),
        persistenceWriteHook: @escaping @Sendable ([String]) -> Void = { _ in }
    ) async throws -> RunningExporter {
        let app = try ExporterApplication.make(
            configuration: configuration, configFile: configFile, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "test", revision: "test", swiftVersion: "6"), makeSource: makeSource, loader: loader,
            prepare: prepare, logger: logger, clock: clock, persistenceWriteHook: persistenceWriteHook
        )
        return try await run(app)
    }

    /// Runs a made application.
    public static func run(_ app: ExporterApplication) async throws -> RunningExporter {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await app.run(onServerRunning: { continuation.yield($0) })
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw StackError(description: "the exporter did not start: \(await task.result)")
        }
        return RunningExporter(app: app, port: port, task: task)
    }

    private init(app: ExporterApplication, port: Int, task: Task<Void, any Error>) {
        self.app = app
        self.port = port
        self.task = task
    }

    /// `/metrics` as the store renders it (text format, without `process_*`).
    public var text: String {
        String(decoding: app.store.renderedBody(.prometheusText), as: UTF8.self)
    }

    /// An account's published health.
    public func health(_ account: String) -> AccountHealth? {
        app.store.health(of: account)
    }

    /// Stops every service and waits for them.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A wall clock a test sets and moves (epoch milliseconds).
public final class TestWallClock: Sendable {
    private let value: Mutex<Int64>

    public init(_ ms: Int64) {
        value = Mutex(ms)
    }

    public var ms: Int64 { value.withLock { $0 } }

    public func advance(byMs delta: Int64) {
        value.withLock { $0 += delta }
    }

    /// The system's monotonic clock with this wall clock.
    public var exporterClock: ExporterClock {
        .wall { self.ms }
    }
}
