import SASMetrics
import SASModels
import SASTestKit
import Testing

@testable import SASExporter

/// Which finished tasks a poll settles (stops reading while they stay in the window):
/// only those whose subtasks are surely all known.
@Suite("Settling finished tasks")
struct TaskLedgerTests {
    static let nowMs: Int64 = 2_000_000
    static let window = PollWindow(startMs: 0, endMs: nowMs)
    static let aggregator = AccountAggregator(account: "prod")

    static func finished(_ ids: String..., subtasks: Int? = nil) -> [OperationProcess] {
        ids.map { OperationProcess(taskId: $0, statusCode: 2, detailTaskTotalCount: subtasks) }
    }

    /// Reads `pages` (each with the batch of task ids it was listed for), records the
    /// poll, and returns the ids the next poll reads.
    static func nextRead(
        tasks: [OperationProcess], _ pages: [(requested: [String], subtasks: [ProcessDetail])]
    ) -> [String] {
        let ids = tasks.compactMap(\.taskId)
        var ledger = TaskLedger()
        let plan = ledger.plan(taskIds: ids, tasks: tasks, nowMs: nowMs, fullRefresh: .seconds(21_600))
        var poll = aggregator.beginPoll(
            window: window, scope: CoverageScope(endpoint: "https://test", selection: .discovery))
        for (index, page) in pages.enumerated() {
            poll.add(
                SubtaskPage(details: page.subtasks), listing: .init(batch: index, attempt: 1), requested: page.requested
            )
        }
        ledger.record(plan, taskIds: ids, tasks: tasks, poll: poll, nowMs: nowMs)
        return ledger.plan(taskIds: ids, tasks: tasks, nowMs: nowMs + 60_000, fullRefresh: .seconds(21_600)).read
    }

    @Test func aFinishedTaskWithTerminalSubtasksIsSettled() {
        #expect(Self.nextRead(tasks: Self.finished("t1"), [(["t1"], [subtask("a", status: 2)])]).isEmpty)
    }

    /// A record without TaskId in a batch of one task is that task's.
    @Test func aRecordWithoutTaskIdInALoneBatchIsItsTasks() {
        var poll = Self.aggregator.beginPoll(
            window: Self.window, scope: CoverageScope(endpoint: "https://test", selection: .discovery))
        poll.add(
            SubtaskPage(details: [subtask("a", status: 2, task: nil)]), listing: .init(batch: 0, attempt: 1),
            requested: ["t1"])
        #expect(poll.windowEntriesByTask()["t1"]?.count == 1)
        #expect(poll.windowEntriesByTask()[""] == nil)
        #expect(Self.nextRead(tasks: Self.finished("t1"), [(["t1"], [subtask("a", status: 2, task: nil)])]).isEmpty)
    }

    /// In a batch of several tasks, a record without TaskId could be any one's: none of
    /// them is settled (its share of the gauges would be lost).
    @Test func aRecordOfNoKnownTaskKeepsItsBatchUnsettled() {
        let read = Self.nextRead(
            tasks: Self.finished("t1", "t2", "t3"),
            [
                (["t1", "t2"], [subtask("a", status: 2), subtask("b", status: 2, task: nil)]),
                (["t3"], [subtask("c", status: 2, task: "t3")]),
            ])
        #expect(read == ["t1", "t2"])
    }

    /// A finished task of which nothing was read is settled only when it says it has no
    /// subtasks: otherwise its subtasks may simply not be listed yet.
    @Test func aTaskWithoutRecordsIsSettledOnlyWhenItHasNoSubtasks() {
        #expect(Self.nextRead(tasks: Self.finished("t1"), [(["t1"], [])]) == ["t1"])
        #expect(Self.nextRead(tasks: Self.finished("t1", subtasks: 5), [(["t1"], [])]) == ["t1"])
        #expect(Self.nextRead(tasks: Self.finished("t1", subtasks: 0), [(["t1"], [])]).isEmpty)
    }

    @Test func anOpenSubtaskKeepsItsTaskRead() {
        #expect(Self.nextRead(tasks: Self.finished("t1"), [(["t1"], [subtask("a", status: 1)])]) == ["t1"])
    }
}
