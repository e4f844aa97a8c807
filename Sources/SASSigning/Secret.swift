/// A secret string (an AccessKey secret, an STS token, a password) that never prints.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show
/// `<redacted>`; only `reveal()` gives the value, and only signing code calls it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself. Call it only where the value is needed to sign or send.
    public func reveal() -> String { value }

    /// Whether the secret is the empty string.
    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// An AccessKey pair with an optional STS security token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    public let accessKeyId: String
    public let accessKeySecret: Secret
    public let securityToken: Secret?

    public init(accessKeyId: String, accessKeySecret: Secret, securityToken: Secret? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
    }

    /// Convenience for literal values (tests, the simulator's built-in key).
    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        self.init(
            accessKeyId: accessKeyId,
            accessKeySecret: Secret(accessKeySecret),
            securityToken: securityToken.map(Secret.init)
        )
    }

    public var description: String {
        "Credentials(accessKeyId: \(accessKeyId), accessKeySecret: "
            + "<redacted>\(securityToken == nil ? "" : ", securityToken: <redacted>"))"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["accessKeyId": accessKeyId], displayStyle: .struct) }
}
