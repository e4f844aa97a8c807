import Crypto
import Foundation

/// The older RPC signature (SignatureVersion 1.0, HMAC-SHA1), parameters in the query.
public enum RPCSigner {
    public static let signatureMethod = "HMAC-SHA1"
    public static let signatureVersion = "1.0"

    /// `METHOD&%2F&` + encode(sorted `enc(name)=enc(value)` joined by `&`).
    public static func stringToSign(method: String, parameters: [QueryParameter]) -> String {
        let canonical =
            parameters
            .filter { $0.name != "Signature" }
            .sorted { $0.name == $1.name ? $0.value.precedesByBytes($1.value) : $0.name.precedesByBytes($1.name) }
            .map { "\(PercentEncoding.rfc3986($0.name))=\(PercentEncoding.rfc3986($0.value))" }
            .joined(separator: "&")
        return "\(method)&\(PercentEncoding.rfc3986("/"))&\(PercentEncoding.rfc3986(canonical))"
    }

    /// Base64 HMAC-SHA1 keyed with `secret&`.
    public static func signature(stringToSign: String, secret: Secret) -> String {
        let key = SymmetricKey(data: Array((secret.reveal() + "&").utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Builds the full signed query in the order the official SDK sends it:
    /// `Action, Format, Version, Timestamp, SignatureNonce`, the business parameters,
    /// `SecurityToken` (with STS), `SignatureMethod, SignatureVersion, AccessKeyId, Signature`.
    public static func sign(
        method: String = "POST",
        action: String,
        version: String,
        query: [QueryParameter],
        credentials: Credentials,
        timestamp: String,
        nonce: String
    ) -> SignedRPCRequest {
        var parameters = [
            QueryParameter("Action", action),
            QueryParameter("Format", "json"),
            QueryParameter("Version", version),
            QueryParameter("Timestamp", timestamp),
            QueryParameter("SignatureNonce", nonce),
        ]
        parameters += query
        if let token = credentials.securityToken {
            parameters.append(QueryParameter("SecurityToken", token.reveal()))
        }
        parameters += [
            QueryParameter("SignatureMethod", signatureMethod),
            QueryParameter("SignatureVersion", signatureVersion),
            QueryParameter("AccessKeyId", credentials.accessKeyId),
        ]
        let toSign = stringToSign(method: method, parameters: parameters)
        let signature = signature(stringToSign: toSign, secret: credentials.accessKeySecret)
        parameters.append(QueryParameter("Signature", signature))
        return SignedRPCRequest(parameters: parameters, stringToSign: toSign, signature: signature)
    }
}

/// The outcome of `RPCSigner.sign`.
public struct SignedRPCRequest: Sendable, CustomStringConvertible {
    /// Every query parameter, in wire order, ending with `Signature`.
    public let parameters: [QueryParameter]
    public let stringToSign: String
    public let signature: String

    /// The query as it goes on the wire (without `?`).
    public var wireQuery: String { QueryString.wire(parameters) }

    /// Never prints the security token.
    public var description: String {
        let shown = parameters.map {
            $0.name == "SecurityToken" ? "SecurityToken=<redacted>" : "\($0.name)=\($0.value)"
        }
        return "SignedRPCRequest(\(shown.joined(separator: "&")))"
    }
}
