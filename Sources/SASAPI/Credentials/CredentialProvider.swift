import SASSigning

/// Supplies the AccessKey (and STS token) used to sign requests. Called before each HTTP
/// attempt: providers of temporary credentials cache and refresh them themselves.
public protocol CredentialProvider: Sendable {
    /// Current credentials; throws `CredentialsError` (never containing a secret).
    func credentials() async throws -> Credentials
}

/// Why no credentials could be had. The message never contains a secret.
public struct CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// Nothing in the chain gave credentials.
    public static let missing = CredentialsError(
        "No Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
            + "(plus ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials), or ALIBABA_CLOUD_ROLE_ARN, "
            + "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE for an OIDC role, "
            + "or ALIBABA_CLOUD_CREDENTIALS_URI, or run on ECS with a RAM role."
    )
}

/// Fixed credentials (from the config file or a test).
public struct StaticCredentialProvider: CredentialProvider, CustomStringConvertible {
    private let value: Credentials

    public init(_ credentials: Credentials) {
        self.value = credentials
    }

    public func credentials() async throws -> Credentials { value }

    public var description: String { "StaticCredentialProvider(accessKeyId: \(value.accessKeyId))" }
}

/// Credentials from `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and the
/// optional `ALIBABA_CLOUD_SECURITY_TOKEN`, read once at creation.
public struct EnvironmentCredentialProvider: CredentialProvider, CustomStringConvertible {
    private let value: Credentials?
    private let problem: CredentialsError?

    public init(environment: [String: String]) {
        let id = environment["ALIBABA_CLOUD_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["ALIBABA_CLOUD_ACCESS_KEY_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        let token = environment["ALIBABA_CLOUD_SECURITY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        switch (id, secret) {
        case (let id?, let secret?):
            value = Credentials(accessKeyId: id, accessKeySecret: Secret(secret), securityToken: token.map(Secret.init))
            problem = nil
        case (nil, nil):
            value = nil
            problem = .missing
        case (nil, _?):
            value = nil
            problem = CredentialsError(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not: set both.")
        case (_?, nil):
            value = nil
            problem = CredentialsError(
                "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not: set both.")
        }
    }

    /// Whether the environment holds an AccessKey at all (the chain uses it to choose).
    public var isConfigured: Bool { value != nil }

    public func credentials() async throws -> Credentials {
        guard let value else { throw problem ?? .missing }
        return value
    }

    public var description: String {
        "EnvironmentCredentialProvider(accessKeyId: \(value?.accessKeyId ?? "-"))"
    }
}
