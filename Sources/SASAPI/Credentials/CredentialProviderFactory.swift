import Synchronization

/// Builds the credential providers of the exporter's accounts from one environment and one
/// set of HTTP clients:
///
/// - `defaultChain`: the Alibaba Cloud default chain, built once and shared by every
///   account that uses it, so one RRSA, ECS-role or environment identity (and its cached
///   temporary credentials) serves them all;
/// - `provider(base:role:accountRegion:)`: an account's provider: its own AccessKey, the
///   shared chain, or a role assumed with STS `AssumeRole` by either of them.
///
/// Every credential call goes out on the client of its own URL's proxy route (`clients`),
/// and every temporary credential is refreshed as `refresh` says (15 minutes before
/// expiry, backoff on failure).
public final class CredentialProviderFactory: Sendable {
    /// The process environment the chain and the STS endpoints are read from; private,
    /// as it may hold an AccessKey secret.
    private let environment: [String: String]
    private let clients: CredentialHTTPClients
    private let stsEndpointOverride: String?
    private let ecsMetadataBaseURL: String
    private let files: CredentialFiles
    private let refresh: RefreshSettings
    private let chain = Mutex<DefaultCredentialChain?>(nil)

    /// - Parameters:
    ///   - environment: the process environment.
    ///   - clients: `.perURL(pool)` in production, so `NO_PROXY` is honoured per call.
    ///   - stsEndpointOverride: replaces every STS endpoint, explicit ones included (the
    ///     exporter's `SAS_EXPORTER_STS_ENDPOINT`, for tests and the demo).
    ///   - ecsMetadataBaseURL: the metadata service (`SAS_EXPORTER_ECS_METADATA_URL` in tests).
    ///   - files: how the CLI profile and INI files are read.
    ///   - refresh: refresh margin, backoff and clocks.
    public init(
        environment: [String: String], clients: CredentialHTTPClients, stsEndpointOverride: String? = nil,
        ecsMetadataBaseURL: String = "http://100.100.100.200", files: CredentialFiles = .live,
        refresh: RefreshSettings = RefreshSettings()
    ) {
        self.environment = environment
        self.clients = clients
        self.stsEndpointOverride = stsEndpointOverride.flatMap { $0.isEmpty ? nil : $0 }
        self.ecsMetadataBaseURL = ecsMetadataBaseURL
        self.files = files
        self.refresh = refresh
    }

    /// The default chain, created on first use and shared.
    public var defaultChain: DefaultCredentialChain {
        chain.withLock { chain in
            if let chain { return chain }
            let made = DefaultCredentialChain(
                environment: environment, clients: clients, stsEndpoint: stsEndpointOverride,
                ecsMetadataBaseURL: ecsMetadataBaseURL, files: files, refresh: refresh
            )
            chain = made
            return made
        }
    }

    /// The provider of one account.
    /// - Parameters:
    ///   - base: the account's own credentials; nil for the shared default chain.
    ///   - role: a role to assume with `base`; nil uses `base` itself.
    ///   - accountRegion: the account's region, the last choice for the STS endpoint.
    /// - Throws: `RoleAssumptionError` when STS would refuse the role settings.
    public func provider(
        base: (any CredentialProvider)?, role: RoleAssumption?, accountRegion: String?
    ) throws(RoleAssumptionError) -> any CredentialProvider {
        guard let role else { return base ?? defaultChain }
        return try assuming(role, base: base ?? defaultChain, accountRegion: accountRegion)
    }

    /// `base` assuming `role`: signed `AssumeRole` calls to the role's STS endpoint
    /// (`STSEndpoint.resolve`), cached and refreshed.
    public func assuming(
        _ role: RoleAssumption, base: any CredentialProvider, accountRegion: String?
    ) throws(RoleAssumptionError) -> RefreshingCredentialProvider {
        try role.validate()
        let endpoint = STSEndpoint.resolve(
            explicit: stsEndpointOverride ?? role.stsEndpoint, accountRegion: accountRegion, environment: environment
        )
        let source = AssumeRoleSource(
            base: base, roleArn: role.roleArn, sessionName: role.roleSessionName,
            durationSeconds: Int(role.duration.components.seconds), externalId: role.externalId,
            stsEndpoint: endpoint, clients: clients
        )
        return refresh.provider(for: source)
    }

    /// The STS endpoint a role of an account in `accountRegion` would use (for logs and
    /// `--config.check`).
    public func stsEndpoint(for role: RoleAssumption, accountRegion: String?) -> String {
        STSEndpoint.resolve(
            explicit: stsEndpointOverride ?? role.stsEndpoint, accountRegion: accountRegion, environment: environment)
    }
}
