/// Faults injected into API calls (`POST /` for both actions), set by flags, the library
/// or `POST /admin/faults`. Rates are shares in 0...1, decided deterministically from the
/// seed and the API request's sequence number.
public struct FaultSettings: Sendable, Equatable, Codable {
    /// Per-key request rate; above it `Throttling.User` (400) with `x-acs-retry-after`.
    public var throttleRps: Double?
    /// Share of calls answered 500 `ServerError`.
    public var errorRate: Double
    /// Every API call answers 503 `ServiceUnavailable`.
    public var down: Bool
    /// Added latency before every API answer, milliseconds.
    public var latencyMs: Int
    /// Share of calls answered 200 with a body that is not valid JSON.
    public var malformedRate: Double
    /// Share of calls answered 200 with the JSON body cut short (Content-Length matches).
    public var truncateRate: Double
    /// Share of calls whose connection is closed mid-body (Content-Length announces the
    /// full body, half is written, then the connection is closed).
    public var closeRate: Double
    /// Added to `TotalCount` once per page after the first, so totals drift between pages.
    public var totalCountDrift: Int
    /// AccessKey ids whose calls answer 403 `NoPermission`.
    public var noPermission: [String]
    /// At most this many rows per page, while `PageInfo.PageSize` echoes the size asked
    /// for (a server that caps page sizes without saying so).
    public var pageSizeCap: Int?
    /// The first record of every `ListOperationProcessDetail` page is sent with fields of
    /// the wrong type (`"CreateTime": "soon"`, `"Checks": null`, `"StatusCode": "2"`).
    public var oddRecord: Bool
    /// STS (`AssumeRole`, `AssumeRoleWithOIDC`) answers 503 `ServiceUnavailable`: role
    /// credentials cannot be refreshed (the API itself keeps answering).
    public var stsDown: Bool

    public init(
        throttleRps: Double? = nil, errorRate: Double = 0, down: Bool = false, latencyMs: Int = 0,
        malformedRate: Double = 0, truncateRate: Double = 0, closeRate: Double = 0,
        totalCountDrift: Int = 0, noPermission: [String] = [], pageSizeCap: Int? = nil, oddRecord: Bool = false,
        stsDown: Bool = false
    ) {
        self.throttleRps = throttleRps
        self.errorRate = errorRate
        self.down = down
        self.latencyMs = latencyMs
        self.malformedRate = malformedRate
        self.truncateRate = truncateRate
        self.closeRate = closeRate
        self.totalCountDrift = totalCountDrift
        self.noPermission = noPermission
        self.pageSizeCap = pageSizeCap
        self.oddRecord = oddRecord
        self.stsDown = stsDown
    }

    enum CodingKeys: String, CodingKey {
        case throttleRps = "throttle_rps"
        case errorRate = "error_rate"
        case down
        case latencyMs = "latency_ms"
        case malformedRate = "malformed_rate"
        case truncateRate = "truncate_rate"
        case closeRate = "close_rate"
        case totalCountDrift = "total_count_drift"
        case noPermission = "no_permission"
        case pageSizeCap = "page_size_cap"
        case oddRecord = "odd_record"
        case stsDown = "sts_down"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(throttleRps, forKey: .throttleRps)
        try c.encode(errorRate, forKey: .errorRate)
        try c.encode(down, forKey: .down)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(malformedRate, forKey: .malformedRate)
        try c.encode(truncateRate, forKey: .truncateRate)
        try c.encode(closeRate, forKey: .closeRate)
        try c.encode(totalCountDrift, forKey: .totalCountDrift)
        try c.encode(noPermission, forKey: .noPermission)
        try c.encode(pageSizeCap, forKey: .pageSizeCap)
        try c.encode(oddRecord, forKey: .oddRecord)
        try c.encode(stsDown, forKey: .stsDown)
    }
}

/// A partial update of `FaultSettings`: the body of `POST /admin/faults`. Fields left out
/// keep their value.
struct FaultUpdate: Decodable {
    var throttleRps: Double?
    var throttleRpsSet = false
    var errorRate: Double?
    var down: Bool?
    var latencyMs: Int?
    var malformedRate: Double?
    var truncateRate: Double?
    var closeRate: Double?
    var totalCountDrift: Int?
    var noPermission: [String]?
    var pageSizeCap: Int?
    var pageSizeCapSet = false
    var oddRecord: Bool?
    var stsDown: Bool?

    typealias CodingKeys = FaultSettings.CodingKeys

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.throttleRps) {
            throttleRpsSet = true
            throttleRps = try c.decodeIfPresent(Double.self, forKey: .throttleRps)
        }
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate)
        down = try c.decodeIfPresent(Bool.self, forKey: .down)
        latencyMs = try c.decodeIfPresent(Int.self, forKey: .latencyMs)
        malformedRate = try c.decodeIfPresent(Double.self, forKey: .malformedRate)
        truncateRate = try c.decodeIfPresent(Double.self, forKey: .truncateRate)
        closeRate = try c.decodeIfPresent(Double.self, forKey: .closeRate)
        totalCountDrift = try c.decodeIfPresent(Int.self, forKey: .totalCountDrift)
        noPermission = try c.decodeIfPresent([String].self, forKey: .noPermission)
        oddRecord = try c.decodeIfPresent(Bool.self, forKey: .oddRecord)
        stsDown = try c.decodeIfPresent(Bool.self, forKey: .stsDown)
        if c.contains(.pageSizeCap) {
            pageSizeCapSet = true
            pageSizeCap = try c.decodeIfPresent(Int.self, forKey: .pageSizeCap)
        }
    }

    /// The settings with this update applied; `throttle_rps` of `null` or `0` removes the limit.
    func apply(to settings: FaultSettings) -> FaultSettings {
        var s = settings
        if throttleRpsSet { s.throttleRps = (throttleRps ?? 0) > 0 ? throttleRps : nil }
        if let errorRate { s.errorRate = errorRate }
        if let down { s.down = down }
        if let latencyMs { s.latencyMs = latencyMs }
        if let malformedRate { s.malformedRate = malformedRate }
        if let truncateRate { s.truncateRate = truncateRate }
        if let closeRate { s.closeRate = closeRate }
        if let totalCountDrift { s.totalCountDrift = totalCountDrift }
        if let noPermission { s.noPermission = noPermission }
        if pageSizeCapSet { s.pageSizeCap = (pageSizeCap ?? 0) > 0 ? pageSizeCap : nil }
        if let oddRecord { s.oddRecord = oddRecord }
        if let stsDown { s.stsDown = stsDown }
        return s
    }
}
