import AsyncHTTPClient

/// `ALIBABA_CLOUD_CREDENTIALS_URI`: a GET that returns the metadata service's JSON.
public struct CredentialsURISource: TemporaryCredentialSource {
    public let name = "credentials_uri"
    let uri: String
    let http: CredentialHTTP

    public init(uri: String, httpClient: HTTPClient, timeout: Duration = .seconds(5)) {
        self.uri = uri
        self.http = CredentialHTTP(client: httpClient, timeout: timeout)
    }

    public func fetch() async throws -> TemporaryCredentials {
        try await http.document(uri, source: "ALIBABA_CLOUD_CREDENTIALS_URI")
    }
}
