import Foundation

/// The generated part of the data set: a pure function of the seed and simulated time.
///
/// Task `k` (an integer counting periods since the Unix epoch) is created at
/// `k * period + jitter(k)`, with `period = 24 h / tasks`, so any 24 h holds about
/// `tasks` tasks. A task is visible once created and for `retention` after.
struct DataSet: Sendable {
    let seed: UInt64
    let subtasksPerTask: Int
    /// Distinct check items drawn from (see `SimulatorConfiguration.checkItems`).
    let checkItems: Int
    let periodMs: Int64
    let retentionMs: Int64
    private let idMask: UInt64

    static let taskTypes = ["CHECK_ALL", "CHECK_POLICY", "CHECK_SCHEDULE", "CHECK_ITEM", "CHECK_INSTANCE"]
    static let taskSources = ["CONSOLE", "SCHEDULE", "OPEN_API"]
    private static let assetTypes = [0, 1, 2, 8]
    private static let timeoutMs: Int64 = 30 * 60_000

    init(
        seed: UInt64, tasks: Int, subtasksPerTask: Int, checkItems: Int = CheckCatalogue.checks.count,
        retentionSeconds: Int64
    ) {
        self.seed = seed
        self.subtasksPerTask = max(0, subtasksPerTask)
        self.checkItems = max(1, checkItems)
        self.periodMs = max(1000, 86_400_000 / Int64(max(1, tasks)))
        self.retentionMs = retentionSeconds * 1000
        self.idMask = SplitMix64.mix(seed ^ 0x7A5C_1D00) & 0xFFFF_FFFF_FFFF
    }

    /// Indexes of tasks whose creation time lies in `[lower, upper]`.
    func taskIndexes(createdFrom lower: Int64, through upper: Int64) -> [Int64] {
        guard lower <= upper else { return [] }
        let first = floorDiv(lower, periodMs) - 1
        let last = floorDiv(upper, periodMs)
        guard first <= last else { return [] }
        return (first...last).filter {
            let created = createMs(index: $0)
            return created >= lower && created <= upper
        }
    }

    /// Creation time of task `index`.
    func createMs(index: Int64) -> Int64 {
        var rng = SplitMix64(seed, UInt64(bitPattern: index), 0xC4EA7E)
        return index * periodMs + Int64(rng.below(UInt64(max(1, periodMs / 2))))
    }

    /// The task id of `index`: UUID-like, the last group carries the index so a lookup
    /// needs no table.
    func taskId(index: Int64) -> String {
        var rng = SplitMix64(seed, UInt64(bitPattern: index), 0x7A5C)
        let tail = (UInt64(bitPattern: index) ^ idMask) & 0xFFFF_FFFF_FFFF
        return "\(rng.hex(8))-\(rng.hex(4))-4\(rng.hex(3))-a\(rng.hex(3))-\(SplitMix64.hex(tail, digits: 12))"
    }

    /// The index behind a generated task id, nil when the id is not one of ours.
    func index(ofTaskId id: String) -> Int64? {
        guard id.count == 36, let tail = UInt64(id.suffix(12), radix: 16) else { return nil }
        let index = Int64(bitPattern: (tail ^ idMask) & 0xFFFF_FFFF_FFFF)
        return taskId(index: index) == id ? index : nil
    }

    /// Task `index` with all its subtasks.
    func task(index: Int64) -> SimTask {
        let id = taskId(index: index)
        let created = createMs(index: index)
        var rng = SplitMix64(seed, UInt64(bitPattern: index), 0x7A5C_7E)
        let type = Self.taskTypes[Int(rng.below(UInt64(Self.taskTypes.count)))]
        let source = Self.taskSources[Int(rng.below(UInt64(Self.taskSources.count)))]
        let subtasks = (0..<subtasksPerTask).map {
            subtask(taskIndex: index, taskId: id, createMs: created, number: $0)
        }
        return SimTask(taskId: id, taskType: type, taskSource: source, createMs: created, subtasks: subtasks)
    }

    private func subtask(taskIndex: Int64, taskId: String, createMs: Int64, number: Int) -> SimSubtask {
        var rng = SplitMix64(seed, UInt64(bitPattern: taskIndex), UInt64(number), 0x5B7A5C)
        let detailId = "\(rng.hex(8))-\(rng.hex(4))-4\(rng.hex(3))-b\(rng.hex(3))-\(rng.hex(12))"
        // Queueing: from one second to 20 minutes, most starting early.
        let queue = 1000 + Int64(pow(rng.unit(), 2) * 1_200_000)
        let start = createMs + queue
        // Duration: log-uniform between 2 s and 40 min.
        var duration = Int64(exp(log(2000.0) + rng.unit() * (log(2_400_000.0) - log(2000.0))))
        let roll = rng.unit()
        let final: Int
        switch roll {
        case ..<0.015: final = 7
        case ..<0.09: final = 4
        case ..<0.15:
            final = 3
            duration = Self.timeoutMs
        default: final = 2
        }
        let end = start + duration
        let oddRoll = rng.unit()
        let oddity: SubtaskOddity
        switch oddRoll {
        case ..<0.015: oddity = .endBeforeStart(reportedEndMs: start - 1000 - Int64(rng.below(600_000)))
        case ..<0.03: oddity = .missingTimes
        default: oddity = .none
        }
        let vendor = Int(rng.below(3))
        let assetType = Self.assetTypes[Int(rng.below(UInt64(Self.assetTypes.count)))]
        let subType = Int(rng.below(3))
        let checkCount = 1 + Int(rng.below(3))
        var checks: [Int64] = []
        while checks.count < checkCount {
            let candidate = Self.checkId(Int(rng.below(UInt64(checkItems))))
            if !checks.contains(candidate) { checks.append(candidate) }
        }
        return SimSubtask(
            taskId: taskId, detailTaskId: detailId, createMs: createMs, startMs: start, endMs: end,
            finalStatus: final, oddity: oddity, assetVendor: vendor, assetType: assetType,
            assetSubType: subType, checkIds: checks
        )
    }

    /// Check item `k`: the catalogue's first, then generated ids from 1000 on.
    static func checkId(_ k: Int) -> Int64 {
        k < CheckCatalogue.checks.count ? CheckCatalogue.checks[k].id : 1000 + Int64(k)
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
