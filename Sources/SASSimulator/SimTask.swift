import SASModels

/// A record that the real API has been seen to send, made on purpose in a small share.
enum SubtaskOddity: Sendable, Equatable {
    case none
    /// A terminal subtask reports an `EndTime` before its `StartTime`.
    case endBeforeStart(reportedEndMs: Int64)
    /// `StartTime` and `EndTime` are never sent.
    case missingTimes
}

/// One subtask, with its true timeline; what the API shows is a function of the moment.
struct SimSubtask: Sendable {
    let taskId: String
    let detailTaskId: String
    let createMs: Int64
    let startMs: Int64
    let endMs: Int64
    /// The status reached at `endMs`: 2, 3, 4, or an unknown code such as 7.
    let finalStatus: Int
    let oddity: SubtaskOddity
    let assetVendor: Int
    let assetType: Int
    let assetSubType: Int
    let checkIds: [Int64]

    /// The status the API shows at `nowMs`.
    func status(at nowMs: Int64) -> Int {
        if nowMs < startMs { return 0 }
        if nowMs < endMs { return 1 }
        return finalStatus
    }

    /// The record as the API returns it at `nowMs`.
    func processDetail(at nowMs: Int64, lang: String) -> ProcessDetail {
        let status = status(at: nowMs)
        var start: Int64?
        var end: Int64?
        if oddity != .missingTimes {
            if status != 0 { start = startMs }
            if status != 0 && status != 1 {
                if case .endBeforeStart(let reported) = oddity { end = reported } else { end = endMs }
            }
        }
        return ProcessDetail(
            taskId: taskId, detailTaskId: detailTaskId, statusCode: status,
            assetVendor: assetVendor, assetType: assetType, assetSubType: assetSubType,
            createTime: createMs, startTime: start, endTime: end,
            checks: checkIds.map { CheckItem(checkId: $0, checkShowName: CheckCatalogue.name(id: $0, lang: lang)) }
        )
    }
}

/// One parent operation task and its subtasks.
struct SimTask: Sendable {
    let taskId: String
    let taskType: String
    let taskSource: String
    let createMs: Int64
    let subtasks: [SimSubtask]

    /// The parent record as `ListOperationProcess` returns it at `nowMs`.
    ///
    /// Status: 0 before any subtask starts, 1 while any is not terminal, then 3 if any
    /// subtask timed out, else 2. `FinishCount`/`DetailTaskReadyCount` count terminal
    /// subtasks, `TotalCount`/`DetailTaskTotalCount` all of them.
    func process(at nowMs: Int64) -> OperationProcess {
        let statuses = subtasks.map { $0.status(at: nowMs) }
        let finished = statuses.filter { $0 >= 2 }.count
        let started = statuses.contains { $0 != 0 }
        let status: Int
        if !started {
            status = 0
        } else if finished < subtasks.count {
            status = 1
        } else {
            status = statuses.contains(3) ? 3 : 2
        }
        let firstStart = subtasks.map(\.startMs).min()
        let lastEnd = subtasks.map(\.endMs).max()
        return OperationProcess(
            taskId: taskId, taskType: taskType, taskSource: taskSource, statusCode: status,
            createTime: createMs,
            startTime: started ? firstStart : nil,
            endTime: status >= 2 ? lastEnd : nil,
            finishCount: finished, totalCount: subtasks.count,
            detailTaskReadyCount: finished, detailTaskTotalCount: subtasks.count
        )
    }

    /// The task's status code at `nowMs`.
    func statusCode(at nowMs: Int64) -> Int {
        process(at: nowMs).statusCode ?? 0
    }
}
