/// One subtask of a `ListOperationProcessDetail` page in the compact form the exporter
/// keeps: the id as a 128-bit fingerprint, numbers without boxes, checks as a range of
/// the page's check list. About 64 bytes, against several hundred for `ProcessDetail`.
public struct SubtaskRecord: Sendable, Equatable {
    /// The de-duplication key: the fingerprint of `"id\0" + DetailTaskId`, or, for a
    /// record without id, of `"noid\0"` and the fields that do not change as it
    /// progresses (task, creation time, asset, checks).
    public var key: Fingerprint
    /// Whether the record had a non-empty `DetailTaskId`.
    public var hasId: Bool
    /// Index of the parent task in the page's `taskIds`, -1 when absent.
    public var taskIndex: Int32
    /// First check of the record in the page's `checkIds`, and how many.
    public var checkStart: Int32
    public var checkCount: Int32
    private var rawStatus: Int32
    private var rawCreate: Int64
    private var rawStart: Int64
    private var rawEnd: Int64

    private static let absent = Int64.min

    init(
        key: Fingerprint, hasId: Bool, taskIndex: Int32, checkStart: Int32, checkCount: Int32,
        statusCode: Int64?, createTime: Int64?, startTime: Int64?, endTime: Int64?
    ) {
        self.key = key
        self.hasId = hasId
        self.taskIndex = taskIndex
        self.checkStart = checkStart
        self.checkCount = checkCount
        rawStatus = statusCode.map { Int32(clamping: $0) } ?? .min
        rawCreate = createTime ?? Self.absent
        rawStart = startTime ?? Self.absent
        rawEnd = endTime ?? Self.absent
    }

    /// `StatusCode` (codes outside Int32 are clamped).
    public var statusCode: Int? { rawStatus == .min ? nil : Int(rawStatus) }
    /// `CreateTime`, epoch milliseconds; nil when absent, or 0 or less (times of 0 or
    /// less count as missing).
    public var createTime: Int64? { rawCreate == Self.absent ? nil : rawCreate }
    /// `StartTime`, epoch milliseconds.
    public var startTime: Int64? { rawStart == Self.absent ? nil : rawStart }
    /// `EndTime`, epoch milliseconds.
    public var endTime: Int64? { rawEnd == Self.absent ? nil : rawEnd }
}

/// A record whose JSON parsed but could not be used (a field of the wrong type): the rest
/// of its page is used, and it is counted as `undecodable`.
public struct UndecodableRecord: Sendable, Equatable {
    /// The fingerprint of `"id\0" + DetailTaskId` when the id was readable, else of
    /// `"undecodable\0"` and the record's raw bytes, so the same record counts once.
    public var key: Fingerprint
    /// The `DetailTaskId`, when readable (for the debug log).
    public var detailTaskId: String?
    /// The offending field, such as `ProcessDetails[3].CreateTime`.
    public var path: String
    /// What was wrong with it.
    public var reason: String
}

/// One decoded page of `ListOperationProcessDetail`.
public struct SubtaskPage: Sendable, Equatable {
    public var requestId: String?
    public var pageInfo: PageInfo?
    public var records: [SubtaskRecord] = []
    /// Distinct parent task ids of the page; records point into it.
    public var taskIds: [String] = []
    /// Check ids of every record, in record order; records point into it.
    public var checkIds: [Int64] = []
    /// The last non-empty `CheckShowName` of each check id on the page.
    public var checkNames: [Int64: String] = [:]
    public var undecodable: [UndecodableRecord] = []

    public init(requestId: String? = nil, pageInfo: PageInfo? = nil) {
        self.requestId = requestId
        self.pageInfo = pageInfo
    }

    /// Rows on the page, usable or not (what pagination counts against `TotalCount`).
    public var rowCount: Int { records.count + undecodable.count }

    /// The parent task id of a record.
    public func taskId(of record: SubtaskRecord) -> String? {
        record.taskIndex >= 0 ? taskIds[Int(record.taskIndex)] : nil
    }

    /// The check ids of a record.
    public func checks(of record: SubtaskRecord) -> ArraySlice<Int64> {
        let start = Int(record.checkStart)
        return checkIds[start..<(start + Int(record.checkCount))]
    }

    /// A page made of wire-model records (tests, fakes): the same keys, task indexes and
    /// checks as decoding their JSON would give.
    public init(details: [ProcessDetail], requestId: String? = nil, pageInfo: PageInfo? = nil) {
        self.init(requestId: requestId, pageInfo: pageInfo)
        var builder = Builder()
        for detail in details {
            let checkStart = checkIds.count
            for check in detail.checks {
                guard let id = check.checkId else { continue }
                checkIds.append(id)
                if let name = check.checkShowName, !name.isEmpty { builder.noteName(name, of: id, in: &self) }
            }
            var idBytes = detail.detailTaskId.map { Array($0.utf8) }
            if idBytes?.isEmpty == true { idBytes = nil }
            let taskBytes = detail.taskId.map { Array($0.utf8) }
            let fields = Builder.Fields(
                statusCode: detail.statusCode.map(Int64.init), assetVendor: detail.assetVendor.map(Int64.init),
                assetType: detail.assetType.map(Int64.init), assetSubType: detail.assetSubType.map(Int64.init),
                createTime: detail.createTime, startTime: detail.startTime, endTime: detail.endTime
            )
            let taskIndex = taskBytes.map { bytes in bytes.withUnsafeBytes { builder.taskIndex($0, in: &self) } } ?? -1
            let record = Builder.record(
                id: idBytes, taskId: taskBytes, taskIndex: taskIndex, fields: fields,
                checkStart: checkStart, page: self
            )
            records.append(record)
        }
    }

    /// Builds records and interns task ids and check names while a page is filled.
    struct Builder {
        private var taskIndexes: [Fingerprint: Int32] = [:]
        /// The task id of the previous record and its index (records of one task come
        /// together, so most lookups end here).
        private var lastTask: (bytes: [UInt8], index: Int32)?

        /// The numeric fields of a record as read.
        struct Fields {
            var statusCode: Int64?
            var assetVendor: Int64?
            var assetType: Int64?
            var assetSubType: Int64?
            var createTime: Int64?
            var startTime: Int64?
            var endTime: Int64?
        }

        /// The index of a task id in `page.taskIds`, adding it when new.
        mutating func taskIndex(_ bytes: UnsafeRawBufferPointer, in page: inout SubtaskPage) -> Int32 {
            if let lastTask, lastTask.bytes.withUnsafeBytes({ bytesEqual($0, bytes) }) { return lastTask.index }
            var hasher = Fingerprint.Hasher128()
            hasher.add(bytes)
            let key = hasher.finish()
            let index: Int32
            if let known = taskIndexes[key] {
                index = known
            } else {
                index = Int32(page.taskIds.count)
                page.taskIds.append(String(decoding: bytes, as: UTF8.self))
                taskIndexes[key] = index
            }
            lastTask = (Array(bytes), index)
            return index
        }

        /// Keeps a check's latest non-empty name, allocating only when it changed.
        func noteName(_ name: String, of checkId: Int64, in page: inout SubtaskPage) {
            if page.checkNames[checkId] != name { page.checkNames[checkId] = name }
        }

        /// Keeps a check's latest non-empty name given as UTF-8 bytes, making a `String`
        /// only when it differs from the one kept.
        func noteName(_ bytes: UnsafeRawBufferPointer, of checkId: Int64, in page: inout SubtaskPage) {
            if let kept = page.checkNames[checkId],
                kept.utf8.withContiguousStorageIfAvailable({ bytesEqual(UnsafeRawBufferPointer($0), bytes) }) ?? false
            {
                return
            }
            page.checkNames[checkId] = String(decoding: bytes, as: UTF8.self)
        }

        /// A record whose checks are `page.checkIds[checkStart...]`.
        static func record(
            id: (some Collection<UInt8>)?, taskId: (some Collection<UInt8>)?, taskIndex: Int32, fields: Fields,
            checkStart: Int, page: SubtaskPage
        ) -> SubtaskRecord {
            let checkCount = page.checkIds.count - checkStart
            var hasher = Fingerprint.Hasher128()
            if let id {
                hasher.add("id\u{0}".utf8)
                hasher.add(id)
            } else {
                // The fields of a record without id that do not change as it progresses
                // (the same text as the first version's state file used).
                hasher.add("noid\u{0}".utf8)
                if let taskId { hasher.add(taskId) } else { hasher.add(UInt8(ascii: "-")) }
                for value in [fields.createTime, fields.assetVendor, fields.assetType, fields.assetSubType] {
                    hasher.add(0)
                    if let value { hasher.add(decimal: value) } else { hasher.add(UInt8(ascii: "-")) }
                }
                hasher.add(0)
                for (offset, check) in page.checkIds[checkStart...].enumerated() {
                    if offset > 0 { hasher.add(UInt8(ascii: ",")) }
                    hasher.add(decimal: check)
                }
            }
            return SubtaskRecord(
                key: hasher.finish(), hasId: id != nil, taskIndex: taskIndex,
                checkStart: Int32(clamping: checkStart), checkCount: Int32(clamping: checkCount),
                statusCode: fields.statusCode, createTime: fields.createTime.flatMap { $0 > 0 ? $0 : nil },
                startTime: fields.startTime, endTime: fields.endTime
            )
        }
    }
}
