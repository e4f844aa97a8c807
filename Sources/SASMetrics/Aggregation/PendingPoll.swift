import SASModels

/// What a poll has read so far, folded page by page as the pages arrive; committed to the
/// aggregator only when the poll is complete (`AccountAggregator.commit`), dropped
/// otherwise. It holds one compact record per distinct subtask, never the pages.
///
/// One record per `DetailTaskId`: the most advanced status wins, a later copy wins ties.
/// A further copy of an id is a `duplicate`; a retry of a listing (read again from page 1
/// after its pages did not fit together) replaces what its earlier attempt added.
public struct PendingPoll: Sendable {
    /// The window on `CreateTime`; records created outside it are left out.
    public let window: PollWindow
    /// What the poll covers.
    public let scope: CoverageScope

    struct Entry {
        var record: SubtaskRecord
        var listing: ListingID
    }

    var withId: [Fingerprint: Entry] = [:]
    var withoutId: [Entry] = []
    var undecodable: [Fingerprint: UndecodableRecord] = [:]
    var duplicates = 0
    /// Check ids of the records (records point into it) and the latest names.
    var checkIds: [Int64] = []
    var checkNames: [Int64: String] = [:]
    /// Task ids of the records (records point into it).
    var taskIds: [String] = []
    private var taskIndexes: [String: Int32] = [:]
    /// Rows received, usable or not, duplicates included.
    public private(set) var recordsReceived = 0
    /// Usable rows left out because they were created outside the window.
    public private(set) var outsideWindow = 0
    /// Tasks with a record created after the window's end (seen by the next poll).
    private var lateTasks: Set<String> = []
    /// Tasks read in a listing that returned a record of no known task: some of their
    /// subtasks may be among those records.
    private var unattributedTasks: Set<String> = []

    /// Identifies one attempt at one listing (a batch of task ids read page by page).
    public struct ListingID: Sendable, Equatable {
        public var batch: Int
        public var attempt: Int

        public init(batch: Int, attempt: Int) {
            self.batch = batch
            self.attempt = attempt
        }
    }

    init(window: PollWindow, scope: CoverageScope) {
        self.window = window
        self.scope = scope
    }

    /// Makes room for about `subtasks` distinct subtasks (what discovery says the tasks to
    /// read hold), so the table is not rehashed as it grows.
    public mutating func reserveCapacity(_ subtasks: Int) {
        withId.reserveCapacity(max(0, subtasks))
    }

    /// Starts (or restarts, with a higher `attempt`) a listing: what an earlier attempt of
    /// the same batch added is dropped, so a retry counts nothing twice and a record only
    /// the abandoned attempt returned (its pages did not fit together) is not kept.
    public mutating func begin(_ listing: ListingID) {
        guard listing.attempt > 1 else { return }
        let earlier = { (entry: Entry) in
            entry.listing.batch == listing.batch && entry.listing.attempt != listing.attempt
        }
        withoutId.removeAll(where: earlier)
        withId = withId.filter { !earlier($0.value) }
    }

    /// Every check id of the records kept (in the window; the winning copy of a duplicated
    /// id; not those of an abandoned attempt), once: the aggregator creates their series
    /// from this, not per record. Under `maxChecks` the order decides which get one; it
    /// follows the table, not the order of arrival (batches arrive concurrently anyway).
    func distinctChecks() -> [Int64] {
        var seen = DistinctChecks()
        checkIds.withUnsafeBufferPointer { all in
            for entry in withId.values {
                seen.note(entry.record, checks: all)
            }
            for entry in withoutId {
                seen.note(entry.record, checks: all)
            }
        }
        return seen.result
    }

    /// Folds one page of a listing of the subtasks of `requested` (the batch's task ids;
    /// empty when unknown) in. A record without `TaskId` belongs to the batch's task when
    /// the batch has one; otherwise its task is unknown, and none of the batch's tasks can
    /// be settled by this poll.
    public mutating func add(_ page: SubtaskPage, listing: ListingID, requested: [String] = []) {
        recordsReceived += page.rowCount
        for record in page.undecodable where undecodable[record.key] == nil {
            undecodable[record.key] = record
        }
        page.checkIds.withUnsafeBufferPointer { pageChecks in
            addRecords(of: page, checks: pageChecks, listing: listing, requested: requested)
        }
        for (checkId, name) in page.checkNames where checkNames[checkId] != name {
            checkNames[checkId] = name
        }
    }

    /// Folds the records of a page in; `checks` is the page's `checkIds` (read in place:
    /// a slice per record would cost a retain and a release each).
    private mutating func addRecords(
        of page: SubtaskPage, checks pageChecks: UnsafeBufferPointer<Int64>, listing: ListingID, requested: [String]
    ) {
        var taskMap = [Int32](repeating: -1, count: page.taskIds.count)
        var loneTask: Int32?
        // The page's checks are copied once, when its first record is kept (records left
        // out leave their few checks unused until the poll ends).
        var pageBase: Int?
        for var record in page.records {
            if record.taskIndex >= 0 {
                let pageIndex = Int(record.taskIndex)
                if taskMap[pageIndex] < 0 { taskMap[pageIndex] = internTask(page.taskIds[pageIndex]) }
                record.taskIndex = taskMap[pageIndex]
            } else if requested.count == 1 {
                if loneTask == nil { loneTask = internTask(requested[0]) }
                record.taskIndex = loneTask ?? -1
            } else {
                unattributedTasks.formUnion(requested)
            }
            guard window.contains(createTime: record.createTime) else {
                outsideWindow += 1
                if let created = record.createTime, created > window.endMs, let task = taskId(of: record) {
                    lateTasks.insert(task)
                }
                continue
            }
            let start = Int(record.checkStart)
            // The decoder's ranges tile the page's checks; an unsafe slice does not check it.
            precondition(start >= 0 && start + Int(record.checkCount) <= pageChecks.count, "check range off the page")
            if pageBase == nil {
                pageBase = checkIds.count
                checkIds.append(contentsOf: pageChecks)
            }
            record.checkStart = Int32(clamping: (pageBase ?? 0) + start)
            let entry = Entry(record: record, listing: listing)
            guard record.hasId else {
                withoutId.append(entry)
                continue
            }
            // One lookup for a new id (the usual case); a duplicate that loses is put back.
            if let earlier = withId.updateValue(entry, forKey: record.key) {
                duplicates += 1
                if Self.rank(record) < Self.rank(earlier.record) { withId[record.key] = earlier }
            }
        }
    }

    /// The window entries of the records read, by parent task id (records without a task
    /// under ""): what a finished task contributes to the window gauges while it is not
    /// read again.
    public func windowEntriesByTask() -> [String: [WindowEntry]] {
        // Grouped by task index first (the last group: records without a task).
        var groups = [[WindowEntry]](repeating: [], count: taskIds.count + 1)
        func group(_ record: SubtaskRecord) -> Int { record.taskIndex >= 0 ? Int(record.taskIndex) : taskIds.count }
        for entry in withId.values { groups[group(entry.record)].append(WindowEntry(entry.record)) }
        for entry in withoutId { groups[group(entry.record)].append(WindowEntry(entry.record)) }
        var result: [String: [WindowEntry]] = [:]
        result.reserveCapacity(groups.count)
        for (index, entries) in groups.enumerated() where !entries.isEmpty {
            result[index < taskIds.count ? taskIds[index] : "", default: []] += entries
        }
        return result
    }

    /// Whether a record of `task` was created after the window's end (so the task's
    /// subtasks are not all known yet).
    public func hasLateRecords(task: String) -> Bool {
        lateTasks.contains(task)
    }

    /// Whether any record of `task` was read (in the window or not).
    public func hasRecords(task: String) -> Bool {
        taskIndexes[task] != nil
    }

    /// Whether `task` was read in a listing that returned records of no known task.
    public func hasUnattributedRecords(task: String) -> Bool {
        unattributedTasks.contains(task)
    }

    func taskId(of record: SubtaskRecord) -> String? {
        record.taskIndex >= 0 ? taskIds[Int(record.taskIndex)] : nil
    }

    func checks(of record: SubtaskRecord) -> ArraySlice<Int64> {
        let start = Int(record.checkStart)
        return checkIds[start..<(start + Int(record.checkCount))]
    }

    private mutating func internTask(_ id: String) -> Int32 {
        if let index = taskIndexes[id] { return index }
        let index = Int32(taskIds.count)
        taskIds.append(id)
        taskIndexes[id] = index
        return index
    }

    /// Terminal beats running beats not started beats anything else.
    static func rank(_ record: SubtaskRecord) -> Int {
        guard let code = record.statusCode, let status = SubtaskStatus(rawValue: code) else { return 0 }
        switch status {
        case .notStarted: return 1
        case .running: return 2
        case .succeeded, .timedOut, .failed: return 3
        }
    }
}

/// A check id as a set element, hashed without SipHash (ids are small integers: `mix64`
/// spreads them; the set is filled once per check of every kept record of a poll).
struct CheckKey: Hashable {
    let id: Int64

    init(_ id: Int64) { self.id = id }

    func hash(into hasher: inout Hasher) { hasher.combine(id) }

    func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.mix64(UInt64(bitPattern: id) ^ UInt64(UInt(bitPattern: seed))))
    }
}
