import AsyncHTTPClient
import Foundation
import SASSigning

/// `ram_role_arn`: an AccessKey (optionally with an STS token) assumes a RAM role with STS
/// `AssumeRole`, an RPC (SignatureVersion 1.0, HMAC-SHA1) signed `GET`, built as the
/// official SDKs build it: `Action, Format=JSON, Version=2015-04-01, DurationSeconds,
/// RoleArn, RoleSessionName, [Policy], [ExternalId], SignatureMethod, SignatureVersion,
/// Timestamp, SignatureNonce, AccessKeyId, [SecurityToken], Signature`.
public struct AssumeRoleSource: TemporaryCredentialSource {
    public let name = "ram_role_arn"
    /// The credentials that sign the call (read at each refresh).
    let base: any CredentialProvider
    let roleArn: String
    let sessionName: String
    let durationSeconds: Int
    let policy: String?
    let externalId: String?
    let stsEndpoint: String
    let http: CredentialHTTP
    let epochSeconds: @Sendable () -> Int64
    let nonce: @Sendable () -> String

    /// - Parameters:
    ///   - base: the AccessKey that assumes the role.
    ///   - stsEndpoint: `https://sts.aliyuncs.com` (see `AssumeRoleSource.stsEndpoint`);
    ///     a loopback server in tests.
    ///   - timeout: for the whole STS call; the answer is capped at 64 KiB.
    public init(
        base: any CredentialProvider, roleArn: String, sessionName: String = "sas-exporter", durationSeconds: Int = 3600,
        policy: String? = nil, externalId: String? = nil, stsEndpoint: String = "https://sts.aliyuncs.com",
        httpClient: HTTPClient, timeout: Duration = .seconds(10),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        nonce: @escaping @Sendable () -> String = SASClientEnvironment.randomNonce
    ) {
        self.base = base
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.policy = policy.flatMap { $0.isEmpty ? nil : $0 }
        self.externalId = externalId.flatMap { $0.isEmpty ? nil : $0 }
        self.stsEndpoint = stsEndpoint.hasSuffix("/") ? String(stsEndpoint.dropLast()) : stsEndpoint
        self.http = CredentialHTTP(client: httpClient, timeout: timeout, maxBytes: 64 * 1024)
        self.epochSeconds = epochSeconds
        self.nonce = nonce
    }

    /// The STS endpoint the official SDKs pick: `https://sts.aliyuncs.com`, or
    /// `https://sts.<region>.aliyuncs.com` (`sts-vpc.` with `vpc`) when a region is given.
    public static func stsEndpoint(region: String?, vpc: Bool = false) -> String {
        guard let region, !region.isEmpty else { return "https://sts.aliyuncs.com" }
        return "https://\(vpc ? "sts-vpc" : "sts").\(region).aliyuncs.com"
    }

    /// The signed query (without `?`) for `credentials`; exposed to tests.
    func signedQuery(credentials: Credentials) -> [QueryParameter] {
        var parameters = [
            QueryParameter("Action", "AssumeRole"), QueryParameter("Format", "JSON"),
            QueryParameter("Version", "2015-04-01"), QueryParameter("DurationSeconds", String(durationSeconds)),
            QueryParameter("RoleArn", roleArn), QueryParameter("RoleSessionName", sessionName),
        ]
        if let policy { parameters.append(QueryParameter("Policy", policy)) }
        if let externalId { parameters.append(QueryParameter("ExternalId", externalId)) }
        parameters += [
            QueryParameter("SignatureMethod", RPCSigner.signatureMethod),
            QueryParameter("SignatureVersion", RPCSigner.signatureVersion),
            QueryParameter("Timestamp", ACSTimestamp.format(epochSeconds: epochSeconds())),
            QueryParameter("SignatureNonce", nonce()),
            QueryParameter("AccessKeyId", credentials.accessKeyId),
        ]
        if let token = credentials.securityToken, !token.isEmpty {
            parameters.append(QueryParameter("SecurityToken", token.reveal()))
        }
        let toSign = RPCSigner.stringToSign(method: "GET", parameters: parameters)
        parameters.append(QueryParameter("Signature", RPCSigner.signature(stringToSign: toSign, secret: credentials.accessKeySecret)))
        return parameters
    }

    public func fetch() async throws -> TemporaryCredentials {
        let source = "STS AssumeRole"
        let credentials: Credentials
        do {
            credentials = try await base.credentials()
        } catch {
            throw CredentialsError("\(source) has no AccessKey to sign with: \(error)")
        }
        let url = stsEndpoint + "/?" + QueryString.wire(signedQuery(credentials: credentials))
        let (status, body) = try await http.send(url, source: source)
        let response = try? JSONDecoder().decode(OIDCRoleSource.Response.self, from: body)
        guard (200...299).contains(status), let document = response?.credentials else {
            throw CredentialsError("\(source) of \(roleArn) failed with HTTP \(status)\(response?.code.map { " \($0)" } ?? "")")
        }
        return try document.temporaryCredentials(source: source)
    }
}
