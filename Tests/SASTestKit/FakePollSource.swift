import SASExporter
import SASModels
import Synchronization

/// A scriptable data source: tasks and subtasks to return, or an error to throw; it
/// records every call.
public final class FakePollSource: PollSource {
    /// What the source answers.
    public struct Script: Sendable {
        public var tasks: [OperationProcess] = [OperationProcess(taskId: "t1", statusCode: 1)]
        public var subtasks: [ProcessDetail] = []
        public var failure: PollFailure?
        /// Never answer (until cancelled).
        public var hang = false
        /// Rows per page served to `readSubtasks`.
        public var pageSize = 100

        public init(
            tasks: [OperationProcess] = [OperationProcess(taskId: "t1", statusCode: 1)], subtasks: [ProcessDetail] = [],
            failure: PollFailure? = nil, hang: Bool = false, pageSize: Int = 100
        ) {
            self.tasks = tasks
            self.subtasks = subtasks
            self.failure = failure
            self.hang = hang
            self.pageSize = pageSize
        }
    }

    /// One call made to the source.
    public enum Call: Sendable, Equatable {
        case listTasks(TaskSelection)
        case readSubtasks([String])
    }

    private let script: Mutex<Script>
    private let log = Mutex<[Call]>([])

    public init(_ script: Script = Script()) {
        self.script = Mutex(script)
    }

    /// Changes what the source answers from now on.
    public func update(_ change: (inout Script) -> Void) {
        script.withLock { change(&$0) }
    }

    /// Every call so far.
    public var calls: [Call] { log.withLock { $0 } }

    public func listTasks(_ selection: TaskSelection, deadline: ContinuousClock.Instant) async throws
        -> [OperationProcess]
    {
        log.withLock { $0.append(.listTasks(selection)) }
        let current = script.withLock { $0 }
        if current.hang { try await Task.sleep(for: .seconds(3600)) }
        if let failure = current.failure { throw failure }
        if case .ids(let ids) = selection { return current.tasks.filter { ids.contains($0.taskId ?? "") } }
        return current.tasks
    }

    public func readSubtasks(
        taskIds: [String], deadline: ContinuousClock.Instant, page: (SubtaskPage, Int) throws -> Void
    ) async throws {
        log.withLock { $0.append(.readSubtasks(taskIds)) }
        let current = script.withLock { $0 }
        if let failure = current.failure { throw failure }
        let rows = current.subtasks.filter { taskIds.contains($0.taskId ?? "") }
        var start = 0
        repeat {
            let slice = Array(rows[start..<min(rows.count, start + current.pageSize)])
            try page(SubtaskPage(details: slice, pageInfo: PageInfo(totalCount: rows.count)), 1)
            start += current.pageSize
        } while start < rows.count
    }
}

/// A subtask record as tests write them.
public func subtask(
    _ id: String, status: Int, task: String? = "t1", created: Int64 = 999_000, start: Int64? = 1_000_000,
    end: Int64? = 1_060_000, check: Int64 = 133
) -> ProcessDetail {
    ProcessDetail(
        taskId: task, detailTaskId: id, statusCode: status, createTime: created, startTime: status >= 1 ? start : nil,
        endTime: status >= 2 ? end : nil, checks: [CheckItem(checkId: check, checkShowName: "Agent \"status\"")]
    )
}
