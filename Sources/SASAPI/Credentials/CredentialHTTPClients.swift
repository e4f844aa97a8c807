import AsyncHTTPClient

/// The HTTP clients that credential calls (STS, the ECS metadata service at
/// `100.100.100.200`, `ALIBABA_CLOUD_CREDENTIALS_URI`) go out on, chosen per URL.
///
/// With `perURL(_:)` each call takes the proxy route of its own URL: the scheme's
/// `HTTPS_PROXY`/`HTTP_PROXY`, unless `NO_PROXY` exempts its host (`ProxySelection`),
/// never the proxy of the API client that happens to use the credentials.
public struct CredentialHTTPClients: Sendable {
    private let choose: @Sendable (Endpoint) -> HTTPClient

    private init(choose: @escaping @Sendable (Endpoint) -> HTTPClient) {
        self.choose = choose
    }

    /// One client for every URL, whatever the environment says about proxies (tests, or
    /// a caller that routes credential calls itself).
    public static func fixed(_ client: HTTPClient) -> CredentialHTTPClients {
        CredentialHTTPClients { _ in client }
    }

    /// The client of each URL's proxy route, from `pool`.
    public static func perURL(_ pool: HTTPClientPool) -> CredentialHTTPClients {
        CredentialHTTPClients { pool.client(for: $0) }
    }

    /// The client for `url` (`scheme://host[:port][/path][?query]`).
    func client(for url: String, source: String) throws(CredentialsError) -> HTTPClient {
        guard let endpoint = Self.endpoint(of: url) else {
            throw CredentialsError("\(source): the URL is not a valid http(s) URL")
        }
        return choose(endpoint)
    }

    /// The scheme, host and port of a URL; nil unless it is `http` or `https`.
    static func endpoint(of url: String) -> Endpoint? {
        guard let range = url.firstRange(of: "://") else { return nil }
        let rest = url[range.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty else { return nil }
        return try? Endpoint(parsing: String(url[..<range.upperBound]) + authority)
    }
}
