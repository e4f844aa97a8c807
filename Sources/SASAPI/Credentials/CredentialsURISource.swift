import AsyncHTTPClient

/// `ALIBABA_CLOUD_CREDENTIALS_URI`: a GET that returns the metadata service's JSON.
public struct CredentialsURISource: TemporaryCredentialSource {
    public let name = "credentials_uri"
    let uri: String
    let http: CredentialHTTP

    /// - Parameters:
    ///   - clients: chosen per URL (the URI's own proxy route).
    ///   - timeout: for the whole call; the answer is capped at 64 KiB.
    public init(uri: String, clients: CredentialHTTPClients, timeout: Duration = .seconds(5)) {
        self.uri = uri
        self.http = CredentialHTTP(clients: clients, timeout: timeout, maxBytes: 64 * 1024)
    }

    /// One client for the call, whatever its proxy settings.
    public init(uri: String, httpClient: HTTPClient, timeout: Duration = .seconds(5)) {
        self.init(uri: uri, clients: .fixed(httpClient), timeout: timeout)
    }

    public func fetch() async throws -> TemporaryCredentials {
        try await http.document(uri, source: "ALIBABA_CLOUD_CREDENTIALS_URI")
    }
}
