import Logging
import NIOPosix
import SASMetrics
import ServiceLifecycle
import Synchronization

/// Saves every account's state to the state file, as a service of its own.
///
/// A poller hands its account's state over after each complete poll and waits until it
/// is on disk before publishing that poll's numbers (so served counters never run ahead
/// of saved ones). Encoding and writing happen on a thread pool, off the cooperative
/// pool. Saves are coalesced: one write carries every account that saved since the last
/// one (each account's entry is encoded once per poll, the others' kept as they were),
/// so 50 accounts polling together cost a few writes, not 50 times 50 entries.
///
/// A failed save is counted (`state_file_errors_total{operation="save"}`), logged once
/// per streak of failures, and never stops polling or serving.
public final class StatePersistence: Service, Sendable {
    private let file: StateFile?
    private let logger: Logger
    private let clock: ExporterClock
    private let onSaveError: @Sendable () -> Void
    private let pool: NIOThreadPool
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let state: Mutex<State>
    /// Runs inside every write, on the thread pool (tests slow it down or count it).
    let writeHook: @Sendable ([String]) -> Void

    private struct State {
        /// Accounts to write (nil: remove), since the last write started.
        var pending: [String: AccountAggregator?] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    /// - Parameters:
    ///   - restored: the accounts loaded from the file that are still configured: kept in
    ///     the file until their pollers save them again.
    init(
        file: StateFile?, restored: [String: AccountAggregator], clock: ExporterClock, logger: Logger,
        pool: NIOThreadPool = .singleton, writeHook: @escaping @Sendable ([String]) -> Void = { _ in },
        onSaveError: @escaping @Sendable () -> Void
    ) {
        self.file = file
        self.logger = logger
        self.clock = clock
        self.pool = pool
        self.writeHook = writeHook
        self.onSaveError = onSaveError
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state = Mutex(State(pending: restored.mapValues { Optional($0) }))
    }

    /// Saves an account's state; returns once it is on disk (or the write failed). Returns
    /// at once when there is no state file.
    func save(account: String, _ aggregator: AccountAggregator) async {
        await enqueue(account, aggregator)
    }

    /// Removes an account from the file (it left the configuration).
    func forget(account: String) async {
        await enqueue(account, nil)
    }

    private func enqueue(_ account: String, _ aggregator: AccountAggregator?) async {
        guard file != nil else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.pending[account] = .some(aggregator)
                state.waiters.append(continuation)
                return true
            }
            if accepted { wake.yield() } else { continuation.resume() }
        }
    }

    public func run() async throws {
        guard let file else {
            try? await gracefulShutdown()
            return
        }
        var entries: [String: [UInt8]] = [:]
        var failing = false
        for await _ in wakeups.cancelOnGracefulShutdown() {
            await flush(file, entries: &entries, failing: &failing)
        }
        let leftover = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            return state.waiters
        }
        if !leftover.isEmpty { await flush(file, entries: &entries, failing: &failing) }
    }

    /// Writes what is pending (if anything) and wakes its waiters.
    private func flush(_ file: StateFile, entries: inout [String: [UInt8]], failing: inout Bool) async {
        let (pending, waiters) = state.withLock { state in
            defer {
                state.pending = [:]
                state.waiters = []
            }
            return (state.pending, state.waiters)
        }
        guard !pending.isEmpty || !waiters.isEmpty else { return }
        let previous = entries
        let savedAtMs = clock.wallMs()
        let hook = writeHook
        let outcome: Result<[String: [UInt8]], any Error>
        do {
            outcome = .success(
                try await pool.runIfActive {
                    var updated = previous
                    for (name, aggregator) in pending {
                        if let aggregator {
                            updated[name] = try StateFile.encode(aggregator)
                        } else {
                            updated[name] = nil
                        }
                    }
                    hook(pending.keys.sorted())
                    try file.write(StateFile.contents(entries: updated, savedAtMs: savedAtMs))
                    return updated
                })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let updated):
            entries = updated
            if failing {
                failing = false
                logger.info("state file saved again", metadata: ["path": "\(file.path)"])
            }
        case .failure(let error):
            onSaveError()
            // What was not written is tried again with the next save.
            state.withLock { state in
                for (name, value) in pending where state.pending[name] == nil { state.pending[name] = value }
            }
            if !failing {
                failing = true
                logger.error(
                    "cannot save the state file; polling and serving go on (logged once until it works again)",
                    metadata: [
                        "path": "\(file.path)", "error": "\(error)",
                    ])
            }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Loads the state file (if any). A corrupt file is moved aside and logged, and the
    /// exporter starts fresh; an unreadable account entry starts that account fresh. It
    /// never refuses to start because of the file. Returns the accounts and how many
    /// load errors to count.
    static func restore(from file: StateFile?, nowMs: Int64, logger: Logger) -> (
        accounts: [String: AccountAggregator], errors: Int
    ) {
        guard let file else { return ([:], 0) }
        switch file.load(nowMs: nowMs) {
        case .missing:
            logger.info(
                "no state file yet; the first poll of each account is a baseline", metadata: ["path": "\(file.path)"])
            return ([:], 0)
        case .loaded(let accounts, let unreadable):
            logger.info("state restored", metadata: ["path": "\(file.path)", "accounts": "\(accounts.count)"])
            if !unreadable.isEmpty {
                logger.error(
                    "state file entries unreadable; those accounts start fresh",
                    metadata: [
                        "path": "\(file.path)", "accounts": "\(unreadable.joined(separator: ","))",
                    ])
            }
            return (accounts, unreadable.isEmpty ? 0 : 1)
        case .corrupt(let reason, let movedTo):
            logger.error(
                "state file unusable; starting fresh",
                metadata: [
                    "path": "\(file.path)", "reason": "\(reason)", "moved_to": "\(movedTo ?? "not moved")",
                ])
            return ([:], 1)
        }
    }
}
