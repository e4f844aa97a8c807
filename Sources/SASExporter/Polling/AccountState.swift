import SASMetrics

/// Everything one account owns: its counters and de-duplication state, its health and
/// API call metrics, what it knows of its tasks, and the last snapshot it published. A
/// poller owns it while it runs and hands it to the poller that replaces it after a
/// reload; nothing is ever read back from `/metrics`.
struct AccountState: Sendable {
    var aggregator: AccountAggregator
    var health: AccountHealth
    /// The client's observer; the same object is given to a replacement's client.
    let calls: APICallMetrics
    var ledger = TaskLedger()
    /// The aggregator's families as last published (a complete poll's, or the restored
    /// counters'); nil before there is anything to show.
    var snapshot: RenderedFamilies?

    /// The state of an account seen for the first time (or restored from the state file).
    init(account: String, restored: AccountAggregator?, calls: APICallMetrics, createdSeconds: Double) {
        aggregator = restored ?? AccountAggregator(account: account)
        health = AccountHealth(createdSeconds: createdSeconds)
        self.calls = calls
        if let restored, restored.pollCount > 0 {
            snapshot = RenderedFamilies(restored.restoredFamilies())
        }
    }
}
