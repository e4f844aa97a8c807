import SASSigning

/// Temporary credentials the simulator's STS (or metadata service) handed out.
public struct IssuedCredentials: Sendable, Equatable {
    public let accessKeyId: String
    public let accessKeySecret: String
    public let securityToken: String
    /// Wall-clock expiry, epoch milliseconds.
    public let expiresAtMs: Int64
    public let roleArn: String
    public let sessionName: String
    /// Wall-clock time of issue, epoch milliseconds.
    public let issuedAtMs: Int64

    public init(
        accessKeyId: String, accessKeySecret: String, securityToken: String, expiresAtMs: Int64,
        roleArn: String = "acs:ram::1234567890123456:role/sas-exporter", sessionName: String = "sas-simulator",
        issuedAtMs: Int64 = SimulatorClock.wallClockMs()
    ) {
        self.issuedAtMs = issuedAtMs
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiresAtMs = expiresAtMs
        self.roleArn = roleArn
        self.sessionName = sessionName
    }

    /// `Expiration` as STS writes it: `yyyy-MM-ddTHH:mm:ssZ`.
    public var expiration: String {
        ACSTimestampFormat.format(ms: expiresAtMs)
    }
}

enum ACSTimestampFormat {
    static func format(ms: Int64) -> String {
        ACSTimestamp.format(epochSeconds: ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
    }
}
