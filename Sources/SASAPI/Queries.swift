import SASSigning

/// The request of `ListOperationProcessDetail`, without the page number (the client adds it).
public struct ProcessDetailQuery: Sendable, Equatable {
    /// Parent task ids; the real API answers `CspmParamIllegal` without them.
    public var taskIds: [String]
    /// Subtask status codes (0...4) to keep; empty means all.
    public var statusCodes: [Int]
    /// Lower bound, epoch milliseconds.
    public var startTime: Int64?
    /// Upper bound, epoch milliseconds.
    public var endTime: Int64?
    /// Entries per page; the pagination sequence sets it.
    public var pageSize: Int?
    /// `zh` (the API's default) or `en`.
    public var lang: String?

    public init(
        taskIds: [String] = [], statusCodes: [Int] = [], startTime: Int64? = nil,
        endTime: Int64? = nil, pageSize: Int? = nil, lang: String? = nil
    ) {
        self.taskIds = taskIds
        self.statusCodes = statusCodes
        self.startTime = startTime
        self.endTime = endTime
        self.pageSize = pageSize
        self.lang = lang
    }

    /// The query parameters for one page, flattened as the official SDK does: top-level
    /// names in alphabetical order, arrays 1-based in element order, absent values omitted.
    public func parameters(page: Int?) -> [QueryParameter] {
        var out: [QueryParameter] = []
        out.appendScalar("CurrentPage", page)
        out.appendScalar("EndTime", endTime)
        out.appendScalar("Lang", lang)
        out.appendScalar("PageSize", pageSize)
        out.appendScalar("StartTime", startTime)
        out.appendArray("StatusCodes", statusCodes)
        out.appendArray("TaskIds", taskIds)
        return out
    }
}

/// The request of `ListOperationProcess` (parent tasks), without the page number.
public struct ProcessQuery: Sendable, Equatable {
    public var taskIds: [String]
    /// 0 not started, 1 checking, 2 completed, 3 timed out; empty means all.
    public var statusCodes: [Int]
    public var taskSources: [String]
    /// `CHECK_ALL`, `CHECK_POLICY`, `CHECK_SCHEDULE`, `CHECK_ITEM`, `CHECK_INSTANCE`.
    public var taskTypes: [String]
    /// Epoch milliseconds.
    public var startTime: Int64?
    /// Epoch milliseconds.
    public var endTime: Int64?
    public var pageSize: Int?

    public init(
        taskIds: [String] = [], statusCodes: [Int] = [], taskSources: [String] = [],
        taskTypes: [String] = [], startTime: Int64? = nil, endTime: Int64? = nil, pageSize: Int? = nil
    ) {
        self.taskIds = taskIds
        self.statusCodes = statusCodes
        self.taskSources = taskSources
        self.taskTypes = taskTypes
        self.startTime = startTime
        self.endTime = endTime
        self.pageSize = pageSize
    }

    /// The query parameters for one page, flattened as the official SDK does.
    public func parameters(page: Int?) -> [QueryParameter] {
        var out: [QueryParameter] = []
        out.appendScalar("CurrentPage", page)
        out.appendScalar("EndTime", endTime)
        out.appendScalar("PageSize", pageSize)
        out.appendScalar("StartTime", startTime)
        out.appendArray("StatusCodes", statusCodes)
        out.appendArray("TaskIds", taskIds)
        out.appendArray("TaskSources", taskSources)
        out.appendArray("TaskTypes", taskTypes)
        return out
    }
}

extension Array where Element == QueryParameter {
    mutating func appendScalar(_ name: String, _ value: (some CustomStringConvertible)?) {
        if let value { append(QueryParameter(name, value.description)) }
    }

    mutating func appendArray(_ name: String, _ values: [some CustomStringConvertible]) {
        for (index, value) in values.enumerated() {
            append(QueryParameter("\(name).\(index + 1)", value.description))
        }
    }
}
