import AsyncHTTPClient
import Foundation
import SASSigning

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
