/// A page of `ListOperationProcessDetail`.
public struct ListOperationProcessDetailResponse: Sendable, Equatable, Codable {
    public var requestId: String?
    public var pageInfo: PageInfo?
    /// A missing array decodes as empty.
    public var processDetails: [ProcessDetail]

    public init(requestId: String? = nil, pageInfo: PageInfo? = nil, processDetails: [ProcessDetail] = []) {
        self.requestId = requestId
        self.pageInfo = pageInfo
        self.processDetails = processDetails
    }

    enum CodingKeys: String, CodingKey {
        case requestId = "RequestId"
        case pageInfo = "PageInfo"
        case processDetails = "ProcessDetails"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.lenientString(.requestId)
        pageInfo = try c.decodeIfPresent(PageInfo.self, forKey: .pageInfo)
        processDetails = try c.decodeIfPresent([ProcessDetail].self, forKey: .processDetails) ?? []
    }
}

/// A page of `ListOperationProcess`.
public struct ListOperationProcessResponse: Sendable, Equatable, Codable {
    public var requestId: String?
    public var pageInfo: PageInfo?
    /// A missing array decodes as empty.
    public var processes: [OperationProcess]

    public init(requestId: String? = nil, pageInfo: PageInfo? = nil, processes: [OperationProcess] = []) {
        self.requestId = requestId
        self.pageInfo = pageInfo
        self.processes = processes
    }

    enum CodingKeys: String, CodingKey {
        case requestId = "RequestId"
        case pageInfo = "PageInfo"
        case processes = "Processes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.lenientString(.requestId)
        pageInfo = try c.decodeIfPresent(PageInfo.self, forKey: .pageInfo)
        processes = try c.decodeIfPresent([OperationProcess].self, forKey: .processes) ?? []
    }
}

/// The JSON body of an API error.
public struct APIErrorBody: Sendable, Equatable, Codable {
    public var requestId: String?
    public var hostId: String?
    public var code: String?
    public var message: String?
    public var recommend: String?

    public init(
        requestId: String? = nil, hostId: String? = nil, code: String? = nil, message: String? = nil,
        recommend: String? = nil
    ) {
        self.requestId = requestId
        self.hostId = hostId
        self.code = code
        self.message = message
        self.recommend = recommend
    }

    enum CodingKeys: String, CodingKey {
        case requestId = "RequestId"
        case hostId = "HostId"
        case code = "Code"
        case message = "Message"
        case recommend = "Recommend"
    }
}
