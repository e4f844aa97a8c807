import Crypto
import SASModels

/// ACS3-HMAC-SHA256, the V3 signature of Alibaba Cloud (the official SDKs' default).
///
/// The pieces are public so that a server (the simulator) can rebuild and verify a
/// signature from what arrived on the wire.
public enum ACS3Signer {
    public static let algorithm = "ACS3-HMAC-SHA256"
    /// Hex SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Parameters sorted by name (then value) byte-wise, each `name=value` RFC 3986 encoded.
    public static func canonicalQuery(_ parameters: [QueryParameter]) -> String {
        parameters
            .sorted { $0.name == $1.name ? $0.value.precedesByBytes($1.value) : $0.name.precedesByBytes($1.name) }
            .map { "\(PercentEncoding.rfc3986($0.name))=\(PercentEncoding.rfc3986($0.value))" }
            .joined(separator: "&")
    }

    /// Canonical header lines (names lower-cased, values trimmed, sorted by name, each
    /// ending in `\n`) and the `;`-joined signed-header list.
    public static func canonicalHeaders(_ headers: [HTTPHeader]) -> (canonical: String, signed: String) {
        let normalized =
            headers
            .map { (name: $0.name.lowercased(), value: $0.value.trimmingBlanks) }
            .sorted { $0.name.precedesByBytes($1.name) }
        let canonical = normalized.map { "\($0.name):\($0.value)\n" }.joined()
        let signed = normalized.map(\.name).joined(separator: ";")
        return (canonical, signed)
    }

    /// `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nPAYLOAD-HASH`.
    public static func canonicalRequest(
        method: String, path: String, query: [QueryParameter], headers: [HTTPHeader], hashedPayload: String
    ) -> String {
        canonicalRequest(
            method: method, path: path, query: query, headers: canonicalHeaders(headers), hashedPayload: hashedPayload)
    }

    private static func canonicalRequest(
        method: String, path: String, query: [QueryParameter], headers: (canonical: String, signed: String),
        hashedPayload: String
    ) -> String {
        "\(method)\n\(path)\n\(canonicalQuery(query))\n\(headers.canonical)\n\(headers.signed)\n\(hashedPayload)"
    }

    /// `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
    public static func stringToSign(canonicalRequest: String) -> String {
        "\(algorithm)\n\(Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    /// Lower-case hex HMAC-SHA256 of the string to sign, keyed with the secret.
    public static func signature(stringToSign: String, secret: Secret) -> String {
        let key = SymmetricKey(data: Array(secret.reveal().utf8))
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// Hex SHA-256 of a body.
    public static func payloadHash(_ body: [UInt8]) -> String {
        body.isEmpty ? emptyPayloadHash : Hex.encode(SHA256.hash(data: body))
    }

    /// Signs a request: adds the `x-acs-*` headers (and the STS ones), computes the
    /// signature over every header given, and returns the headers to send, in order,
    /// ending with `Authorization`.
    ///
    /// - Parameters:
    ///   - headers: headers the caller sends besides the ones added here (`host`,
    ///     `user-agent`, `accept`, ...); all of them are signed.
    ///   - date: `x-acs-date`, see `ACSTimestamp`.
    ///   - nonce: a value never used before with this key.
    public static func sign(
        method: String = "POST",
        path: String = "/",
        action: String,
        version: String,
        query: [QueryParameter],
        headers: [HTTPHeader],
        body: [UInt8] = [],
        credentials: Credentials,
        date: String,
        nonce: String
    ) -> SignedV3Request {
        let hashedPayload = payloadHash(body)
        var all = [HTTPHeader("x-acs-version", version), HTTPHeader("x-acs-action", action)]
        all += headers
        all += [
            HTTPHeader("x-acs-date", date),
            HTTPHeader("x-acs-signature-nonce", nonce),
            HTTPHeader("x-acs-content-sha256", hashedPayload),
        ]
        if let token = credentials.securityToken {
            all.append(HTTPHeader("x-acs-accesskey-id", credentials.accessKeyId))
            all.append(HTTPHeader("x-acs-security-token", token.reveal()))
        }
        // The canonical request, written into one buffer (see `CanonicalBytes`).
        let signedHeaders = CanonicalBytes.signedHeaders(all)
        var canonical: [UInt8] = []
        canonical.reserveCapacity(1024)
        canonical.append(contentsOf: method.utf8)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: path.utf8)
        canonical.append(UInt8(ascii: "\n"))
        CanonicalBytes.appendQuery(CanonicalBytes.sortedParameters(query), spaceAsPlus: false, to: &canonical)
        canonical.append(UInt8(ascii: "\n"))
        for header in signedHeaders {
            canonical.append(contentsOf: header.name)
            canonical.append(UInt8(ascii: ":"))
            canonical.append(contentsOf: header.value)
            canonical.append(UInt8(ascii: "\n"))
        }
        canonical.append(UInt8(ascii: "\n"))
        let signedListStart = canonical.count
        for (index, header) in signedHeaders.enumerated() {
            if index > 0 { canonical.append(UInt8(ascii: ";")) }
            canonical.append(contentsOf: header.name)
        }
        let signedList = String(decoding: canonical[signedListStart...], as: UTF8.self)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: hashedPayload.utf8)

        var toSign = Array("\(algorithm)\n".utf8)
        CanonicalBytes.appendHex(SHA256.hash(data: canonical), to: &toSign)
        var secret = credentials.accessKeySecret.reveal()
        let key = secret.withUTF8 { SymmetricKey(data: $0) }
        var signatureHex: [UInt8] = []
        signatureHex.reserveCapacity(64)
        CanonicalBytes.appendHex(HMAC<SHA256>.authenticationCode(for: toSign, using: key), to: &signatureHex)
        let signature = String(decoding: signatureHex, as: UTF8.self)
        let authorization =
            "\(algorithm) Credential=\(credentials.accessKeyId),SignedHeaders=\(signedList),Signature=\(signature)"
        all.append(HTTPHeader("Authorization", authorization))
        var wire: [UInt8] = []
        wire.reserveCapacity(512)
        CanonicalBytes.appendQuery(query, spaceAsPlus: true, to: &wire)
        return SignedV3Request(
            headers: all, wireQuery: String(decoding: wire, as: UTF8.self),
            canonicalRequest: String(decoding: canonical, as: UTF8.self),
            stringToSign: String(decoding: toSign, as: UTF8.self), authorization: authorization
        )
    }

    /// Parses `ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...`.
    public static func parseAuthorization(_ value: String) -> ParsedAuthorization? {
        guard value.hasPrefix(algorithm + " ") else { return nil }
        var fields: [Substring: Substring] = [:]
        for part in value.dropFirst(algorithm.count + 1).split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            fields[part[..<equals].drop { $0 == " " }] = part[part.index(after: equals)...]
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"],
            let signature = fields["Signature"], !credential.isEmpty, !signature.isEmpty
        else { return nil }
        return ParsedAuthorization(
            accessKeyId: String(credential),
            signedHeaders: signed.split(separator: ";").map(String.init),
            signature: String(signature)
        )
    }
}

/// The outcome of `ACS3Signer.sign`, with the intermediate strings for tests and logs.
public struct SignedV3Request: Sendable, CustomStringConvertible {
    /// Headers to send, ending with `Authorization`.
    public let headers: [HTTPHeader]
    /// The query as it goes on the wire (without `?`).
    public let wireQuery: String
    public let canonicalRequest: String
    public let stringToSign: String
    public let authorization: String

    /// Never prints the security token header.
    public var description: String {
        let shown = headers.map {
            $0.name == "x-acs-security-token" ? "\($0.name): <redacted>" : "\($0.name): \($0.value)"
        }
        return "SignedV3Request(query: \(wireQuery), headers: [\(shown.joined(separator: ", "))])"
    }
}

/// The fields of a V3 `Authorization` header.
public struct ParsedAuthorization: Sendable, Equatable {
    public let accessKeyId: String
    public let signedHeaders: [String]
    public let signature: String
}
