import SASModels

/// The immutable result of one complete poll of one account: its subtask families and a
/// few numbers for logs and the landing page.
public struct AccountSnapshot: Sendable {
    /// The account label.
    public let account: String
    /// When the poll finished, epoch milliseconds.
    public let polledAtMs: Int64
    /// The account's subtask families (names in `MetricNames`), every sample labelled
    /// `account`.
    public let families: [MetricFamily]
    /// Numbers for logs and the landing page.
    public let summary: SnapshotSummary

    /// Creates a snapshot (the aggregator makes them; tests of other targets may too).
    public init(account: String, polledAtMs: Int64, families: [MetricFamily], summary: SnapshotSummary) {
        self.account = account
        self.polledAtMs = polledAtMs
        self.families = families
        self.summary = summary
    }
}

/// Numbers describing one poll and the aggregator state after it.
public struct SnapshotSummary: Sendable, Equatable {
    /// Whether this poll began a coverage (first poll without restored state, or a new
    /// endpoint): what it saw terminal was a baseline.
    public var isBaseline: Bool
    /// Whether the endpoint changed under the same account name (a new baseline).
    public var endpointChanged: Bool
    /// Subtask records in the poll, duplicates and unusable ones included.
    public var recordsReceived: Int
    /// Records left out because they were created outside the window.
    public var outsideWindow: Int
    /// Distinct subtasks in the window (records without id each count once).
    public var subtasksInWindow: Int
    /// Distinct subtasks in the window by `status` label; missing statuses are left out.
    public var subtasksByStatus: [String: Int]
    /// Distinct parent tasks, or nil when tasks were not discovered.
    public var tasksInWindow: Int?
    /// Completions counted by this poll.
    public var completedThisPoll: Int
    /// Completions counted since the series were created, all statuses.
    public var completedTotal: UInt64
    /// `alibabacloud_sas_invalid_subtasks_total` by reason.
    public var invalidTotals: [String: UInt64]
    /// Size of the de-duplication state after this poll.
    public var trackedSubtasks: Int
    /// Entries that expired in this poll.
    public var expiredThisPoll: Int
    /// Entries evicted by the size limit in this poll.
    public var evictedThisPoll: Int
    /// Records counted as undecodable for the first time by this poll (for the log).
    public var newlyUndecodable: [UndecodableRecord]
}
