import Logging
import SASMetrics
import SASModels
import Synchronization

/// Reads one poll of one account: lists the tasks, plans which to read (see
/// `TaskLedger`), and reads the subtask pages of those in batches of task ids, several
/// batches at once (up to `max_concurrent_requests`), folding every page into the
/// pending poll as it arrives. Returns everything or throws; nothing is committed here.
struct PollReader: Sendable {
    let account: AccountConfiguration
    let source: any PollSource
    let logger: Logger

    struct Result: Sendable {
        var pending: PendingPoll
        /// The parent tasks listed.
        var tasks: [OperationProcess]
        /// The task ids polled (discovered or configured), in order.
        var taskIds: [String]
        var plan: TaskLedger.Plan
        var batches: Int
        /// Subtask calls the plan needed at least (one page per batch, more by the tasks'
        /// `DetailTaskTotalCount`).
        var estimatedCalls: Int
    }

    func read(
        into pending: PendingPoll, ledger: TaskLedger, nowMs: Int64, deadline: ContinuousClock.Instant,
        clock: ExporterClock
    ) async throws -> Result {
        let selection: TaskSelection = account.taskIds.map { .ids($0) } ?? .createdSince(pending.window.startMs)
        let tasks = try await source.listTasks(selection, deadline: deadline)
        var seen = Set<String>()
        let taskIds = account.taskIds ?? tasks.compactMap(\.taskId).filter { !$0.isEmpty && seen.insert($0).inserted }
        let plan = ledger.plan(taskIds: taskIds, tasks: tasks, nowMs: nowMs, fullRefresh: account.fullRefresh)
        let batches = stride(from: 0, to: plan.read.count, by: account.taskBatchSize).map {
            Array(plan.read[$0..<min($0 + account.taskBatchSize, plan.read.count)])
        }
        let estimated = estimateCalls(batches: batches, tasks: tasks)
        var pending = pending
        pending.reserveCapacity(min(expectedSubtasks(plan.read, tasks: tasks), account.maxTrackedSubtasks))
        let remaining = (deadline - clock.now()).seconds
        if Double(estimated) > account.requestsPerSecond * remaining {
            let rate = account.requestsPerSecond
            logger.warning(
                "the API budget is below what the window needs: the poll may not finish before poll_timeout",
                metadata: [
                    "account": "\(account.name)", "calls_needed": "\(estimated)",
                    "budget": "\(Int(rate * remaining)) (requests_per_second \(rate) x \(Int(remaining)) s left)",
                ])
        }
        let accumulator = Accumulator(pending)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start(_ index: Int) {
                let batch = batches[index]
                group.addTask {
                    try await source.readSubtasks(taskIds: batch, deadline: deadline) { page, attempt in
                        accumulator.add(
                            page, listing: PendingPoll.ListingID(batch: index, attempt: attempt), requested: batch)
                    }
                }
            }
            while next < min(max(1, account.maxConcurrentRequests), batches.count) {
                start(next)
                next += 1
            }
            while try await group.next() != nil {
                if next < batches.count {
                    start(next)
                    next += 1
                }
            }
        }
        return Result(
            pending: accumulator.take(), tasks: tasks, taskIds: taskIds, plan: plan, batches: batches.count,
            estimatedCalls: estimated
        )
    }

    /// Subtasks of `taskIds` by the tasks' `DetailTaskTotalCount` (0 when unknown).
    private func expectedSubtasks(_ taskIds: [String], tasks: [OperationProcess]) -> Int {
        var totals: [String: Int] = [:]
        for task in tasks {
            if let id = task.taskId, let total = task.detailTaskTotalCount { totals[id] = max(0, total) }
        }
        return taskIds.reduce(0) { $0 &+ (totals[$1] ?? 0) }
    }

    /// Pages per batch from the tasks' `DetailTaskTotalCount` (one page when unknown).
    private func estimateCalls(batches: [[String]], tasks: [OperationProcess]) -> Int {
        var totals: [String: Int] = [:]
        for task in tasks {
            if let id = task.taskId, let total = task.detailTaskTotalCount { totals[id] = max(0, total) }
        }
        return batches.reduce(0) { sum, batch in
            let subtasks = batch.reduce(0) { $0 + (totals[$1] ?? 0) }
            return sum + max(1, (subtasks + account.pageSize - 1) / account.pageSize)
        }
    }
}

/// The pending poll behind a lock, for the concurrent batch readers.
private final class Accumulator: Sendable {
    private struct State {
        var pending: PendingPoll
        var attempts: [Int: Int] = [:]
    }

    private let state: Mutex<State>

    init(_ pending: PendingPoll) {
        state = Mutex(State(pending: pending))
    }

    func add(_ page: SubtaskPage, listing: PendingPoll.ListingID, requested: [String]) {
        state.withLock { state in
            if state.attempts[listing.batch] != listing.attempt {
                state.attempts[listing.batch] = listing.attempt
                state.pending.begin(listing)
            }
            state.pending.add(page, listing: listing, requested: requested)
        }
    }

    func take() -> PendingPoll {
        state.withLock { $0.pending }
    }
}
