import SASMetrics
import SASModels

/// What an account knows of its tasks between polls, so a poll reads only what can
/// still change: tasks that are not finished, and a finished task once more after it
/// finished. A finished task whose subtasks were all terminal at that read is *settled*:
/// it is not read again while it stays in the window (or until the next full read, every
/// `full_refresh`), and its subtasks' share of the window gauges is kept here.
struct TaskLedger: Sendable {
    private var settled: [String: [WindowEntry]] = [:]
    private var lastFullReadMs: Int64?

    /// What one poll reads.
    struct Plan: Sendable {
        /// Task ids whose subtasks are read, in order.
        var read: [String]
        /// The kept subtasks of the settled tasks not read.
        var kept: [[WindowEntry]]
        /// Whether every task is read (first poll, or `full_refresh` due).
        var full: Bool
    }

    /// Plans a poll of `taskIds` (discovered or configured) whose statuses `tasks` gives.
    func plan(taskIds: [String], tasks: [OperationProcess], nowMs: Int64, fullRefresh: Duration) -> Plan {
        let full = lastFullReadMs.map { nowMs - $0 >= fullRefresh.milliseconds } ?? true
        guard !full else { return Plan(read: taskIds, kept: [], full: true) }
        let finished = Self.finished(tasks)
        var read: [String] = []
        var kept: [[WindowEntry]] = []
        for id in taskIds {
            if finished.contains(id), let entries = settled[id] {
                kept.append(entries)
            } else {
                read.append(id)
            }
        }
        return Plan(read: read, kept: kept, full: false)
    }

    /// Records a complete poll: tasks read this time that are finished and have no open
    /// subtask become settled; settled tasks no longer listed are forgotten.
    ///
    /// A task is settled only when its subtasks are surely all known: some were read
    /// (or the task says it has none), none was created after the window, and its
    /// listing returned no record of an unknown task (which might have been one of its).
    mutating func record(_ plan: Plan, taskIds: [String], tasks: [OperationProcess], poll: PendingPoll, nowMs: Int64) {
        let finished = Self.finished(tasks)
        let empty = Set(tasks.compactMap { $0.detailTaskTotalCount == 0 ? $0.taskId : nil })
        let listed = Set(taskIds)
        var next = settled.filter { listed.contains($0.key) && finished.contains($0.key) }
        let entries = poll.windowEntriesByTask()
        for id in plan.read {
            next[id] = nil
            guard finished.contains(id), !poll.hasLateRecords(task: id), !poll.hasUnattributedRecords(task: id),
                poll.hasRecords(task: id) || empty.contains(id)
            else { continue }
            let subtasks = entries[id] ?? []
            if !subtasks.contains(where: \.isOpen) { next[id] = subtasks }
        }
        settled = next
        if plan.full { lastFullReadMs = nowMs }
    }

    /// Ids of tasks whose status is final (2 completed, 3 timed out).
    private static func finished(_ tasks: [OperationProcess]) -> Set<String> {
        Set(
            tasks.compactMap { task in
                guard let id = task.taskId, let code = task.statusCode, code == 2 || code == 3 else { return nil }
                return id
            })
    }
}
