import Logging
import SASMetrics
import ServiceLifecycle
import Synchronization

/// Runs one `AccountPoller` per configured account, as child tasks of its own `run()`,
/// and applies new configurations one at a time, in the order they arrive: unchanged
/// accounts keep polling; a changed one is stopped, and its successor starts only after
/// it has returned, with the state it handed over (so there is never more than one
/// poller per account); a removed one stops and leaves `/metrics`.
public final class PollerSupervisor: Service, Sendable {
    /// Builds the data source of an account, reporting its API calls to `calls`; throws
    /// when it cannot (no credentials...).
    public typealias SourceFactory = @Sendable (AccountConfiguration, APICallMetrics) throws -> any PollSource

    private struct Command: Sendable {
        let configuration: ExporterConfiguration
        let reply: OneShot<Result<Void, ApplyError>>
    }

    /// Why a configuration could not be applied.
    public struct ApplyError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let commands: AsyncStream<Command>
    private let submit: AsyncStream<Command>.Continuation
    private let initial: ExporterConfiguration
    private let initialSources: [String: Source]
    private let restored: Mutex<[String: AccountAggregator]>
    private let store: MetricsStore
    private let persistence: StatePersistence
    private let makeSource: SourceFactory
    private let clock: ExporterClock
    private let logger: Logger
    private let running = Mutex<[String]>([])

    /// - Parameters:
    ///   - initial: the configuration polled from the start; its sources are built (and
    ///     checked) here, so a start-up error is reported before anything runs.
    ///   - restored: the state file's accounts, handed to their first pollers.
    init(
        initial: ExporterConfiguration, restored: [String: AccountAggregator], store: MetricsStore,
        persistence: StatePersistence, makeSource: @escaping SourceFactory, clock: ExporterClock, logger: Logger
    ) throws {
        var sources: [String: Source] = [:]
        for account in initial.accounts {
            let calls = APICallMetrics()
            sources[account.name] = Source(source: try makeSource(account, calls), calls: calls)
        }
        initialSources = sources
        (commands, submit) = AsyncStream.makeStream(of: Command.self)
        self.initial = initial
        self.restored = Mutex(restored)
        self.store = store
        self.persistence = persistence
        self.makeSource = makeSource
        self.clock = clock
        self.logger = logger
        store.expect(accounts: initial.accounts.map(\.name), createdSeconds: clock.wallSeconds)
    }

    /// Applies a configuration after those submitted before it; returns once it runs, or
    /// throws (and changes nothing) when a source cannot be built or the supervisor has
    /// stopped.
    public func apply(_ configuration: ExporterConfiguration) async throws {
        let reply = OneShot<Result<Void, ApplyError>>()
        if case .terminated = submit.yield(Command(configuration: configuration, reply: reply)) {
            throw ApplyError(description: "the exporter is shutting down")
        }
        guard let outcome = await reply.wait() else { throw CancellationError() }
        try outcome.get()
    }

    /// Names of the accounts being polled.
    public var accountNames: [String] { running.withLock { $0.sorted() } }

    /// An account's data source and the metrics object its client reports to.
    private struct Source: Sendable {
        let source: any PollSource
        let calls: APICallMetrics
    }

    /// One running poller.
    private struct Poller {
        var account: AccountConfiguration
        var buckets: [Double]
        /// The same object as in the poller's state: a successor's client reports to it.
        let calls: APICallMetrics
        let stop: OneShot<Void>
        let handoff: OneShot<AccountState>
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            var pollers: [String: Poller] = [:]
            start(initial, sources: initialSources, handedOver: [:], pollers: &pollers, group: &group, spread: true)
            for await command in commands.cancelOnGracefulShutdown() {
                do {
                    try await reconcile(command.configuration, pollers: &pollers, group: &group)
                    command.reply.fulfil(.success(()))
                } catch {
                    command.reply.fulfil(.failure(ApplyError(description: String(describing: error))))
                }
            }
            submit.finish()
            for await command in commands {
                command.reply.fulfil(.failure(ApplyError(description: "the exporter is shutting down")))
            }
            for poller in pollers.values { poller.stop.fulfil(()) }
            for poller in pollers.values { _ = await poller.handoff.wait() }
            running.withLock { $0 = [] }
        }
    }

    /// Stops changed and removed accounts (waiting for each to hand its state over), then
    /// starts new and changed ones. Sources are built first: if one cannot be, nothing
    /// changes.
    private func reconcile(
        _ configuration: ExporterConfiguration, pollers: inout [String: Poller], group: inout DiscardingTaskGroup
    ) async throws {
        var sources: [String: Source] = [:]
        for account in configuration.accounts {
            if let current = pollers[account.name], current.account == account,
                current.buckets == configuration.durationBuckets
            {
                continue
            }
            let calls = pollers[account.name]?.calls ?? APICallMetrics()
            sources[account.name] = Source(source: try makeSource(account, calls), calls: calls)
        }
        let wanted = Set(configuration.accounts.map(\.name))
        var handedOver: [String: AccountState] = [:]
        for (name, poller) in pollers where !wanted.contains(name) || sources[name] != nil {
            poller.stop.fulfil(())
            // Cancelled while waiting (shutdown): stop here rather than start the account
            // afresh without its state.
            guard let state = await poller.handoff.wait() else { throw CancellationError() }
            pollers[name] = nil
            if wanted.contains(name) {
                handedOver[name] = state
            } else {
                store.remove(account: name)
                await persistence.forget(account: name)
                logger.info("account removed", metadata: ["account": "\(name)"])
            }
        }
        start(configuration, sources: sources, handedOver: handedOver, pollers: &pollers, group: &group)
    }

    /// Starts a poller for every account of `configuration` not running yet, with the
    /// source built for it and the state handed over, restored, or new.
    /// With `spread`, the first polls of the accounts are spread over their interval
    /// (`AccountPoller.phase`); otherwise (accounts added or changed by a reload) they poll
    /// at once.
    private func start(
        _ configuration: ExporterConfiguration, sources: [String: Source], handedOver: [String: AccountState],
        pollers: inout [String: Poller], group: inout DiscardingTaskGroup, spread: Bool = false
    ) {
        store.expect(accounts: configuration.accounts.map(\.name), createdSeconds: clock.wallSeconds)
        for account in configuration.accounts where pollers[account.name] == nil {
            guard let built = sources[account.name] else { continue }
            let state =
                handedOver[account.name]
                ?? AccountState(
                    account: account.name, restored: restored.withLock { $0.removeValue(forKey: account.name) },
                    calls: built.calls, createdSeconds: clock.wallSeconds
                )
            var poller = AccountPoller(
                account: account, durationBuckets: configuration.durationBuckets, source: built.source, store: store,
                persistence: persistence, clock: clock, logger: logger
            )
            if spread {
                poller.firstDelay = AccountPoller.phase(
                    of: account.name, interval: account.interval, accounts: configuration.accounts.count
                )
            }
            let entry = Poller(
                account: account, buckets: configuration.durationBuckets, calls: built.calls, stop: OneShot(),
                handoff: OneShot()
            )
            pollers[account.name] = entry
            group.addTask {
                let final = await poller.run(state, stop: entry.stop)
                entry.handoff.fulfil(final)
            }
            logger.info(
                "polling account",
                metadata: [
                    "account": "\(account.name)", "interval": "\(PrometheusDuration.format(account.interval))",
                    "poll_timeout": "\(PrometheusDuration.format(account.pollTimeout))",
                ])
            if account.interval < .seconds(30) {
                logger.warning(
                    "interval below 30s: mind the Security Center API quota", metadata: ["account": "\(account.name)"])
            }
        }
        running.withLock { $0 = Array(pollers.keys) }
    }
}
