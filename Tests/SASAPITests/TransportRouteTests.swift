import Testing

@testable import SASAPI

/// The API client's transport follows the proxy route: an endpoint the environment sends
/// through a proxy keeps async-http-client (which speaks `CONNECT`); any other gets the
/// direct client, one per endpoint.
@Suite("Transport per route")
struct TransportRouteTests {
    static let api = Endpoint(host: "tds.cn-shanghai.aliyuncs.com")

    static func isDirect(_ transport: APITransport) -> Bool {
        if case .direct = transport { return true }
        return false
    }

    @Test(arguments: [
        ([:], true),
        (["HTTPS_PROXY": "http://proxy:3128"], false),
        (["https_proxy": "proxy:3128"], false),
        (["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "aliyuncs.com"], true),
        (["HTTP_PROXY": "http://proxy:3128"], true),
    ])
    func proxiedRoutesKeepAsyncHTTPClient(_ environment: [String: String], direct: Bool) async throws {
        let pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: environment))
        let transport = try pool.transport(for: Self.api)
        #expect(Self.isDirect(transport) == direct, "\(environment)")
        if case .direct(let client) = transport {
            #expect(client.endpoint == Self.api)
            guard case .direct(let again) = try pool.transport(for: Self.api) else {
                Issue.record("the same endpoint changed route")
                return
            }
            #expect(again === client, "one direct client per endpoint")
        }
        await pool.shutdown()
    }
}
