import AsyncHTTPClient
import Logging
import SASAPI
import SASSigning

/// Builds the signed client of each account, sharing HTTP clients: one per proxy route
/// (direct, or through `HTTPS_PROXY`/`HTTP_PROXY`), created on first use and shut down
/// once when the exporter stops. Credential calls take the route of their own URL, and
/// accounts without their own key share one default credential chain.
public final class ClientSources: Sendable {
    private let logger: Logger
    private let pool: HTTPClientPool
    private let credentials: CredentialProviderFactory

    /// - Parameters:
    ///   - stsEndpoint, ecsMetadataBaseURL: overrides for the STS and ECS metadata hosts of
    ///     the credential chain (tests, demo); default `SAS_EXPORTER_STS_ENDPOINT` and
    ///     `SAS_EXPORTER_ECS_METADATA_URL`.
    public init(environment: [String: String], logger: Logger, stsEndpoint: String? = nil, ecsMetadataBaseURL: String? = nil) {
        self.logger = logger
        self.pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: environment))
        self.credentials = CredentialProviderFactory(
            environment: environment, clients: .perURL(pool),
            stsEndpointOverride: stsEndpoint ?? environment["SAS_EXPORTER_STS_ENDPOINT"],
            ecsMetadataBaseURL: ecsMetadataBaseURL ?? environment["SAS_EXPORTER_ECS_METADATA_URL"] ?? "http://100.100.100.200"
        )
    }

    /// The `PollerSupervisor.SourceFactory` of production.
    public func makeSource(account: AccountConfiguration, recorder: APICallRecorder) throws -> any PollSource {
        let endpoint: Endpoint
        if let text = account.endpoint {
            do {
                endpoint = try Endpoint(parsing: text)
            } catch {
                throw ConfigError(file: "", keyPath: "account \(account.name) endpoint", message: error.description)
            }
        } else if let region = account.region {
            endpoint = Endpoint.forRegion(region)
        } else {
            throw ConfigError(file: "", keyPath: "account \(account.name)", message: "needs `region` or `endpoint`")
        }
        let http = pool.client(for: endpoint)
        let provider: any CredentialProvider
        let ownKey: (any CredentialProvider)? = account.credentials.map { StaticCredentialProvider($0) }
        do throws(RoleAssumptionError) {
            provider = try credentials.provider(base: ownKey, role: account.role, accountRegion: account.region)
        } catch {
            throw ConfigError(file: "", keyPath: "account \(account.name) credentials.\(error.key)", message: error.message)
        }
        let configuration = SASClientConfiguration(
            endpoint: endpoint,
            signature: account.signature == .rpc ? .rpc : .v3,
            userAgent: "sas-exporter/\(BuildFacts.version)",
            maxConcurrentRequests: account.maxConcurrentRequests,
            requestsPerSecond: account.requestsPerSecond
        )
        let client = SASClient(
            configuration: configuration, credentials: provider, httpClient: http,
            logger: logger, observer: RecorderObserver(recorder: recorder)
        )
        return ClientPollSource(client: client, account: account)
    }

    /// Shuts every HTTP client down; call once, after the pollers stopped.
    public func shutdown() async {
        await pool.shutdown()
    }
}

/// Version facts of this build.
public enum BuildFacts {
    public static let version = "0.1.0"
    /// SwiftPM has no portable way to embed the git revision, so builds report "unknown".
    public static let revision = "unknown"
    public static var swiftVersion: String {
        #if swift(>=6.4)
        "6.4"
        #elseif swift(>=6.3)
        "6.3"
        #elseif swift(>=6.2)
        "6.2"
        #else
        "6"
        #endif
    }
}
