import SASMetrics
import Synchronization

/// What `/metrics` serves: the last complete snapshot of every account, the exporter's own
/// health, and the exposition bytes rendered from them.
///
/// Bytes are rendered when something is published (once per poll), never by a scrape;
/// a scrape only appends the `process_*` families it reads at that moment.
public final class MetricsStore: Sendable {
    struct AccountEntry: Sendable {
        var families: [MetricFamily]
        var health: AccountHealth
    }

    struct State: Sendable {
        var accounts: [String: AccountEntry] = [:]
        var exporter: ExporterHealth
        var rendered: [ExpositionFormat: [UInt8]] = [:]
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(exporter: ExporterHealth) {
        var initial = State(exporter: exporter)
        Self.render(&initial)
        state = Mutex(initial)
    }

    /// Publishes a poll's outcome. A nil snapshot (an incomplete poll) keeps the account's
    /// previous snapshot served; the health is always replaced.
    public func publish(account: String, snapshot: AccountSnapshot?, health: AccountHealth) {
        state.withLock { state in
            var entry = state.accounts[account] ?? AccountEntry(families: [], health: health)
            if let snapshot { entry.families = snapshot.families }
            entry.health = health
            state.accounts[account] = entry
            Self.render(&state)
        }
    }

    /// Registers an account before its first poll, so `up` reads 0 until it succeeds.
    public func register(account: String, health: AccountHealth) {
        state.withLock { state in
            guard state.accounts[account] == nil else { return }
            state.accounts[account] = AccountEntry(families: [], health: health)
            Self.render(&state)
        }
    }

    /// Forgets an account that left the configuration.
    public func remove(account: String) {
        state.withLock { state in
            guard state.accounts.removeValue(forKey: account) != nil else { return }
            Self.render(&state)
        }
    }

    /// Changes the exporter-wide facts (reload outcome).
    public func updateExporter(_ change: (inout ExporterHealth) -> Void) {
        state.withLock { state in
            change(&state.exporter)
            Self.render(&state)
        }
    }

    /// The rendered families of every account and of the exporter, without the
    /// `process_*` families and without the OpenMetrics terminator.
    public func renderedBody(_ format: ExpositionFormat) -> [UInt8] {
        state.withLock { $0.rendered[format] ?? [] }
    }

    /// Each account's health, sorted by account name.
    public func accountHealth() -> [(name: String, health: AccountHealth)] {
        state.withLock { state in
            state.accounts.keys.sorted().compactMap { name in state.accounts[name].map { (name, $0.health) } }
        }
    }

    /// One account's health, if the account is known.
    public func health(of account: String) -> AccountHealth? {
        state.withLock { $0.accounts[account]?.health }
    }

    /// The exporter-wide facts.
    public var exporterHealth: ExporterHealth {
        state.withLock { $0.exporter }
    }

    /// Increases on every publish; lets tests wait for a change.
    public var generation: UInt64 {
        state.withLock { $0.generation }
    }

    /// Renders every account's families and the exporter's own; the renderer merges
    /// the same family from several accounts and sorts everything.
    private static func render(_ state: inout State) {
        let names = state.accounts.keys.sorted()
        let health = names.compactMap { name in state.accounts[name].map { (name: name, health: $0.health) } }
        let families = names.flatMap { state.accounts[$0]?.families ?? [] }
            + HealthFamilies.families(accounts: health, exporter: state.exporter)
        for format in ExpositionFormat.allCases {
            state.rendered[format] = ExpositionRenderer.render(families, format: format)
        }
        state.generation &+= 1
    }
}
