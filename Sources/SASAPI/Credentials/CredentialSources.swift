import AsyncHTTPClient
import Foundation
import NIOCore
import SASSigning

/// The JSON the ECS metadata service and a credentials URI return.
struct CredentialsDocument: Decodable {
    var code: String?
    var accessKeyId: String?
    var accessKeySecret: String?
    var securityToken: String?
    var expiration: String?

    enum CodingKeys: String, CodingKey {
        case code = "Code", accessKeyId = "AccessKeyId", accessKeySecret = "AccessKeySecret"
        case securityToken = "SecurityToken", expiration = "Expiration"
    }

    func temporaryCredentials(source: String) throws -> TemporaryCredentials {
        if let code, code != "Success" { throw CredentialsError("\(source) answered Code \(code)") }
        guard let accessKeyId, !accessKeyId.isEmpty, let accessKeySecret, !accessKeySecret.isEmpty else {
            throw CredentialsError("\(source) returned no AccessKeyId/AccessKeySecret")
        }
        return TemporaryCredentials(
            credentials: Credentials(
                accessKeyId: accessKeyId, accessKeySecret: Secret(accessKeySecret),
                securityToken: securityToken.flatMap { $0.isEmpty ? nil : Secret($0) }
            ),
            expiration: expiration.flatMap { ACSTimestamp.parse($0) }
        )
    }
}

/// Small HTTP helper for credential sources: one request, a deadline, a capped body.
struct CredentialHTTP: Sendable {
    let client: HTTPClient
    var timeout: Duration = .seconds(5)
    var maxBytes = 1024 * 1024

    func send(_ url: String, put: Bool = false, headers: [(String, String)] = [], source: String) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = put ? .PUT : .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await client.execute(request, timeout: timeout.timeAmount)
            let body = try await response.body.collect(upTo: maxBytes)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw CredentialsError("\(source) request failed (\(SASClient.classify(error, action: source).metricCode))")
        }
    }

    func document(_ url: String, headers: [(String, String)] = [], source: String) async throws -> TemporaryCredentials {
        let (status, body) = try await send(url, headers: headers, source: source)
        guard (200...299).contains(status) else { throw CredentialsError("\(source) answered HTTP \(status)") }
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: body) else {
            throw CredentialsError("\(source) returned a body that is not a credentials document")
        }
        return try document.temporaryCredentials(source: source)
    }
}

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

/// The ECS RAM role from the instance metadata service (IMDSv2 token first, v1 if the
/// token cannot be had).
public struct ECSMetadataSource: TemporaryCredentialSource {
    public let name = "ecs_ram_role"
    let baseURL: String
    let roleName: String?
    let http: CredentialHTTP

    /// - Parameters:
    ///   - baseURL: `http://100.100.100.200` in production; a loopback server in tests.
    ///   - roleName: `ALIBABA_CLOUD_ECS_METADATA`; discovered when nil.
    public init(baseURL: String = "http://100.100.100.200", roleName: String? = nil, httpClient: HTTPClient, timeout: Duration = .seconds(1)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.roleName = roleName.flatMap { $0.isEmpty ? nil : $0 }
        self.http = CredentialHTTP(client: httpClient, timeout: timeout)
    }

    public func fetch() async throws -> TemporaryCredentials {
        let source = "the ECS metadata service"
        var headers: [(String, String)] = []
        if let reply = try? await http.send(
            baseURL + "/latest/api/token", put: true,
            headers: [("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")], source: source
        ), (200...299).contains(reply.status), let token = String(data: reply.body, encoding: .utf8), !token.isEmpty {
            headers.append(("X-aliyun-ecs-metadata-token", token))
        }
        let prefix = baseURL + "/latest/meta-data/ram/security-credentials/"
        var role = roleName
        if role == nil {
            let (status, body) = try await http.send(prefix, headers: headers, source: source)
            guard (200...299).contains(status) else { throw CredentialsError("\(source) answered HTTP \(status) for the role name") }
            role = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
        }
        guard let role, !role.isEmpty else { throw CredentialsError("\(source) has no RAM role attached") }
        return try await http.document(prefix + PercentEncoding.rfc3986(role), headers: headers, source: source)
    }
}

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
