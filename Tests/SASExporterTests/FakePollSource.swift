import SASModels
import Synchronization
@testable import SASExporter

/// A scriptable data source: tasks and subtasks to return, or an error to throw.
final class FakePollSource: PollSource {
    struct Script: Sendable {
        var tasks: [OperationProcess] = [OperationProcess(taskId: "t1", statusCode: 1)]
        var subtasks: [ProcessDetail] = []
        var failure: PollFailure?
        /// Never answer (until cancelled).
        var hang = false
    }

    let script: Mutex<Script>
    let calls = Mutex<Int>(0)

    init(_ script: Script = Script()) {
        self.script = Mutex(script)
    }

    func update(_ change: (inout Script) -> Void) {
        script.withLock { change(&$0) }
    }

    func listTasks(windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [OperationProcess] {
        calls.withLock { $0 += 1 }
        let current = script.withLock { $0 }
        if current.hang { try await Task.sleep(for: .seconds(3600)) }
        if let failure = current.failure { throw failure }
        return current.tasks
    }

    func listSubtasks(taskIds: [String], windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [ProcessDetail] {
        calls.withLock { $0 += 1 }
        let current = script.withLock { $0 }
        if let failure = current.failure { throw failure }
        return current.subtasks.filter { taskIds.contains($0.taskId ?? "") }
    }
}

func subtask(_ id: String, status: Int, task: String = "t1", start: Int64? = 1_000_000, end: Int64? = 1_060_000, check: Int64 = 133) -> ProcessDetail {
    ProcessDetail(
        taskId: task, detailTaskId: id, statusCode: status, createTime: 999_000, startTime: start,
        endTime: status >= 2 ? end : nil, checks: [CheckItem(checkId: check, checkShowName: "Agent \"status\"")]
    )
}

/// Waits (bounded) until `condition` holds.
func eventually(_ what: String = "condition", timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: timeout)
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
