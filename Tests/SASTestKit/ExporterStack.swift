import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SASAPI
import SASExporter
import SASSigning
import SASSimulator

/// A simulator (manual clock) and an exporter polling it, both over real loopback
/// sockets: the exporter's wall clock is the simulator's, so the exporter's numbers can
/// be compared exactly with the simulator's ground truth.
public final class ExporterStack: Sendable {
    public let simulator: Simulator
    public let running: RunningSimulator
    public let exporter: RunningExporter
    public let http: HTTPClient
    private let sources: ClientSources

    public var app: ExporterApplication { exporter.app }
    /// The exporter's HTTP port.
    public var port: Int { exporter.port }

    /// The AccessKey the stack's simulator accepts.
    public static let key = Credentials(accessKeyId: "stackid", accessKeySecret: "stacksecret")

    /// An account polling the stack's simulator at `baseURL`.
    public static func account(
        _ name: String, baseURL: String, interval: Duration = .seconds(1), lookback: Duration = .seconds(3600),
        taskIds: [String]? = nil, key: Credentials = key, pollTimeout: Duration? = nil
    ) throws -> AccountConfiguration {
        AccountConfiguration(
            name: name, endpoint: try Endpoint(parsing: baseURL), credentials: key, taskIds: taskIds,
            interval: interval, lookback: lookback, pollTimeout: pollTimeout, requestsPerSecond: 500,
            maxConcurrentRequests: 4
        )
    }

    /// Starts a simulator, then an exporter polling it.
    ///
    /// - Parameters:
    ///   - simulatorPort: the simulator's port (0: any free one); a restart test reuses
    ///     the first stack's, so the exporter sees the same endpoint.
    ///   - configuration: the exporter's configuration, given the simulator's base URL.
    ///   - configFile: a file the exporter reloads from (the configuration above is the one
    ///     it starts with).
    ///   - monotonic: a manual clock for ticks and deadlines; the system's when nil.
    ///   - environment: the exporter's environment (credential chain, proxies); STS is the
    ///     simulator's whatever it says.
    public static func start(
        simulator settings: SimulatorConfiguration = SimulatorConfiguration(seed: 11, tasks: 480, subtasksPerTask: 10),
        faults: FaultSettings = FaultSettings(),
        startMs: Int64? = nil,
        simulatorPort: Int = 0,
        configuration: (String) throws -> ExporterConfiguration,
        configFile: String? = nil,
        loader: ConfigLoader = ConfigLoader(),
        monotonic: ManualClock? = nil,
        environment: [String: String] = [:],
        logger: Logger = Logger(label: "stack"),
        persistenceWriteHook: @escaping @Sendable ([String]) -> Void = { _ in }
    ) async throws -> ExporterStack {
        var settings = settings
        settings.accessKeys[key.accessKeyId] = key.accessKeySecret.reveal()
        let start = startMs ?? (Int64(Date().timeIntervalSince1970) / 60) * 60_000
        let simulator = Simulator(configuration: settings, clock: .manual(startMs: start), faults: faults)
        let running = try await startSimulator(simulator, port: simulatorPort)
        let wall = simulator.clock
        let clock = monotonic?.exporterClock(wallMs: { wall.nowMs }) ?? .wall { wall.nowMs }
        // STS calls (per-account roles) go to the simulator too.
        let sources = ClientSources(
            environment: environment, logger: logger, clock: clock, stsEndpoint: running.baseURL)
        let exporter: RunningExporter
        do {
            exporter = try await RunningExporter.start(
                configuration: try configuration(running.baseURL), configFile: configFile, loader: loader,
                makeSource: { account, calls in try sources.makeSource(account: account, calls: calls) },
                clock: clock, logger: logger, persistenceWriteHook: persistenceWriteHook
            )
        } catch {
            await running.stop()
            throw error
        }
        return ExporterStack(
            simulator: simulator, running: running, exporter: exporter,
            http: HTTPClient(eventLoopGroupProvider: .singleton),
            sources: sources
        )
    }

    private init(
        simulator: Simulator, running: RunningSimulator, exporter: RunningExporter, http: HTTPClient,
        sources: ClientSources
    ) {
        self.simulator = simulator
        self.running = running
        self.exporter = exporter
        self.http = http
        self.sources = sources
    }

    /// `/metrics` in the text format.
    public func metrics() async throws -> String {
        let response = try await http.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 64 << 20))
    }

    /// Completed polls of an account (as published).
    public func polls(_ account: String) -> UInt64 {
        app.store.health(of: account)?.pollsTotal ?? 0
    }

    /// Waits until an account has finished `count` polls.
    public func waitForPolls(_ account: String, _ count: UInt64, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout) { self.polls(account) >= count }
    }

    /// Stops the exporter, the simulator and the client.
    public func stop() async {
        await exporter.stop()
        await sources.shutdown()
        await running.stop()
        try? await http.shutdown()
    }
}

/// The stack could not start.
public struct StackError: Error, CustomStringConvertible {
    public let description: String
}
