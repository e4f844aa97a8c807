import AsyncHTTPClient
import Foundation
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

    /// - Parameter stsEndpoint: `https://sts.aliyuncs.com` (or `sts.<region>.aliyuncs.com`);
    ///   overridable for tests.
    public init(
        roleArn: String, providerArn: String, tokenFile: String, sessionName: String = "sas-exporter",
        stsEndpoint: String = "https://sts.aliyuncs.com", durationSeconds: Int = 3600, httpClient: HTTPClient,
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds
    ) {
        self.roleArn = roleArn
        self.providerArn = providerArn
        self.tokenFile = tokenFile
        self.sessionName = sessionName
        self.stsEndpoint = stsEndpoint.hasSuffix("/") ? String(stsEndpoint.dropLast()) : stsEndpoint
        self.durationSeconds = durationSeconds
        self.http = CredentialHTTP(client: httpClient)
        self.epochSeconds = epochSeconds
    }

    struct Response: Decodable {
        var credentials: CredentialsDocument?
        var code: String?
        enum CodingKeys: String, CodingKey { case credentials = "Credentials", code = "Code" }
    }

    public func fetch() async throws -> TemporaryCredentials {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw CredentialsError("cannot read the OIDC token file ALIBABA_CLOUD_OIDC_TOKEN_FILE=\(tokenFile)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmed(of: [" ", "\t", "\r", "\n", "\r\n"])
        let parameters = [
            QueryParameter("Action", "AssumeRoleWithOIDC"), QueryParameter("Format", "JSON"),
            QueryParameter("Version", "2015-04-01"), QueryParameter("DurationSeconds", String(durationSeconds)),
            QueryParameter("RoleArn", roleArn), QueryParameter("OIDCProviderArn", providerArn),
            QueryParameter("OIDCToken", String(token)), QueryParameter("RoleSessionName", sessionName),
            QueryParameter("Timestamp", ACSTimestamp.format(epochSeconds: epochSeconds())),
        ]
        let source = "STS AssumeRoleWithOIDC"
        let (status, body) = try await http.send(stsEndpoint + "/?" + QueryString.wire(parameters), source: source)
        let response = try? JSONDecoder().decode(Response.self, from: body)
        guard (200...299).contains(status), let document = response?.credentials else {
            throw CredentialsError("\(source) failed with HTTP \(status)\(response?.code.map { " \($0)" } ?? "")")
        }
        return try document.temporaryCredentials(source: source)
    }
}
