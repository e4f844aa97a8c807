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
        let http = httpClient(for: endpoint)
        let credentials: any CredentialProvider = account.credentials.map { StaticCredentialProvider($0) }
            ?? DefaultCredentialChain(
                environment: environment, httpClient: http, stsEndpoint: stsEndpoint, ecsMetadataBaseURL: ecsMetadataBaseURL
            )
        let configuration = SASClientConfiguration(
            endpoint: endpoint,
            signature: account.signature == .rpc ? .rpc : .v3,
            userAgent: "sas-exporter/\(BuildFacts.version)",
            maxConcurrentRequests: account.maxConcurrentRequests,
            requestsPerSecond: account.requestsPerSecond
        )
        let client = SASClient(
            configuration: configuration, credentials: credentials, httpClient: http,
            logger: logger, observer: RecorderObserver(recorder: recorder)
        )
        return ClientPollSource(client: client, account: account)
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
