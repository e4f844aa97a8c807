import SASModels

/// What one poll shows of the window: the input of the window gauges.
struct WindowView {
    /// Distinct subtasks by status code (records without a status are left out).
    var subtaskCounts: [Int: Int] = [:]
    var oldestRunningStartMs: Int64?
    var oldestPendingCreateMs: Int64?
    /// Distinct parent tasks by status code, nil when tasks were not discovered.
    var taskCounts: [Int: Int]?
    var taskCount: Int?

    init(records: [ProcessDetail], tasks: [OperationProcess]?) {
        for record in records {
            guard let code = record.statusCode else { continue }
            subtaskCounts[code, default: 0] += 1
            if code == SubtaskStatus.running.rawValue, let start = record.startTime, start > 0 {
                oldestRunningStartMs = min(oldestRunningStartMs ?? start, start)
            }
            if code == SubtaskStatus.notStarted.rawValue, let created = record.createTime, created > 0 {
                oldestPendingCreateMs = min(oldestPendingCreateMs ?? created, created)
            }
        }
        if let tasks {
            var seen = Set<String>()
            var counts: [Int: Int] = [:]
            var total = 0
            for task in tasks {
                if let id = task.taskId, !id.isEmpty, !seen.insert(id).inserted { continue }
                total += 1
                guard let code = task.statusCode else { continue }
                counts[code, default: 0] += 1
            }
            taskCounts = counts
            taskCount = total
        }
    }

    var countsByStatusLabel: [String: Int] {
        var result: [String: Int] = [:]
        for (code, count) in subtaskCounts {
            result[SubtaskStatus(rawValue: code)?.label ?? SubtaskStatus.unknownLabel, default: 0] += count
        }
        return result
    }
}
