import SASModels
import SASSigning

/// The business parameters of both list actions, validated.
///
/// `StartTime`/`EndTime` bound the creation time (inclusive) of subtasks (detail call)
/// and of tasks (task call), or, with `TimeSemantics.creationCompletion`, `EndTime`
/// bounds the completion time. `PageSize` defaults to 20 and must be within 1...max;
/// `CurrentPage` defaults to 1 and must be at least 1. Anything malformed is
/// `CspmParamIllegal`.
struct APIQuery {
    var taskIds: [String]
    var statusCodes: [Int]
    var taskTypes: [String]
    var taskSources: [String]
    var startTime: Int64?
    var endTime: Int64?
    var currentPage: Int
    var pageSize: Int
    var lang: String

    init(_ parameters: [QueryParameter], maxPageSize: Int) throws(SimulatedAPIError) {
        taskIds = parameters.array("TaskIds")
        taskTypes = parameters.array("TaskTypes")
        taskSources = parameters.array("TaskSources")
        statusCodes = []
        for text in parameters.array("StatusCodes") {
            guard let code = Int(text) else { throw .paramIllegal("StatusCodes must be integers") }
            statusCodes.append(code)
        }
        startTime = try Self.long(parameters, "StartTime")
        endTime = try Self.long(parameters, "EndTime")
        currentPage = Int(try Self.long(parameters, "CurrentPage") ?? 1)
        pageSize = Int(try Self.long(parameters, "PageSize") ?? 20)
        guard currentPage >= 1 else { throw .paramIllegal("CurrentPage must be at least 1") }
        guard pageSize >= 1, pageSize <= maxPageSize else {
            throw .paramIllegal("PageSize must be between 1 and \(maxPageSize)")
        }
        lang = parameters.first("Lang") == "en" ? "en" : "zh"
    }

    private static func long(_ parameters: [QueryParameter], _ name: String) throws(SimulatedAPIError) -> Int64? {
        guard let text = parameters.first(name), !text.isEmpty else { return nil }
        guard let value = Int64(text), value <= Int64(Int32.max) || name.hasSuffix("Time") else {
            throw .paramIllegal("\(name) is not a valid number")
        }
        return value
    }

    /// The rows of the current page; `cap` serves fewer rows per page than asked for.
    func page<T>(of items: [T], cap: Int? = nil) -> ArraySlice<T> {
        let size = min(pageSize, max(1, cap ?? pageSize))
        let (offset, overflow) = (currentPage - 1).multipliedReportingOverflow(by: size)
        guard !overflow, offset < items.count else { return [] }
        return items[offset..<min(items.count, offset + size)]
    }

    func pageInfo(count: Int, total: Int, drift: Int) -> PageInfo {
        PageInfo(
            currentPage: currentPage, pageSize: pageSize, totalCount: total + drift * (currentPage - 1), count: count)
    }
}
