import Foundation
import Logging
import SASMetrics

/// Owns every account's aggregator, so a poller restarted by a reload keeps its
/// counters, and saves them all to the state file after each complete poll.
actor AggregatorStates {
    private var aggregators: [String: AccountAggregator]
    private let stateFile: StateFile?
    private let logger: Logger
    private(set) var saveFailures: UInt64 = 0

    init(restored: [String: AccountAggregator], stateFile: StateFile?, logger: Logger) {
        aggregators = restored
        self.stateFile = stateFile
        self.logger = logger
    }

    /// Loads the state file (if any). A corrupt file is moved aside and logged, and the
    /// exporter starts fresh: it never refuses to start because of it.
    static func restore(from stateFile: StateFile?, logger: Logger, nowMs: Int64) -> (aggregators: [String: AccountAggregator], corrupt: Bool) {
        guard let stateFile else { return ([:], false) }
        switch stateFile.load(nowMs: nowMs) {
        case .missing:
            logger.info("no state file yet; the first poll of each account is a baseline", metadata: ["path": "\(stateFile.path)"])
            return ([:], false)
        case .loaded(let contents):
            logger.info("state restored", metadata: [
                "path": "\(stateFile.path)", "accounts": "\(contents.accounts.count)",
            ])
            return (contents.accounts, false)
        case .corrupt(let reason, let movedTo):
            logger.error("state file unusable; starting fresh", metadata: [
                "path": "\(stateFile.path)", "reason": "\(reason)", "moved_to": "\(movedTo ?? "not moved")",
            ])
            return ([:], true)
        }
    }

    /// Ingests a complete poll and saves the state.
    func ingest(_ input: PollInput, configuration: AggregatorConfiguration) -> AccountSnapshot {
        var aggregator = aggregators[input.account] ?? AccountAggregator(account: input.account, configuration: configuration)
        if aggregator.configuration != configuration { aggregator.reconfigure(configuration) }
        let snapshot = aggregator.ingest(input)
        aggregators[input.account] = aggregator
        save(nowMs: input.polledAtMs)
        return snapshot
    }

    /// Forgets accounts that are no longer configured.
    func retain(accounts: Set<String>) {
        aggregators = aggregators.filter { accounts.contains($0.key) }
    }

    func aggregator(for account: String) -> AccountAggregator? {
        aggregators[account]
    }

    private func save(nowMs: Int64) {
        guard let stateFile else { return }
        do {
            try stateFile.save(StateFileContents(savedAtMs: nowMs, accounts: aggregators))
        } catch {
            saveFailures += 1
            logger.error("cannot save the state file", metadata: ["path": "\(stateFile.path)", "error": "\(error)"])
        }
    }
}
