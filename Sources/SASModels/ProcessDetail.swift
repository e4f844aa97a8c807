/// One operation subtask as `ListOperationProcessDetail` returns it.
///
/// Every field is optional because the real API omits fields; what a missing field
/// means is decided by the aggregator, not here.
public struct ProcessDetail: Sendable, Equatable, Codable {
    public var taskId: String?
    public var detailTaskId: String?
    public var statusCode: Int?
    public var assetVendor: Int?
    public var assetType: Int?
    public var assetSubType: Int?
    /// Epoch milliseconds.
    public var createTime: Int64?
    /// Epoch milliseconds.
    public var startTime: Int64?
    /// Epoch milliseconds.
    public var endTime: Int64?
    /// Check items of the subtask; a missing array decodes as empty.
    public var checks: [CheckItem]

    public init(
        taskId: String? = nil, detailTaskId: String? = nil, statusCode: Int? = nil,
        assetVendor: Int? = nil, assetType: Int? = nil, assetSubType: Int? = nil,
        createTime: Int64? = nil, startTime: Int64? = nil, endTime: Int64? = nil,
        checks: [CheckItem] = []
    ) {
        self.taskId = taskId
        self.detailTaskId = detailTaskId
        self.statusCode = statusCode
        self.assetVendor = assetVendor
        self.assetType = assetType
        self.assetSubType = assetSubType
        self.createTime = createTime
        self.startTime = startTime
        self.endTime = endTime
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey {
        case taskId = "TaskId"
        case detailTaskId = "DetailTaskId"
        case statusCode = "StatusCode"
        case assetVendor = "AssetVendor"
        case assetType = "AssetType"
        case assetSubType = "AssetSubType"
        case createTime = "CreateTime"
        case startTime = "StartTime"
        case endTime = "EndTime"
        case checks = "Checks"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskId = try c.lenientString(.taskId)
        detailTaskId = try c.lenientString(.detailTaskId)
        statusCode = try c.lenientInt64(.statusCode).map(Int.init(clamping:))
        assetVendor = try c.lenientInt64(.assetVendor).map(Int.init(clamping:))
        assetType = try c.lenientInt64(.assetType).map(Int.init(clamping:))
        assetSubType = try c.lenientInt64(.assetSubType).map(Int.init(clamping:))
        createTime = try c.lenientInt64(.createTime)
        startTime = try c.lenientInt64(.startTime)
        endTime = try c.lenientInt64(.endTime)
        checks = try c.decodeIfPresent([CheckItem].self, forKey: .checks) ?? []
    }
}

/// A check item attached to a subtask.
public struct CheckItem: Sendable, Equatable, Hashable, Codable {
    public var checkId: Int64?
    public var checkShowName: String?

    public init(checkId: Int64?, checkShowName: String?) {
        self.checkId = checkId
        self.checkShowName = checkShowName
    }

    enum CodingKeys: String, CodingKey {
        case checkId = "CheckId"
        case checkShowName = "CheckShowName"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checkId = try c.lenientInt64(.checkId)
        checkShowName = try c.lenientString(.checkShowName)
    }
}
