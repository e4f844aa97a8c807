import AsyncHTTPClient
import NIOCore

/// Builds the `HTTPClient`s of the exporter: the configured connect and read timeouts, no
/// redirects, and the proxy the environment names for the endpoint. Create one client per
/// distinct (endpoint, timeouts) once at start, and shut each down once.
public struct SASHTTPClientFactory: Sendable {
    public var environment: [String: String]
    public var connectTimeout: Duration
    public var readTimeout: Duration

    public init(
        environment: [String: String], connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(10)
    ) {
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// The client configuration for an endpoint.
    public func configuration(for endpoint: Endpoint) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout), read: TimeAmount(readTimeout)),
            proxy: ProxySelection.proxy(for: endpoint, environment: environment)
        )
        // No tracer is ever bootstrapped: without this, every request still opens a span
        // with the no-op tracer (a few percent of a poll's CPU).
        configuration.tracing.tracer = nil
        return configuration
    }

    /// A new client for an endpoint, on the shared event loop group; the caller shuts it down.
    public func makeClient(for endpoint: Endpoint) -> HTTPClient {
        HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(for: endpoint))
    }
}
