/// What the API returns for a window at a moment, computed without HTTP, so tests can
/// compare a client's view with the truth.
public struct GroundTruth: Sendable, Equatable, Codable {
    /// One subtask of the window.
    public struct Subtask: Sendable, Equatable, Codable {
        public var taskId: String
        public var detailTaskId: String
        /// The status the API shows at `atMs`.
        public var status: Int
        /// `CreateTime`: when the subtask was created.
        public var createTimeMs: Int64
        /// `EndTime` as the API reports it (absent while running, or for a record that
        /// never carries times; may be before `StartTime` for an odd record).
        public var endTimeMs: Int64?
        /// When the subtask really reached its final status (nil while not terminal).
        public var completedAtMs: Int64?
        public var checkIds: [Int64]

        enum CodingKeys: String, CodingKey {
            case taskId = "task_id"
            case detailTaskId = "detail_task_id"
            case status
            case createTimeMs = "create_time_ms"
            case endTimeMs = "end_time_ms"
            case completedAtMs = "completed_at_ms"
            case checkIds = "check_ids"
        }
    }

    public var windowStartMs: Int64
    public var windowEndMs: Int64
    public var atMs: Int64
    /// Tasks created in the window (what `ListOperationProcess` returns), ordered.
    public var taskIds: [String]
    /// Subtasks of those tasks.
    public var total: Int
    /// Status code (as text, unknown codes as their number) → count.
    public var countsByStatus: [String: Int]
    /// Check id (as text) → terminal status code ("2", "3", "4") → count.
    public var checkTerminalCounts: [String: [String: Int]]
    /// Check id (as text) → name in the asked language.
    public var checkNames: [String: String]
    public var subtasks: [Subtask]

    /// Subtasks in `status` now.
    public func count(status: Int) -> Int { countsByStatus[String(status)] ?? 0 }

    /// Subtasks carrying `checkId` that are in terminal `status` now.
    public func terminalCount(checkId: Int64, status: Int) -> Int {
        checkTerminalCounts[String(checkId)]?[String(status)] ?? 0
    }

    /// Subtasks that reached a terminal status in `(afterMs, atMs]`.
    public func completed(after afterMs: Int64) -> [Subtask] {
        subtasks.filter { ($0.completedAtMs ?? .min) > afterMs }
    }

    enum CodingKeys: String, CodingKey {
        case windowStartMs = "window_start_ms"
        case windowEndMs = "window_end_ms"
        case atMs = "at_ms"
        case taskIds = "task_ids"
        case total
        case countsByStatus = "counts_by_status"
        case checkTerminalCounts = "check_terminal_counts"
        case checkNames = "check_names"
        case subtasks
    }
}
