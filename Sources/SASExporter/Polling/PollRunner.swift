import Logging
import SASMetrics
import SASModels

/// Runs one poll of one account: discovers task ids (unless configured), fetches every
/// subtask page in batches of task ids, and returns everything or throws.
struct PollRunner: Sendable {
    let account: AccountConfiguration
    let source: any PollSource

    struct Result: Sendable {
        var tasks: [OperationProcess]?
        var subtasks: [ProcessDetail]
        var batches: Int
    }

    func run(windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> Result {
        var tasks: [OperationProcess]?
        let taskIds: [String]
        if let configured = account.taskIds {
            taskIds = configured
        } else {
            let discovered = try await source.listTasks(windowStartMs: windowStartMs, windowEndMs: windowEndMs, deadline: deadline)
            tasks = discovered
            var seen: Set<String> = []
            taskIds = discovered.compactMap(\.taskId).filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        let batches = stride(from: 0, to: taskIds.count, by: account.taskBatchSize).map {
            Array(taskIds[$0..<min($0 + account.taskBatchSize, taskIds.count)])
        }
        let subtasks = try await withThrowingTaskGroup(of: (Int, [ProcessDetail]).self) { group in
            var results = [[ProcessDetail]](repeating: [], count: batches.count)
            var next = 0
            let parallel = max(1, account.maxConcurrentRequests)
            func start(_ index: Int) {
                let batch = batches[index]
                group.addTask {
                    (index, try await source.listSubtasks(
                        taskIds: batch, windowStartMs: windowStartMs, windowEndMs: windowEndMs, deadline: deadline
                    ))
                }
            }
            while next < min(parallel, batches.count) {
                start(next)
                next += 1
            }
            while let (index, details) = try await group.next() {
                results[index] = details
                if next < batches.count {
                    start(next)
                    next += 1
                }
            }
            return results.flatMap { $0 }
        }
        return Result(tasks: tasks, subtasks: subtasks, batches: batches.count)
    }
}
