import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A simulator server started with `startSimulator`, on a loopback port.
public struct RunningSimulator: Sendable {
    /// The bound port.
    public let port: Int
    /// `http://127.0.0.1:PORT` (or the host it was started on).
    public let baseURL: String
    /// `127.0.0.1:PORT`, the form the SDK's `endpoint` takes.
    public let endpoint: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(port: Int, host: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.baseURL = "http://\(host):\(port)"
        self.endpoint = "\(host):\(port)"
        self.group = group
        self.task = task
    }

    /// Shuts the server down gracefully and waits for it to finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// Errors of `startSimulator`.
public struct SimulatorStartError: Error, CustomStringConvertible {
    public let description: String
}

/// Starts the simulator's HTTP server on `host` (default loopback) and `port` (default
/// 0: any free port) and returns once it listens, with the bound port. For tests and the
/// demo; a long-running program should rather run `buildSimulatorApplication` in its
/// own `ServiceGroup`.
public func startSimulator(
    _ simulator: Simulator,
    host: String = "127.0.0.1",
    port: Int = 0,
    logger: Logger = Logger(label: "sas-simulator")
) async throws -> RunningSimulator {
    let (ports, continuation) = AsyncStream.makeStream(of: Int?.self)
    let app = buildSimulatorApplication(simulator: simulator, host: host, port: port, logger: logger) { channel in
        continuation.yield(channel.localAddress?.port)
        continuation.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    let task = Task {
        defer { continuation.finish() }
        try await group.run()
    }
    var iterator = ports.makeAsyncIterator()
    guard let bound = await iterator.next(), let bound else {
        await group.triggerGracefulShutdown()
        let outcome = await task.result
        throw SimulatorStartError(description: "the simulator did not start: \(outcome)")
    }
    return RunningSimulator(port: bound, host: host, group: group, task: task)
}
