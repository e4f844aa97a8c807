/// Pagination block of a list response.
public struct PageInfo: Sendable, Equatable, Codable {
    public var currentPage: Int?
    public var pageSize: Int?
    public var totalCount: Int?
    /// Entries on this page.
    public var count: Int?

    public init(currentPage: Int? = nil, pageSize: Int? = nil, totalCount: Int? = nil, count: Int? = nil) {
        self.currentPage = currentPage
        self.pageSize = pageSize
        self.totalCount = totalCount
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case currentPage = "CurrentPage"
        case pageSize = "PageSize"
        case totalCount = "TotalCount"
        case count = "Count"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        currentPage = try c.lenientInt64(.currentPage).map(Int.init(clamping:))
        pageSize = try c.lenientInt64(.pageSize).map(Int.init(clamping:))
        totalCount = try c.lenientInt64(.totalCount).map(Int.init(clamping:))
        count = try c.lenientInt64(.count).map(Int.init(clamping:))
    }
}
