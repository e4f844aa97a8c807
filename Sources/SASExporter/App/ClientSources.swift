import AsyncHTTPClient
import Logging
import SASAPI
import SASSigning
import Synchronization

/// Builds the signed client of each account, sharing HTTP clients: one per proxy route
/// (direct, or through `HTTPS_PROXY`/`HTTP_PROXY`), created on first use and shut down
/// once when the exporter stops.
public final class ClientSources: Sendable {
    private let factory: SASHTTPClientFactory
    private let environment: [String: String]
    private let logger: Logger
    private let clients = Mutex<[String: HTTPClient]>([:])
    /// Overrides for the STS and ECS metadata hosts of the credential chain (tests, demo).
    private let stsEndpoint: String?
    private let ecsMetadataBaseURL: String

    public init(environment: [String: String], logger: Logger, stsEndpoint: String? = nil, ecsMetadataBaseURL: String? = nil) {
        self.environment = environment
        self.factory = SASHTTPClientFactory(environment: environment)
        self.logger = logger
        self.stsEndpoint = stsEndpoint ?? environment["SAS_EXPORTER_STS_ENDPOINT"]
        self.ecsMetadataBaseURL = ecsMetadataBaseURL ?? environment["SAS_EXPORTER_ECS_METADATA_URL"] ?? "http://100.100.100.200"
    }

    /// The `PollerSupervisor.SourceFactory` of production: the account's signed client,
    /// reporting its calls to `calls`.
    public func makeSource(account: AccountConfiguration, calls: APICallMetrics) throws -> any PollSource {
        let http = httpClient(for: account.endpoint)
        let credentials: any CredentialProvider = account.credentials.map { StaticCredentialProvider($0) }
            ?? DefaultCredentialChain(
                environment: environment, httpClient: http, stsEndpoint: stsEndpoint, ecsMetadataBaseURL: ecsMetadataBaseURL
            )
        let client = SASClient(
            configuration: account.clientConfiguration(userAgent: "sas-exporter/\(BuildFacts.version)"),
            credentials: credentials, httpClient: http, logger: logger, observer: calls
        )
        return ClientPollSource(
            client: client, pageSize: account.pageSize, lang: account.lang, idBatchSize: max(account.taskBatchSize, 100)
        )
    }

    private func httpClient(for endpoint: Endpoint) -> HTTPClient {
        let configuration = factory.configuration(for: endpoint)
        let key = configuration.proxy.map { "\($0.host):\($0.port)" } ?? "direct"
        return clients.withLock { clients in
            if let existing = clients[key] { return existing }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// Shuts every HTTP client down; call once, after the pollers stopped.
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }
}
