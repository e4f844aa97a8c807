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
    private let clientEnvironment: SASClientEnvironment

    /// - Parameters:
    ///   - clock: the exporter's clock; the clients' rate limits and retry waits run on
    ///     it (request signatures carry the system's real time, which the server checks).
    ///   - stsEndpoint, ecsMetadataBaseURL: overrides for the STS and ECS metadata hosts of
    ///     the credential chain (tests, demo); default `SAS_EXPORTER_STS_ENDPOINT` and
    ///     `SAS_EXPORTER_ECS_METADATA_URL`.
    public init(
        environment: [String: String], logger: Logger, clock: ExporterClock = .system, stsEndpoint: String? = nil,
        ecsMetadataBaseURL: String? = nil
    ) {
        self.logger = logger
        self.clientEnvironment = SASClientEnvironment(
            now: clock.now, sleep: { try await clock.sleep(clock.now().advanced(by: $0)) }
        )
        self.pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: environment))
        self.credentials = CredentialProviderFactory(
            environment: environment, clients: .perURL(pool),
            stsEndpointOverride: stsEndpoint ?? environment["SAS_EXPORTER_STS_ENDPOINT"],
            ecsMetadataBaseURL: ecsMetadataBaseURL ?? environment["SAS_EXPORTER_ECS_METADATA_URL"]
                ?? "http://100.100.100.200"
        )
    }

    /// The `PollerSupervisor.SourceFactory` of production: the account's signed client,
    /// reporting its calls to `calls`.
    public func makeSource(account: AccountConfiguration, calls: APICallMetrics) throws -> any PollSource {
        let transport: APITransport
        do {
            transport = try pool.transport(for: account.endpoint)
        } catch {
            throw ConfigError(
                file: "", keyPath: "account \(account.name) endpoint",
                message: "cannot set up TLS for \(account.endpoint): \(error)")
        }
        let provider: any CredentialProvider
        let ownKey: (any CredentialProvider)? = account.credentials.map { StaticCredentialProvider($0) }
        do throws(RoleAssumptionError) {
            provider = try credentials.provider(base: ownKey, role: account.role, accountRegion: account.region)
        } catch {
            throw ConfigError(
                file: "", keyPath: "account \(account.name) credentials.\(error.key)", message: error.message)
        }
        let client = SASClient(
            configuration: account.clientConfiguration(userAgent: "sas-exporter/\(BuildFacts.version)"),
            credentials: provider, transport: transport, logger: logger, observer: calls, environment: clientEnvironment
        )
        return ClientPollSource(
            client: client, pageSize: account.pageSize, lang: account.lang, idBatchSize: max(account.taskBatchSize, 100)
        )
    }

    /// Shuts every HTTP client down; call once, after the pollers stopped.
    public func shutdown() async {
        await pool.shutdown()
    }
}
