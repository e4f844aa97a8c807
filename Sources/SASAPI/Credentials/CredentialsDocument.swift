import Foundation
import SASSigning

/// The JSON the ECS metadata service and a credentials URI return, and the `Credentials`
/// object of an STS answer: `AccessKeyId, AccessKeySecret, SecurityToken, Expiration`
/// (plus `Code` from the metadata service and a credentials URI).
struct CredentialsDocument: Decodable {
    var code: String?
    var accessKeyId: String?
    var accessKeySecret: String?
    var securityToken: String?
    var expiration: String?

    enum CodingKeys: String, CodingKey {
        case code = "Code"
        case accessKeyId = "AccessKeyId"
        case accessKeySecret = "AccessKeySecret"
        case securityToken = "SecurityToken"
        case expiration = "Expiration"
    }

    /// The temporary credentials, refused unless complete. Like the official SDKs
    /// (alibabacloud-credentials 1.0.12 and credentials-go refuse an answer without
    /// `SecurityToken` and parse `Expiration` as `yyyy-MM-ddTHH:mm:ssZ`), an answer
    /// without a token or a readable expiry is an error: it is never cached as if it
    /// lasted for ever. Errors name the missing field, never a value.
    func temporaryCredentials(source: String) throws(CredentialsError) -> TemporaryCredentials {
        if let code, code != "Success" { throw CredentialsError("\(source) answered Code \(code)") }
        guard let accessKeyId, !accessKeyId.isEmpty, let accessKeySecret, !accessKeySecret.isEmpty else {
            throw CredentialsError("\(source) returned no AccessKeyId/AccessKeySecret")
        }
        guard let securityToken, !securityToken.isEmpty else {
            throw CredentialsError("\(source) returned temporary credentials without a SecurityToken")
        }
        guard let expiration, !expiration.isEmpty else {
            throw CredentialsError("\(source) returned temporary credentials without an Expiration")
        }
        guard let expiry = ACSTimestamp.parse(expiration) else {
            throw CredentialsError("\(source) returned an Expiration that is not yyyy-MM-ddTHH:mm:ssZ")
        }
        return TemporaryCredentials(
            credentials: Credentials(
                accessKeyId: accessKeyId, accessKeySecret: Secret(accessKeySecret), securityToken: Secret(securityToken)
            ),
            expiration: expiry
        )
    }
}

/// An STS answer (`AssumeRole`, `AssumeRoleWithOIDC`): `Credentials` on success, `Code` on
/// error.
struct STSAnswer: Decodable {
    var credentials: CredentialsDocument?
    var code: String?

    enum CodingKeys: String, CodingKey {
        case credentials = "Credentials"
        case code = "Code"
    }

    /// The credentials of a 2xx answer; otherwise an error naming the call, the role, the
    /// HTTP status and STS's error code.
    static func temporaryCredentials(status: Int, body: Data, call: String, roleArn: String) throws(CredentialsError)
        -> TemporaryCredentials
    {
        let answer = try? JSONDecoder().decode(STSAnswer.self, from: body)
        guard (200...299).contains(status), let document = answer?.credentials else {
            throw CredentialsError(
                "\(call) of \(roleArn) failed with HTTP \(status)\(answer?.code.map { " \($0)" } ?? "")")
        }
        return try document.temporaryCredentials(source: call)
    }
}
