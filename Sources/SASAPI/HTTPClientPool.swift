import AsyncHTTPClient
import Synchronization

/// HTTP clients shared by proxy route: one client per distinct proxy (or one for direct
/// connections), built by `factory` on first use and shut down together, once.
///
/// The route is decided per endpoint (`ProxySelection`: the scheme's `HTTPS_PROXY` or
/// `HTTP_PROXY`, unless `NO_PROXY` exempts the host), so two endpoints that share a
/// route share a client and its connection pool.
public final class HTTPClientPool: Sendable {
    private let factory: SASHTTPClientFactory
    private let clients = Mutex<[HTTPClient.Configuration.Proxy?: HTTPClient]>([:])

    public init(factory: SASHTTPClientFactory) {
        self.factory = factory
    }

    /// The client for `endpoint`'s proxy route, created on first use.
    public func client(for endpoint: Endpoint) -> HTTPClient {
        let configuration = factory.configuration(for: endpoint)
        return clients.withLock { clients in
            if let existing = clients[configuration.proxy] { return existing }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[configuration.proxy] = client
            return client
        }
    }

    /// How many clients (routes) exist so far.
    public var count: Int { clients.withLock { $0.count } }

    /// Shuts every client down; call once, when nothing uses them any more.
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }
}
