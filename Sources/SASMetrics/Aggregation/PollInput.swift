import SASModels

/// Everything one complete poll of one account returned.
public struct PollInput: Sendable {
    /// The configured account name, for logs; the series are labelled with the
    /// aggregator's own `account`.
    public var account: String
    /// When the poll finished, epoch milliseconds.
    public var polledAtMs: Int64
    /// Start of the queried window, epoch milliseconds.
    public var windowStartMs: Int64
    /// End of the queried window, epoch milliseconds.
    public var windowEndMs: Int64
    /// Parent tasks from `ListOperationProcess`, or nil when task ids came from the
    /// configuration (then `alibabacloud_sas_tasks` is not exported).
    public var tasks: [OperationProcess]?
    /// Every subtask of every page, concatenated; may hold duplicates across pages.
    public var subtasks: [ProcessDetail]

    /// Creates a poll input.
    public init(
        account: String, polledAtMs: Int64, windowStartMs: Int64, windowEndMs: Int64,
        tasks: [OperationProcess]?, subtasks: [ProcessDetail]
    ) {
        self.account = account
        self.polledAtMs = polledAtMs
        self.windowStartMs = windowStartMs
        self.windowEndMs = windowEndMs
        self.tasks = tasks
        self.subtasks = subtasks
    }
}
