import AsyncHTTPClient
import Synchronization

/// HTTP clients shared by proxy route: one client per distinct proxy (or one for direct
/// connections), built by `factory` on first use and shut down together, once; and the
/// API clients' direct transports, one per endpoint (`transport(for:)`).
///
/// The route is decided per endpoint (`ProxySelection`: the scheme's `HTTPS_PROXY` or
/// `HTTP_PROXY`, unless `NO_PROXY` exempts the host), so two endpoints that share a
/// route share a client and its connection pool.
public final class HTTPClientPool: Sendable {
    private let factory: SASHTTPClientFactory
    private let clients = Mutex<[HTTPClient.Configuration.Proxy?: HTTPClient]>([:])
    private let direct = Mutex<[Endpoint: DirectHTTPClient]>([:])

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

    /// The transport of the API client of `endpoint`: its own keep-alive connections when
    /// the endpoint is reached directly (one `DirectHTTPClient` per endpoint, shared by
    /// the accounts that use it), async-http-client through the proxy otherwise.
    public func transport(for endpoint: Endpoint) throws -> APITransport {
        let configuration = factory.configuration(for: endpoint)
        guard configuration.proxy == nil else { return .asyncHTTPClient(client(for: endpoint)) }
        return .direct(
            try direct.withLock { clients in
                if let existing = clients[endpoint] { return existing }
                let client = try DirectHTTPClient(
                    endpoint: endpoint, connectTimeout: factory.connectTimeout, readTimeout: factory.readTimeout)
                clients[endpoint] = client
                return client
            })
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
        for client in direct.withLock({ clients in
            defer { clients = [:] }
            return Array(clients.values)
        }) {
            client.shutdown()
        }
    }
}
