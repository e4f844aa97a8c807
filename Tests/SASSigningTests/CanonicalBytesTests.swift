import Crypto
import Foundation
import Testing

@testable import SASSigning

/// `ACS3Signer.sign` writes the canonical request as bytes; the string functions
/// (`canonicalQuery`, `canonicalHeaders`, `canonicalRequest`), which the simulator
/// verifies every request with, are the reference. The two must agree on any input.
@Suite("ACS3 canonical request: the byte path agrees with the string reference")
struct CanonicalBytesTests {
    /// Input the SDK vectors do not cover: non-ASCII text, reserved characters, blanks to
    /// trim (and a blank the trimming must keep, before a combining mark), upper-case and
    /// non-ASCII header names, repeated names and values.
    static let awkwardQuery = [
        QueryParameter("TaskIds.10", "j"), QueryParameter("TaskIds.2", "b"), QueryParameter("Lang", "zh"),
        QueryParameter("Name", "安全 中心"), QueryParameter("Name", "a+b=c&d"), QueryParameter("Name", "A*~._-"),
        QueryParameter("Émoji", "🙂 \u{301}"), QueryParameter("Empty", ""), QueryParameter("sp ace", "%20/?#"),
    ]
    static let awkwardHeaders = [
        HTTPHeader("Host", "example.com:8443"), HTTPHeader("User-Agent", "  sas-exporter/1 (test)\t"),
        HTTPHeader("accept", "application/json"), HTTPHeader("X-Custom", " \u{301}kept"),
        HTTPHeader("X-ÄÖ", "value"), HTTPHeader("x-dup", "2"), HTTPHeader("X-DUP", "1"), HTTPHeader("x-empty", ""),
        HTTPHeader("x-tabs", "\t\t"),
    ]

    static func signed(query: [QueryParameter], headers: [HTTPHeader], token: String?) -> SignedV3Request {
        ACS3Signer.sign(
            action: "ListOperationProcessDetail", version: "2018-12-03", query: query, headers: headers,
            credentials: Credentials(accessKeyId: "id", accessKeySecret: "s3cr3t ü", securityToken: token),
            date: "2026-11-30T12:00:00Z", nonce: "nonce-1"
        )
    }

    @Test(arguments: [nil, "token/with+chars="])
    func canonicalRequestMatchesTheStringFunctions(token: String?) {
        let signed = Self.signed(query: Self.awkwardQuery, headers: Self.awkwardHeaders, token: token)
        // Every header sent except Authorization is signed.
        let reference = ACS3Signer.canonicalRequest(
            method: "POST", path: "/", query: Self.awkwardQuery, headers: Array(signed.headers.dropLast()),
            hashedPayload: ACS3Signer.emptyPayloadHash
        )
        #expect(signed.canonicalRequest == reference)
        #expect(signed.stringToSign == ACS3Signer.stringToSign(canonicalRequest: reference))
        let signature = ACS3Signer.signature(stringToSign: signed.stringToSign, secret: Secret("s3cr3t ü"))
        #expect(signed.authorization.hasSuffix(",Signature=\(signature)"))
        let names = ACS3Signer.canonicalHeaders(Array(signed.headers.dropLast())).signed
        #expect(signed.authorization.contains(",SignedHeaders=\(names),"))
    }

    @Test func wireQueryMatchesQueryStringWire() {
        let signed = Self.signed(query: Self.awkwardQuery, headers: Self.awkwardHeaders, token: nil)
        #expect(signed.wireQuery == QueryString.wire(Self.awkwardQuery))
        #expect(QueryString.parse(Substring(signed.wireQuery)) == Self.awkwardQuery)
    }

    /// The encoding is RFC 3986's with only the unreserved characters kept, as Foundation
    /// computes it (space as `+` in the wire form).
    @Test func encodingIsRFC3986OnEveryByte() throws {
        let everyScalar = String(String.UnicodeScalarView((0x01...0x7F).compactMap(Unicode.Scalar.init))) + "é中🙂"
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        let reference = try #require(everyScalar.addingPercentEncoding(withAllowedCharacters: unreserved))
        #expect(PercentEncoding.rfc3986(everyScalar) == reference)
        #expect(PercentEncoding.form(everyScalar) == reference.replacingOccurrences(of: "%20", with: "+"))
    }

    @Test func byteOrderIsTheStringsByteOrder() {
        let words = ["", "a", "A", "TaskIds.1", "TaskIds.10", "TaskIds.2", "é", "e\u{301}", "z", "中"]
        for a in words {
            for b in words {
                #expect(CanonicalBytes.precedes(a, b) == a.precedesByBytes(b), "\(a) < \(b)")
            }
        }
    }
}
