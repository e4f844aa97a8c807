import Hummingbird
import Logging
import SASAPI
import SASExporter
import SASModels
import SASSigning
import SASSimulator
import Synchronization

/// `sas-exporter --demo`: the simulator as a service in the exporter's own group, and one
/// account polling it every 5 s over a dense, fast-moving data set (a task a minute,
/// short subtasks), so every poll shows changes.
public enum Demo {
    /// The simulator's AccessKey; not a secret (it opens nothing but a loopback simulator).
    static let key = Credentials(accessKeyId: "demo", accessKeySecret: "demo-secret")

    /// What the launcher runs instead of a configuration file.
    public static func override(logger: Logger) -> LaunchOverride {
        let simulator = Simulator(
            configuration: SimulatorConfiguration(
                seed: 1, tasks: 1440, subtasksPerTask: 20, accessKeys: [key.accessKeyId: key.accessKeySecret.reveal()]
            ))
        let port = OneShot<Int>()
        let server = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: logger) {
            channel in
            let bound = channel.localAddress?.port ?? 0
            logger.info(
                "demo mode: polling the built-in simulator", metadata: ["simulator": "http://127.0.0.1:\(bound)"])
            port.fulfil(bound)
        }
        let account = AccountConfiguration(
            name: "demo", endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: 1), credentials: key,
            lang: "en", interval: .seconds(5), lookback: .seconds(7200), requestsPerSecond: 50
        )
        return LaunchOverride(
            configuration: ExporterConfiguration(accounts: [account]),
            services: [server],
            makeSource: { sources in
                { account, calls in
                    DeferredSource(port: port) { bound in
                        var real = account
                        real.endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: bound)
                        return try sources.makeSource(account: real, calls: calls)
                    }
                }
            }
        )
    }
}

/// A source whose endpoint is known only once the demo's simulator listens: it waits for
/// the port on first use, then polls through the real client.
final class DeferredSource: PollSource {
    let port: OneShot<Int>
    let build: @Sendable (Int) throws -> any PollSource
    private let built = Mutex<(any PollSource)?>(nil)

    init(port: OneShot<Int>, build: @escaping @Sendable (Int) throws -> any PollSource) {
        self.port = port
        self.build = build
    }

    private func resolve() async throws -> any PollSource {
        if let source = built.withLock({ $0 }) { return source }
        guard let bound = await port.wait() else { throw CancellationError() }
        let source = try build(bound)
        built.withLock { $0 = source }
        return source
    }

    func listTasks(_ selection: TaskSelection, deadline: ContinuousClock.Instant) async throws -> [OperationProcess] {
        try await resolve().listTasks(selection, deadline: deadline)
    }

    func readSubtasks(taskIds: [String], deadline: ContinuousClock.Instant, page: (SubtaskPage, Int) throws -> Void)
        async throws
    {
        try await resolve().readSubtasks(taskIds: taskIds, deadline: deadline, page: page)
    }
}
