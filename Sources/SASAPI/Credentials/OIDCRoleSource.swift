import AsyncHTTPClient
import Foundation
import SASModels
import SASSigning

/// The OIDC role flow of Kubernetes RRSA: `AssumeRoleWithOIDC`, an unsigned request to STS
/// with the token read again from its file at each refresh.
public struct OIDCRoleSource: TemporaryCredentialSource {
    public let name = "oidc_role_arn"
    let roleArn: String
    let providerArn: String
    let tokenFile: String
    let sessionName: String
    let stsEndpoint: String
    let durationSeconds: Int
    let http: CredentialHTTP
    let epochSeconds: @Sendable () -> Int64

    /// A token file larger than this is refused (a service account token is a few KiB).
    static let maxTokenBytes = 64 * 1024

    /// - Parameters:
    ///   - stsEndpoint: a base URL (`https://sts.aliyuncs.com`, see `STSEndpoint.resolve`);
    ///     a loopback server in tests.
    ///   - clients: chosen per URL (STS's own proxy route).
    ///   - timeout: for the whole STS call; the answer is capped at 64 KiB.
    public init(
        roleArn: String, providerArn: String, tokenFile: String, sessionName: String = "sas-exporter",
        stsEndpoint: String = "https://sts.aliyuncs.com", durationSeconds: Int = 3600, clients: CredentialHTTPClients,
        timeout: Duration = .seconds(10),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds
    ) {
        self.roleArn = roleArn
        self.providerArn = providerArn
        self.tokenFile = tokenFile
        self.sessionName = sessionName
        self.stsEndpoint = STSEndpoint.baseURL(stsEndpoint)
        self.durationSeconds = durationSeconds
        self.http = CredentialHTTP(clients: clients, timeout: timeout, maxBytes: 64 * 1024)
        self.epochSeconds = epochSeconds
    }

    /// One client for the call, whatever its proxy settings.
    public init(
        roleArn: String, providerArn: String, tokenFile: String, sessionName: String = "sas-exporter",
        stsEndpoint: String = "https://sts.aliyuncs.com", durationSeconds: Int = 3600, httpClient: HTTPClient,
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds
    ) {
        self.init(
            roleArn: roleArn, providerArn: providerArn, tokenFile: tokenFile, sessionName: sessionName,
            stsEndpoint: stsEndpoint,
            durationSeconds: durationSeconds, clients: .fixed(httpClient), epochSeconds: epochSeconds
        )
    }

    public func fetch() async throws -> TemporaryCredentials {
        let token = try Self.readToken(tokenFile)
        let parameters = [
            QueryParameter("Action", "AssumeRoleWithOIDC"), QueryParameter("Format", "JSON"),
            QueryParameter("Version", "2015-04-01"), QueryParameter("DurationSeconds", String(durationSeconds)),
            QueryParameter("RoleArn", roleArn), QueryParameter("OIDCProviderArn", providerArn),
            QueryParameter("OIDCToken", token), QueryParameter("RoleSessionName", sessionName),
            QueryParameter("Timestamp", ACSTimestamp.format(epochSeconds: epochSeconds())),
        ]
        let call = "STS AssumeRoleWithOIDC"
        let (status, body) = try await http.send(stsEndpoint + "/?" + QueryString.wire(parameters), source: call)
        return try STSAnswer.temporaryCredentials(status: status, body: body, call: call, roleArn: roleArn)
    }

    /// The token, trimmed; an error naming the file (never its content) when it cannot be
    /// read, is empty or is too large.
    static func readToken(_ path: String) throws(CredentialsError) -> String {
        let problem = CredentialsError("cannot read the OIDC token file ALIBABA_CLOUD_OIDC_TOKEN_FILE=\(path)")
        guard let handle = FileHandle(forReadingAtPath: path) else { throw problem }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxTokenBytes + 1) else { throw problem }
        guard data.count <= maxTokenBytes else {
            throw CredentialsError(
                "the OIDC token file ALIBABA_CLOUD_OIDC_TOKEN_FILE=\(path) is larger than \(maxTokenBytes) bytes")
        }
        let token = String(decoding: data, as: UTF8.self).trimming([" ", "\t", "\r", "\n", "\r\n"])
        guard !token.isEmpty else {
            throw CredentialsError("the OIDC token file ALIBABA_CLOUD_OIDC_TOKEN_FILE=\(path) is empty")
        }
        return String(token)
    }
}
