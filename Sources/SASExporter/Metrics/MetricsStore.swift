import SASMetrics
import Synchronization

/// What `/metrics` serves: each account's last published chunks, the exporter's own, and
/// the accounts' health for the landing page and `/-/ready`.
///
/// The owners render (each poller its account's chunks, outside any lock); the store only
/// swaps chunks under its lock. A scrape merges the chunks by concatenation, outside the
/// lock, once per change (the scrape cache keeps the result by `generation`).
public final class MetricsStore: Sendable {
    /// What one account publishes.
    public struct AccountChunks: Sendable {
        /// The families of the last complete poll (or of the restored state); kept when a
        /// poll fails.
        public var snapshot: RenderedFamilies
        /// The poll and API families, replaced at every publish.
        public var health: RenderedFamilies
        /// The numbers behind `health`, for the landing page and readiness.
        public var status: AccountHealth
    }

    private struct State: Sendable {
        var accounts: [String: AccountChunks] = [:]
        var exporter: ExporterHealth
        var exporterChunk: RenderedFamilies
        var generation: UInt64 = 0

        /// Account names in the byte order of their UTF-8, the order the renderer sorts
        /// series in (a Swift string comparison normalises first and can differ).
        var accountNames: [String] {
            accounts.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
    }

    private let state: Mutex<State>

    public init(exporter: ExporterHealth) {
        state = Mutex(State(exporter: exporter, exporterChunk: RenderedFamilies(HealthFamilies.exporter(exporter))))
    }

    /// Publishes an account's chunks; a nil `snapshot` keeps the one published before.
    public func publish(account: String, snapshot: RenderedFamilies?, health: RenderedFamilies, status: AccountHealth) {
        state.withLock { state in
            let kept = snapshot ?? state.accounts[account]?.snapshot ?? .empty
            state.accounts[account] = AccountChunks(snapshot: kept, health: health, status: status)
            state.generation &+= 1
        }
    }

    /// Announces accounts before their pollers publish, so readiness waits for them.
    public func expect(accounts: [String], createdSeconds: Double) {
        state.withLock { state in
            for name in accounts where state.accounts[name] == nil {
                state.accounts[name] = AccountChunks(
                    snapshot: .empty, health: .empty, status: AccountHealth(createdSeconds: createdSeconds))
            }
            state.generation &+= 1
        }
    }

    /// Forgets an account that left the configuration.
    public func remove(account: String) {
        state.withLock { state in
            guard state.accounts.removeValue(forKey: account) != nil else { return }
            state.generation &+= 1
        }
    }

    /// Changes the exporter-wide facts; their chunk is rendered outside the lock (and
    /// again, should another change land in between).
    public func updateExporter(_ change: (inout ExporterHealth) -> Void) {
        while true {
            let current = state.withLock { $0.exporter }
            var updated = current
            change(&updated)
            let chunk = RenderedFamilies(HealthFamilies.exporter(updated))
            let swapped = state.withLock { state -> Bool in
                guard state.exporter == current else { return false }
                state.exporter = updated
                state.exporterChunk = chunk
                state.generation &+= 1
                return true
            }
            if swapped { return }
        }
    }

    /// The exposition of every account and of the exporter, without the `process_*`
    /// families and without the OpenMetrics terminator.
    public func renderedBody(_ format: ExpositionFormat) -> [UInt8] {
        let chunks = state.withLock { state -> [RenderedFamilies] in
            state.accountNames.flatMap { name -> [RenderedFamilies] in
                guard let account = state.accounts[name] else { return [] }
                return [account.snapshot, account.health]
            } + [state.exporterChunk]
        }
        return RenderedFamilies.assemble(chunks, format: format)
    }

    /// Each account's health, sorted by account name.
    public func accountHealth() -> [(name: String, health: AccountHealth)] {
        state.withLock { state in
            state.accountNames.compactMap { name in state.accounts[name].map { (name, $0.status) } }
        }
    }

    /// One account's health, if the account is known.
    public func health(of account: String) -> AccountHealth? {
        state.withLock { $0.accounts[account]?.status }
    }

    /// The exporter-wide facts.
    public var exporterHealth: ExporterHealth {
        state.withLock { $0.exporter }
    }

    /// Increases on every change; the scrape cache keys on it, tests wait for it.
    public var generation: UInt64 {
        state.withLock { $0.generation }
    }
}
