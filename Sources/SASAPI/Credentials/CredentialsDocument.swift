import Foundation
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
