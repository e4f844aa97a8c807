import AsyncHTTPClient

/// How a `SASClient` sends its requests.
public enum APITransport: Sendable {
    /// Through async-http-client (proxied routes: it speaks HTTP CONNECT to proxies).
    case asyncHTTPClient(HTTPClient)
    /// Over the client's own keep-alive connections to the endpoint (direct routes).
    case direct(DirectHTTPClient)
}
