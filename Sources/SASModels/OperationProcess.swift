/// One parent operation task as `ListOperationProcess` returns it.
public struct OperationProcess: Sendable, Equatable, Codable {
    public var taskId: String?
    public var taskType: String?
    public var taskSource: String?
    /// 0 not started, 1 checking, 2 completed, 3 timed out.
    public var statusCode: Int?
    public var createTime: Int64?
    public var startTime: Int64?
    public var endTime: Int64?
    public var finishCount: Int?
    public var totalCount: Int?
    public var detailTaskReadyCount: Int?
    public var detailTaskTotalCount: Int?

    public init(
        taskId: String? = nil, taskType: String? = nil, taskSource: String? = nil,
        statusCode: Int? = nil, createTime: Int64? = nil, startTime: Int64? = nil,
        endTime: Int64? = nil, finishCount: Int? = nil, totalCount: Int? = nil,
        detailTaskReadyCount: Int? = nil, detailTaskTotalCount: Int? = nil
    ) {
        self.taskId = taskId
        self.taskType = taskType
        self.taskSource = taskSource
        self.statusCode = statusCode
        self.createTime = createTime
        self.startTime = startTime
        self.endTime = endTime
        self.finishCount = finishCount
        self.totalCount = totalCount
        self.detailTaskReadyCount = detailTaskReadyCount
        self.detailTaskTotalCount = detailTaskTotalCount
    }

    enum CodingKeys: String, CodingKey {
        case taskId = "TaskId"
        case taskType = "TaskType"
        case taskSource = "TaskSource"
        case statusCode = "StatusCode"
        case createTime = "CreateTime"
        case startTime = "StartTime"
        case endTime = "EndTime"
        case finishCount = "FinishCount"
        case totalCount = "TotalCount"
        case detailTaskReadyCount = "DetailTaskReadyCount"
        case detailTaskTotalCount = "DetailTaskTotalCount"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskId = try c.lenientString(.taskId)
        taskType = try c.lenientString(.taskType)
        taskSource = try c.lenientString(.taskSource)
        statusCode = try c.lenientInt64(.statusCode).map(Int.init(clamping:))
        createTime = try c.lenientInt64(.createTime)
        startTime = try c.lenientInt64(.startTime)
        endTime = try c.lenientInt64(.endTime)
        finishCount = try c.lenientInt64(.finishCount).map(Int.init(clamping:))
        totalCount = try c.lenientInt64(.totalCount).map(Int.init(clamping:))
        detailTaskReadyCount = try c.lenientInt64(.detailTaskReadyCount).map(Int.init(clamping:))
        detailTaskTotalCount = try c.lenientInt64(.detailTaskTotalCount).map(Int.init(clamping:))
    }
}
