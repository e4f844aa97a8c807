import AsyncHTTPClient
import Foundation
import SASSigning

/// The ECS RAM role from the instance metadata service, as credentials-go and
/// alibabacloud-credentials fetch it:
///
/// - `PUT /latest/api/token` (`X-aliyun-ecs-metadata-token-ttl-seconds: 21600`) asks for
///   an IMDSv2 token, sent with every later request as `X-aliyun-ecs-metadata-token`.
/// - When IMDSv1 is allowed (the default) a failed token request means going on without a
///   token, and a request that fails with the token is tried once more without it.
/// - With `imdsV1Disabled` (`ALIBABA_CLOUD_IMDSV1_DISABLED=true`) a failed token request
///   is an error and nothing is ever asked without a token.
public struct ECSMetadataSource: TemporaryCredentialSource {
    public let name = "ecs_ram_role"
    let baseURL: String
    let roleName: String?
    let imdsV1Disabled: Bool
    let http: CredentialHTTP
    private let source = "the ECS metadata service"

    /// - Parameters:
    ///   - baseURL: `http://100.100.100.200` in production; a loopback server in tests.
    ///   - roleName: `ALIBABA_CLOUD_ECS_METADATA`; discovered when nil.
    ///   - imdsV1Disabled: `ALIBABA_CLOUD_IMDSV1_DISABLED=true`: IMDSv2 only.
    ///   - clients: chosen per URL (the metadata address's own proxy route).
    ///   - timeout: per request, as the SDKs' 1-second connect and read timeouts; answers
    ///     are capped at 64 KiB.
    public init(
        baseURL: String = "http://100.100.100.200", roleName: String? = nil, imdsV1Disabled: Bool = false,
        clients: CredentialHTTPClients, timeout: Duration = .seconds(1)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.roleName = roleName.flatMap { $0.isEmpty ? nil : $0 }
        self.imdsV1Disabled = imdsV1Disabled
        self.http = CredentialHTTP(clients: clients, timeout: timeout, maxBytes: 64 * 1024)
    }

    /// One client for every request, whatever its proxy settings.
    public init(
        baseURL: String = "http://100.100.100.200", roleName: String? = nil, imdsV1Disabled: Bool = false,
        httpClient: HTTPClient, timeout: Duration = .seconds(1)
    ) {
        self.init(
            baseURL: baseURL, roleName: roleName, imdsV1Disabled: imdsV1Disabled, clients: .fixed(httpClient),
            timeout: timeout)
    }

    public func fetch() async throws -> TemporaryCredentials {
        let token = try await metadataToken()
        let prefix = baseURL + "/latest/meta-data/ram/security-credentials/"
        var role = roleName
        if role == nil {
            let (status, body) = try await get(prefix, token: token)
            guard (200...299).contains(status) else {
                throw CredentialsError("\(source) answered HTTP \(status) for the role name")
            }
            role = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).first
                .map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        guard let role, !role.isEmpty else { throw CredentialsError("\(source) has no RAM role attached") }
        let (status, body) = try await get(prefix + PercentEncoding.rfc3986(role), token: token)
        guard (200...299).contains(status) else {
            throw CredentialsError("\(source) answered HTTP \(status) for the role's credentials")
        }
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: body) else {
            throw CredentialsError("\(source) returned a body that is not a credentials document")
        }
        return try document.temporaryCredentials(source: source)
    }

    /// The IMDSv2 token; nil when it cannot be had and IMDSv1 is allowed.
    func metadataToken() async throws -> String? {
        let reply: (status: Int, body: Data)
        do {
            reply = try await http.send(
                baseURL + "/latest/api/token", put: true,
                headers: [("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")], source: source
            )
        } catch {
            if imdsV1Disabled {
                throw CredentialsError(
                    "\(error); ALIBABA_CLOUD_IMDSV1_DISABLED=true forbids going on without an IMDSv2 token")
            }
            return nil
        }
        let token = String(decoding: reply.body, as: UTF8.self)
        guard (200...299).contains(reply.status), !token.isEmpty else {
            if imdsV1Disabled {
                throw CredentialsError(
                    "\(source) answered HTTP \(reply.status) for an IMDSv2 token; "
                        + "ALIBABA_CLOUD_IMDSV1_DISABLED=true forbids going on without one"
                )
            }
            return nil
        }
        return token
    }

    /// A GET with the token; failed with a token and IMDSv1 allowed, once more without.
    private func get(_ url: String, token: String?) async throws -> (status: Int, body: Data) {
        let headers = token.map { [("X-aliyun-ecs-metadata-token", $0)] } ?? []
        do {
            let reply = try await http.send(url, headers: headers, source: source)
            if (200...299).contains(reply.status) || token == nil || imdsV1Disabled { return reply }
        } catch {
            if token == nil || imdsV1Disabled { throw error }
        }
        return try await http.send(url, source: source)
    }
}
