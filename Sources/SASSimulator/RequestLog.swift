/// One request the simulator answered (API, STS or metadata; never admin). No secrets.
public struct RequestRecord: Sendable, Equatable, Codable {
    /// Wall-clock time of the answer, epoch milliseconds.
    public var timeMs: Int64
    /// The API action, `AssumeRole`, `AssumeRoleWithOIDC`, `MetadataToken`,
    /// `MetadataRoleName`, `MetadataCredentials`, or `unknown`.
    public var action: String
    /// The AccessKey id that signed the request (empty when none).
    public var accessKeyId: String
    /// `v3`, `rpc`, or `none`.
    public var signature: String
    /// `OK` or the error code answered.
    public var code: String
    public var httpStatus: Int
    public var requestId: String
    /// `CurrentPage` asked for, when the action pages.
    public var page: Int?
    /// The role of the temporary key that signed the request, when it is one this
    /// simulator's STS (or metadata service) issued; nil for a permanent key or none.
    /// Tests read from it which account's assumed role each call used.
    public var roleArn: String?

    enum CodingKeys: String, CodingKey {
        case timeMs = "time_ms"
        case action
        case accessKeyId = "access_key_id"
        case signature, code
        case httpStatus = "http_status"
        case requestId = "request_id"
        case page
        case roleArn = "role_arn"
    }
}

/// Counters over every logged request.
public struct RequestStats: Sendable, Equatable, Codable {
    public var total: Int = 0
    public var byAction: [String: Int] = [:]
    public var byAccessKey: [String: Int] = [:]
    public var byCode: [String: Int] = [:]
    /// action → code → count.
    public var byActionCode: [String: [String: Int]] = [:]

    public init() {}

    mutating func record(_ r: RequestRecord) {
        total += 1
        byAction[r.action, default: 0] += 1
        if !r.accessKeyId.isEmpty { byAccessKey[r.accessKeyId, default: 0] += 1 }
        byCode[r.code, default: 0] += 1
        byActionCode[r.action, default: [:]][r.code, default: 0] += 1
    }

    /// Calls of `action` answered with `code` (any code when nil).
    public func count(action: String, code: String? = nil) -> Int {
        guard let codes = byActionCode[action] else { return 0 }
        if let code { return codes[code] ?? 0 }
        return codes.values.reduce(0, +)
    }

    enum CodingKeys: String, CodingKey {
        case total
        case byAction = "by_action"
        case byAccessKey = "by_access_key"
        case byCode = "by_code"
        case byActionCode = "by_action_code"
    }
}
