import Logging
import SASSigning
import Synchronization

/// The simulated Security Center: data set, clock, faults, request log, counters, nonce
/// cache and the temporary keys its STS issued. Shared by every request handler.
public final class Simulator: Sendable {
    /// The configuration it was made with.
    public let configuration: SimulatorConfiguration
    /// Simulated time.
    public let clock: SimulatorClock
    let dataSet: DataSet
    let logger: Logger
    let state: Mutex<SimulatorState>

    /// - Parameters:
    ///   - clock: the simulated clock; a real-time clock at `configuration.timeScale` when nil.
    ///   - faults: faults active from the start.
    public init(
        configuration: SimulatorConfiguration,
        clock: SimulatorClock? = nil,
        faults: FaultSettings = FaultSettings(),
        logger: Logger = Logger(label: "sas-simulator")
    ) {
        self.configuration = configuration
        self.clock = clock ?? SimulatorClock(timeScale: configuration.timeScale)
        self.dataSet = DataSet(
            seed: configuration.seed, tasks: configuration.tasks,
            subtasksPerTask: configuration.subtasksPerTask, checkItems: configuration.checkItems,
            retentionSeconds: configuration.retentionSeconds
        )
        self.logger = logger
        var initial = SimulatorState()
        initial.faults = faults
        initial.initialFaults = faults
        self.state = Mutex(initial)
    }

    // MARK: Faults

    /// The faults in force.
    public var faults: FaultSettings {
        state.withLock { $0.faults }
    }

    /// Replaces the faults in force.
    public func setFaults(_ faults: FaultSettings) {
        state.withLock { $0.faults = faults }
    }

    /// Back to the initial faults, no bursts, empty log and counters, no throttle state.
    /// Issued STS keys and the nonce cache are kept (they model the outside world).
    public func reset() {
        state.withLock {
            $0.faults = $0.initialFaults
            $0.bursts = []
            $0.log = []
            $0.stats = RequestStats()
            $0.buckets = [:]
            $0.apiSequence = 0
        }
    }

    // MARK: Log and counters

    /// Counters over every request answered since start or the last reset.
    public var stats: RequestStats {
        state.withLock { $0.stats }
    }

    /// The most recent requests, oldest first.
    public var recentRequests: [RequestRecord] {
        state.withLock { $0.log }
    }

    func record(_ record: RequestRecord) {
        logger.debug(
            "request",
            metadata: [
                "action": .string(record.action), "access_key_id": .string(record.accessKeyId),
                "signature": .string(record.signature), "code": .string(record.code),
                "status": .stringConvertible(record.httpStatus), "request_id": .string(record.requestId),
            ])
        let capacity = configuration.requestLogCapacity
        state.withLock {
            var record = record
            if record.roleArn == nil, !record.accessKeyId.isEmpty {
                record.roleArn = $0.issued[record.accessKeyId]?.roleArn
            }
            $0.stats.record(record)
            $0.log.append(record)
            if $0.log.count > capacity { $0.log.removeFirst($0.log.count - capacity) }
        }
    }

    // MARK: Keys

    enum KeyKind {
        case permanent(secret: String)
        case noPermission(secret: String)
        case temporary(IssuedCredentials)

        var secret: String {
            switch self {
            case .permanent(let s), .noPermission(let s): s
            case .temporary(let issued): issued.accessKeySecret
            }
        }
    }

    func key(_ id: String) -> KeyKind? {
        if let secret = configuration.accessKeys[id] { return .permanent(secret: secret) }
        if let secret = configuration.noPermissionKeys[id] { return .noPermission(secret: secret) }
        if let issued = state.withLock({ $0.issued[id] }) { return .temporary(issued) }
        return nil
    }

    /// Records a nonce; false when it was already used within the TTL.
    func useNonce(_ nonce: String, accessKeyId: String, nowMs: Int64) -> Bool {
        let ttl = configuration.nonceTTLSeconds * 1000
        return state.withLock { s in
            if s.nonces.count > 100_000 || nowMs - s.lastNoncePruneMs > 60_000 {
                s.nonces = s.nonces.filter { $0.value > nowMs }
                s.lastNoncePruneMs = nowMs
            }
            let key = accessKeyId + "\u{0}" + nonce
            if let expiry = s.nonces[key], expiry > nowMs { return false }
            s.nonces[key] = nowMs + ttl
            return true
        }
    }
}

/// Mutable state of a simulator, behind one lock.
struct SimulatorState {
    var faults = FaultSettings()
    var initialFaults = FaultSettings()
    var bursts: [SimTask] = []
    var burstSequence: UInt64 = 0
    var nonces: [String: Int64] = [:]
    var lastNoncePruneMs: Int64 = 0
    var issued: [String: IssuedCredentials] = [:]
    var metadataTokens: [String: Int64] = [:]
    var log: [RequestRecord] = []
    var stats = RequestStats()
    /// Token buckets per AccessKey id: tokens left and the wall time they were counted.
    var buckets: [String: (tokens: Double, atMs: Int64)] = [:]
    /// Sequence number of API calls, for deterministic fault decisions.
    var apiSequence: UInt64 = 0
    var requestSequence: UInt64 = 0
    var taskCache: [Int64: SimTask] = [:]
}
