import SASModels

/// The input of the window gauges: distinct subtasks in the window by status, and the
/// oldest running and not-started ones.
public struct WindowCounts: Sendable, Equatable {
    /// Distinct subtasks by status code (records without a status are left out).
    public var byStatus: [Int: Int] {
        var result = otherCodes
        for (code, count) in knownCodes.enumerated() where count > 0 { result[code] = count }
        return result
    }
    /// Counts of the codes 0...4 (most records), and of any other code.
    private var knownCodes = [Int](repeating: 0, count: 5)
    private var otherCodes: [Int: Int] = [:]
    public internal(set) var oldestRunningStartMs: Int64?
    public internal(set) var oldestPendingCreateMs: Int64?
    /// Distinct subtasks, with or without a status.
    public internal(set) var total = 0

    public init() {}

    /// Counts one subtask.
    public mutating func add(_ entry: WindowEntry) {
        total += 1
        guard let code = entry.statusCode else { return }
        if code >= 0, code < knownCodes.count { knownCodes[code] += 1 } else { otherCodes[code, default: 0] += 1 }
        if code == SubtaskStatus.running.rawValue, let start = entry.startTime, start > 0 {
            oldestRunningStartMs = min(oldestRunningStartMs ?? start, start)
        }
        if code == SubtaskStatus.notStarted.rawValue, let created = entry.createTime, created > 0 {
            oldestPendingCreateMs = min(oldestPendingCreateMs ?? created, created)
        }
    }

    /// Counts every subtask of `entries` created in the window.
    public mutating func add(_ entries: [WindowEntry], window: PollWindow) {
        for entry in entries where window.contains(createTime: entry.createTime) { add(entry) }
    }

    /// Distinct subtasks by `status` label; missing statuses are left out.
    var byStatusLabel: [String: Int] {
        var result: [String: Int] = [:]
        for (code, count) in byStatus {
            result[SubtaskStatus(rawValue: code)?.label ?? SubtaskStatus.unknownLabel, default: 0] += count
        }
        return result
    }
}

/// What the window gauges need of one subtask (a finished task's subtasks are kept in
/// this form between full reads, so their share of the gauges stays known).
public struct WindowEntry: Sendable, Equatable {
    private var rawStatus: Int32
    private var rawCreate: Int64
    private var rawStart: Int64

    public init(statusCode: Int?, createTime: Int64?, startTime: Int64?) {
        rawStatus = statusCode.map { Int32(clamping: $0) } ?? .min
        rawCreate = createTime ?? .min
        rawStart = startTime ?? .min
    }

    init(_ record: SubtaskRecord) {
        self.init(statusCode: record.statusCode, createTime: record.createTime, startTime: record.startTime)
    }

    public var statusCode: Int? { rawStatus == .min ? nil : Int(rawStatus) }
    public var createTime: Int64? { rawCreate == .min ? nil : rawCreate }
    public var startTime: Int64? { rawStart == .min ? nil : rawStart }
    /// Whether the subtask can still change (not started or running).
    public var isOpen: Bool { rawStatus == 0 || rawStatus == 1 }
}

/// The window of one poll: subtasks created in `[startMs, endMs]` (epoch milliseconds).
/// A record without a creation time is taken to be in it.
public struct PollWindow: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64

    public init(startMs: Int64, endMs: Int64) {
        self.startMs = startMs
        self.endMs = endMs
    }

    public func contains(createTime: Int64?) -> Bool {
        guard let createTime else { return true }
        return createTime >= startMs && createTime <= endMs
    }
}

/// Parent tasks in the window by status (`alibabacloud_sas_tasks`).
public struct TaskCounts: Sendable, Equatable {
    public private(set) var byStatus: [Int: Int] = [:]
    public private(set) var total = 0

    /// Counts distinct tasks (by id) in `tasks` created in `window` (all of them when nil;
    /// a task without a creation time is counted): tasks kept from earlier polls, or
    /// returned by an API reading its time parameters another way, leave the gauge when
    /// they leave the window, as subtasks do.
    public init(_ tasks: [OperationProcess], window: PollWindow? = nil) {
        var seen = Set<String>()
        for task in tasks where window?.contains(createTime: task.createTime) ?? true {
            if let id = task.taskId, !id.isEmpty, !seen.insert(id).inserted { continue }
            total += 1
            guard let code = task.statusCode else { continue }
            byStatus[code, default: 0] += 1
        }
    }
}
