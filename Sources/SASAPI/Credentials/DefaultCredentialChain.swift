import AsyncHTTPClient
import SASSigning

/// The Alibaba Cloud default credential chain, in the order of the official SDKs:
///
/// 1. the environment AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
///    optional `ALIBABA_CLOUD_SECURITY_TOKEN`); when either key variable is set nothing
///    else is tried (a half-set environment is an error);
/// 2. with HTTP clients: the OIDC role (`ALIBABA_CLOUD_ROLE_ARN`,
///    `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, optional
///    `ALIBABA_CLOUD_ROLE_SESSION_NAME`; STS at `ALIBABA_CLOUD_STS_ENDPOINT`, else the
///    `ALIBABA_CLOUD_STS_REGION` endpoint, `sts-vpc.` with
///    `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`: see `STSEndpoint`);
/// 3. the CLI profile `$HOME/.aliyun/config.json` (or `ALIBABA_CLOUD_CONFIG_FILE`; profile
///    `ALIBABA_CLOUD_PROFILE`, else `current`), unless `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`;
/// 4. the INI file `$HOME/.alibabacloud/credentials`, else `$HOME/.alibabacloud/credentials.ini`
///    (or `ALIBABA_CLOUD_CREDENTIALS_FILE`; section `ALIBABA_CLOUD_PROFILE`, else `default`);
/// 5. the ECS RAM role from the metadata service (unless
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`; role name from `ALIBABA_CLOUD_ECS_METADATA`;
///    IMDSv2 only with `ALIBABA_CLOUD_IMDSV1_DISABLED=true`);
/// 6. `ALIBABA_CLOUD_CREDENTIALS_URI`;
///
/// then any extra providers given. A file that does not exist (or a profile or section
/// that is not in it) is passed over; a file that exists but is broken throws
/// `CredentialFileError` and stops the chain. The first provider that yields credentials
/// is remembered and used from then on. Temporary credentials are cached and refreshed by
/// `RefreshingCredentialProvider`, with backoff on failure.
public actor DefaultCredentialChain: CredentialProvider {
    private let providers: [(name: String, provider: any CredentialProvider)]
    private var chosen: Int?

    /// - Parameters:
    ///   - environment: the process environment (also gives `HOME` for the files).
    ///   - clients: for the OIDC, file, ECS and URI providers, chosen per URL (so
    ///     `NO_PROXY` applies to each credential call); without them only the environment
    ///     (and `fallbacks`) are tried.
    ///   - stsEndpoint, ecsMetadataBaseURL: overrides for tests.
    ///   - files: how the CLI profile and INI files are read; `.live` reads the disk.
    ///   - refresh: refresh margin, backoff and clocks of the temporary credentials.
    ///   - fallbacks: providers tried after the built-in ones, in order.
    public init(
        environment: [String: String],
        clients: CredentialHTTPClients?,
        stsEndpoint: String? = nil,
        ecsMetadataBaseURL: String = "http://100.100.100.200",
        files: CredentialFiles = .live,
        refresh: RefreshSettings = RefreshSettings(),
        fallbacks: [any CredentialProvider] = []
    ) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let env = EnvironmentCredentialProvider(environment: environment)
        if env.isConfigured || value("ALIBABA_CLOUD_ACCESS_KEY_ID") != nil
            || value("ALIBABA_CLOUD_ACCESS_KEY_SECRET") != nil
        {
            // A half-set environment is a mistake to report, not a reason to fall through.
            providers = [("environment", env)]
            return
        }
        var list: [(String, any CredentialProvider)] = []
        if let clients {
            let context = CredentialSourceContext(
                environment: environment, clients: clients, stsEndpoint: stsEndpoint,
                ecsMetadataBaseURL: ecsMetadataBaseURL, files: files, refresh: refresh
            )
            if let role = value("ALIBABA_CLOUD_ROLE_ARN"), let provider = value("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"),
                let tokenFile = value("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
            {
                let source = OIDCRoleSource(
                    roleArn: role, providerArn: provider, tokenFile: tokenFile,
                    sessionName: value("ALIBABA_CLOUD_ROLE_SESSION_NAME") ?? "sas-exporter",
                    stsEndpoint: context.sts(), clients: clients
                )
                list.append(("oidc_role_arn", refresh.provider(for: source)))
            }
            if value("ALIBABA_CLOUD_CLI_PROFILE_DISABLED")?.lowercased() != "true" {
                list.append(
                    (
                        "cli_profile",
                        FileCredentialProvider(name: "cli_profile") { try CLIProfileSource.provider(context) }
                    ))
            }
            list.append(
                (
                    "credentials_file",
                    FileCredentialProvider(name: "credentials_file") { try INIProfileSource.provider(context) }
                ))
            if value("ALIBABA_CLOUD_ECS_METADATA_DISABLED")?.lowercased() != "true" {
                list.append(
                    (
                        "ecs_ram_role",
                        refresh.provider(for: context.ecsSource(roleName: value("ALIBABA_CLOUD_ECS_METADATA")))
                    ))
            }
            if let uri = value("ALIBABA_CLOUD_CREDENTIALS_URI") {
                list.append(
                    ("credentials_uri", refresh.provider(for: CredentialsURISource(uri: uri, clients: clients))))
            }
        }
        list += fallbacks.map { ("custom", $0) }
        providers = list
    }

    /// The chain with one HTTP client for every credential call, whatever its proxy
    /// settings (tests); nil tries only the environment and `fallbacks`.
    public init(
        environment: [String: String],
        httpClient: HTTPClient? = nil,
        stsEndpoint: String? = nil,
        ecsMetadataBaseURL: String = "http://100.100.100.200",
        files: CredentialFiles = .live,
        refresh: RefreshSettings = RefreshSettings(),
        fallbacks: [any CredentialProvider] = []
    ) {
        self.init(
            environment: environment, clients: httpClient.map { .fixed($0) }, stsEndpoint: stsEndpoint,
            ecsMetadataBaseURL: ecsMetadataBaseURL, files: files, refresh: refresh, fallbacks: fallbacks
        )
    }

    public func credentials() async throws -> Credentials {
        if let chosen { return try await providers[chosen].provider.credentials() }
        if providers.count == 1, let only = providers.first, only.name == "environment" {
            return try await only.provider.credentials()
        }
        var failures: [String] = []
        for (index, entry) in providers.enumerated() {
            do {
                let credentials = try await entry.provider.credentials()
                chosen = index
                return credentials
            } catch let error as CredentialFileError {
                throw error
            } catch {
                failures.append("\(entry.name): \(error)")
            }
        }
        if failures.isEmpty { throw CredentialsError.missing }
        throw CredentialsError(CredentialsError.missing.message + " (Tried " + failures.joined(separator: "; ") + ".)")
    }
}
