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
    ///   - base: the identity that assumes the role (read at each refresh): an AccessKey,
    ///     STS credentials, or a chain.
    ///   - stsEndpoint: a base URL (`https://sts.aliyuncs.com`, see `STSEndpoint.resolve`);
    ///     a loopback server in tests.
    ///   - clients: chosen per URL (STS's own proxy route).
    ///   - timeout: for the whole STS call; the answer is capped at 64 KiB.
    public init(
        base: any CredentialProvider, roleArn: String, sessionName: String = "sas-exporter",
        durationSeconds: Int = 3600,
        policy: String? = nil, externalId: String? = nil, stsEndpoint: String = STSEndpoint.global,
        clients: CredentialHTTPClients, timeout: Duration = .seconds(10),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        nonce: @escaping @Sendable () -> String = SASClientEnvironment.randomNonce
    ) {
        self.base = base
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.policy = policy.flatMap { $0.isEmpty ? nil : $0 }
        self.externalId = externalId.flatMap { $0.isEmpty ? nil : $0 }
        self.stsEndpoint = STSEndpoint.baseURL(stsEndpoint)
        self.http = CredentialHTTP(clients: clients, timeout: timeout, maxBytes: 64 * 1024)
        self.epochSeconds = epochSeconds
        self.nonce = nonce
    }

    /// One client for the call, whatever its proxy settings.
    public init(
        base: any CredentialProvider, roleArn: String, sessionName: String = "sas-exporter",
        durationSeconds: Int = 3600,
        policy: String? = nil, externalId: String? = nil, stsEndpoint: String = STSEndpoint.global,
        httpClient: HTTPClient, timeout: Duration = .seconds(10),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        nonce: @escaping @Sendable () -> String = SASClientEnvironment.randomNonce
    ) {
        self.init(
            base: base, roleArn: roleArn, sessionName: sessionName, durationSeconds: durationSeconds, policy: policy,
            externalId: externalId, stsEndpoint: stsEndpoint, clients: .fixed(httpClient), timeout: timeout,
            epochSeconds: epochSeconds, nonce: nonce
        )
    }

    /// The STS endpoint the official SDKs pick: `https://sts.aliyuncs.com`, or
    /// `https://sts.<region>.aliyuncs.com` (`sts-vpc.` with `vpc`) when a region is given.
    public static func stsEndpoint(region: String?, vpc: Bool = false) -> String {
        STSEndpoint.regional(region, vpc: vpc)
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
        parameters.append(
            QueryParameter("Signature", RPCSigner.signature(stringToSign: toSign, secret: credentials.accessKeySecret)))
        return parameters
    }

    public func fetch() async throws -> TemporaryCredentials {
        let call = "STS AssumeRole"
        let credentials: Credentials
        do {
            credentials = try await base.credentials()
        } catch {
            throw CredentialsError("\(call) of \(roleArn) has no identity to sign with: \(error)")
        }
        let url = stsEndpoint + "/?" + QueryString.wire(signedQuery(credentials: credentials))
        let (status, body) = try await http.send(url, source: call)
        return try STSAnswer.temporaryCredentials(status: status, body: body, call: call, roleArn: roleArn)
    }
}
