import SASTestKit
import Testing

@testable import SASSigning

@Suite("ACS3-HMAC-SHA256 against the official SDK's vectors")
struct ACS3SignerTests {
    static let vectors = SignatureVectors.all?.v3 ?? []

    @Test func vectorsArePresent() {
        #expect(Self.vectors.map(\.name) == ["v3_basic", "v3_sts", "v3_special_chars", "v3_eleven_task_ids"])
    }

    @Test(arguments: vectors.map(\.name))
    func reproducesVector(_ name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let headers = vector.http.headers
        let query = QueryString.parse(Substring(vector.http.query))
        let signed = ACS3Signer.sign(
            method: vector.http.method,
            action: try #require(headers["x-acs-action"]),
            version: try #require(headers["x-acs-version"]),
            query: query,
            headers: [
                HTTPHeader("host", try #require(headers["host"])),
                HTTPHeader("user-agent", try #require(headers["user-agent"])),
                HTTPHeader("accept", try #require(headers["accept"])),
                HTTPHeader("x-acs-credentials-provider", try #require(headers["x-acs-credentials-provider"])),
            ],
            credentials: Credentials(
                accessKeyId: vector.inputs.accessKeyId,
                accessKeySecret: vector.inputs.accessKeySecret,
                securityToken: vector.inputs.securityToken
            ),
            date: vector.inputs.date,
            nonce: vector.inputs.nonce
        )
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == vector.stringToSign)
        #expect(signed.authorization == vector.authorization)
        #expect(Substring(signed.wireQuery) == vector.http.query)
        var sent: [String: String] = [:]
        for header in signed.headers { sent[header.name] = header.value }
        #expect(sent == headers)
    }

    @Test func parsesAuthorizationHeader() throws {
        let vector = try #require(Self.vectors.first)
        let authorization = try #require(vector.authorization)
        let parsed = try #require(ACS3Signer.parseAuthorization(authorization))
        #expect(parsed.accessKeyId == "testid")
        #expect(parsed.signedHeaders.first == "accept")
        #expect(parsed.signature.count == 64)
        #expect(ACS3Signer.parseAuthorization("HMAC-SHA1 Credential=x") == nil)
        #expect(ACS3Signer.parseAuthorization("ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host") == nil)
    }

    @Test func canonicalQuerySortsNamesAsPlainStrings() {
        let query = ACS3Signer.canonicalQuery([
            QueryParameter("TaskIds.2", "b"), QueryParameter("TaskIds.10", "j"), QueryParameter("A", "a b*"),
        ])
        #expect(query == "A=a%20b%2A&TaskIds.10=j&TaskIds.2=b")
    }

    @Test func descriptionNeverShowsTheToken() {
        let signed = ACS3Signer.sign(
            action: "ListOperationProcessDetail", version: "2018-12-03", query: [],
            headers: [HTTPHeader("host", "h")],
            credentials: Credentials(accessKeyId: "id", accessKeySecret: "topsecret", securityToken: "tokentoken"),
            date: "2024-11-14T03:02:10Z", nonce: "n"
        )
        #expect(!signed.description.contains("tokentoken"))
        #expect(!signed.description.contains("topsecret"))
    }
}
