/// A RAM role that an account's base identity assumes with STS `AssumeRole`: the
/// `role_arn`, `role_session_name`, `external_id`, `duration` and `sts_endpoint` keys of
/// `accounts[].credentials`.
public struct RoleAssumption: Sendable, Hashable, CustomStringConvertible {
    /// `acs:ram::<account id>:role/<name>`.
    public var roleArn: String
    /// Shown in the role's ActionTrail records; 2–64 of `A-Z a-z 0-9 . @ - _`.
    public var roleSessionName: String
    /// The external id the role's trust policy may demand (`sts:ExternalId`).
    public var externalId: String?
    /// How long the temporary credentials last (STS: 15 min to the role's maximum, at
    /// most 12 h). They are refreshed 15 minutes before they expire (halfway through when
    /// they last less than 30 minutes).
    public var duration: Duration
    /// An explicit STS endpoint (`host`, `host:port` or a URL); nil picks one from the
    /// environment and the account's region (`STSEndpoint.resolve`).
    public var stsEndpoint: String?

    public init(
        roleArn: String, roleSessionName: String, externalId: String? = nil, duration: Duration = .seconds(3600),
        stsEndpoint: String? = nil
    ) {
        self.roleArn = roleArn
        self.roleSessionName = roleSessionName
        self.externalId = externalId
        self.duration = duration
        self.stsEndpoint = stsEndpoint
    }

    /// `sas-exporter-<account>`, with every character STS refuses in a session name
    /// replaced by `-` and cut to 64 characters.
    public static func defaultSessionName(account: String) -> String {
        let cleaned = String(("sas-exporter-" + account).map { isSessionNameCharacter($0) ? $0 : "-" })
        return String(cleaned.prefix(64))
    }

    /// The first problem STS would have with these settings, naming the YAML key
    /// (`role_arn`, `role_session_name`, `external_id`, `duration`, `sts_endpoint`); never a
    /// secret (none of these is one).
    public func validate() throws(RoleAssumptionError) {
        guard roleArn.hasPrefix("acs:ram::"), roleArn.contains(":role/"), !roleArn.contains(where: \.isWhitespace)
        else {
            throw RoleAssumptionError(key: "role_arn", message: "must look like acs:ram::<account id>:role/<role name>")
        }
        guard (2...64).contains(roleSessionName.count), roleSessionName.allSatisfy(Self.isSessionNameCharacter) else {
            throw RoleAssumptionError(
                key: "role_session_name", message: "must be 2 to 64 of the characters A-Z a-z 0-9 . @ - _")
        }
        if let externalId {
            let allowed = Set("+=,.@:/-_")
            guard (2...1224).contains(externalId.count),
                externalId.allSatisfy({ Self.isASCIIAlphanumeric($0) || allowed.contains($0) })
            else {
                throw RoleAssumptionError(
                    key: "external_id", message: "must be 2 to 1224 of the characters A-Z a-z 0-9 + = , . @ : / - _")
            }
        }
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0, (900...43_200).contains(seconds) else {
            throw RoleAssumptionError(key: "duration", message: "must be whole seconds from 15m to 12h (STS's limits)")
        }
        if let stsEndpoint, (try? Endpoint(parsing: STSEndpoint.baseURL(stsEndpoint))) == nil {
            throw RoleAssumptionError(
                key: "sts_endpoint", message: "must be a host, host:port or an http(s) URL without a path")
        }
    }

    public var description: String {
        "RoleAssumption(roleArn: \(roleArn), roleSessionName: \(roleSessionName), externalId: "
            + "\(externalId == nil ? "none" : "set"), "
            + "duration: \(duration.components.seconds)s, stsEndpoint: \(stsEndpoint ?? "default"))"
    }

    private static func isSessionNameCharacter(_ character: Character) -> Bool {
        isASCIIAlphanumeric(character) || ".@-_".contains(character)
    }

    private static func isASCIIAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }
}

/// Role settings STS would refuse: the YAML key under `accounts[].credentials` and why.
public struct RoleAssumptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `role_arn`, `role_session_name`, `external_id`, `duration` or `sts_endpoint`.
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
