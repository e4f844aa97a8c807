import Logging
import ServiceLifecycle

/// Runs one `AccountPoller` per configured account and applies new configurations:
/// unchanged accounts keep polling, changed ones restart (keeping their counters),
/// removed ones stop and leave `/metrics`. A `Service`: it stops every poller on
/// graceful shutdown.
public actor PollerSupervisor: Service {
    /// Builds the data source of an account; throws when it cannot (no credentials...).
    public typealias SourceFactory = @Sendable (AccountConfiguration, APICallRecorder) throws -> any PollSource

    private struct Running {
        var account: AccountConfiguration
        var task: Task<Void, Never>
    }

    private var running: [String: Running] = [:]
    private let store: MetricsStore
    let states: AggregatorStates
    private let makeSource: SourceFactory
    private let logger: Logger
    private var durationBuckets: [Double] = ExporterConfiguration.defaultDurationBuckets
    /// The wall clock of the pollers, epoch milliseconds.
    private let nowMs: @Sendable () -> Int64

    init(
        store: MetricsStore, states: AggregatorStates, makeSource: @escaping SourceFactory, logger: Logger,
        nowMs: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.states = states
        self.makeSource = makeSource
        self.logger = logger
        self.nowMs = nowMs
    }

    /// Sources are built for every account first; if one cannot be built, nothing changes
    /// and the error is returned (the previous configuration keeps running).
    public func apply(_ configuration: ExporterConfiguration) async throws {
        let bucketsChanged = configuration.durationBuckets != durationBuckets
        var starting: [(AccountConfiguration, any PollSource, APICallRecorder)] = []
        for account in configuration.accounts {
            if let current = running[account.name], current.account == account, !bucketsChanged { continue }
            let recorder = APICallRecorder()
            starting.append((account, try makeSource(account, recorder), recorder))
        }
        durationBuckets = configuration.durationBuckets
        let wanted = Set(configuration.accounts.map(\.name))
        for (name, entry) in running where !wanted.contains(name) {
            entry.task.cancel()
            await entry.task.value
            running[name] = nil
            store.remove(account: name)
            logger.info("account removed", metadata: ["account": "\(name)"])
        }
        await states.retain(accounts: wanted)
        for (account, source, recorder) in starting {
            if let previous = running[account.name] {
                previous.task.cancel()
                await previous.task.value
            }
            var poller = AccountPoller(
                account: account, source: source, recorder: recorder, store: store, states: states,
                durationBuckets: configuration.durationBuckets, logger: logger
            )
            poller.nowMs = nowMs
            let previous = store.health(of: account.name)
            running[account.name] = Running(account: account, task: Task { await poller.run(continuing: previous) })
            logger.info("polling account", metadata: [
                "account": "\(account.name)", "interval": "\(PrometheusDuration.format(milliseconds: account.intervalMs))",
            ])
            if account.intervalMs < 30_000 {
                logger.warning("interval below 30s: mind the Security Center API quota", metadata: ["account": "\(account.name)"])
            }
        }
    }

    /// Names of the accounts being polled.
    public var accountNames: [String] { running.keys.sorted() }

    public func run() async throws {
        try? await gracefulShutdown()
        await stopAll()
    }

    func stopAll() async {
        for (_, entry) in running { entry.task.cancel() }
        for (_, entry) in running { await entry.task.value }
        running = [:]
    }
}
