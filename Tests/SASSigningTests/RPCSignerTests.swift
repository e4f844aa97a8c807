import Testing
@testable import SASSigning

@Suite("RPC HMAC-SHA1 against the official SDK's vectors")
struct RPCSignerTests {
    static let vectors = SignatureVectors.all?.rpc_v2 ?? []

    @Test func vectorsArePresent() {
        #expect(Self.vectors.map(\.name) == ["rpc_basic", "rpc_sts", "rpc_special_chars", "rpc_eleven_task_ids"])
    }

    @Test(arguments: vectors.map(\.name))
    func reproducesVector(_ name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let wire = QueryString.parse(vector.http.url.queryPart)
        let reserved: Set = [
            "Action", "Format", "Version", "Timestamp", "SignatureNonce", "SecurityToken",
            "SignatureMethod", "SignatureVersion", "AccessKeyId", "Signature",
        ]
        let business = wire.filter { !reserved.contains($0.name) }
        let signed = RPCSigner.sign(
            method: vector.http.method,
            action: "ListOperationProcessDetail",
            version: "2018-12-03",
            query: business,
            credentials: Credentials(
                accessKeyId: vector.inputs.access_key_id,
                accessKeySecret: vector.inputs.access_key_secret,
                securityToken: vector.inputs.security_token
            ),
            timestamp: vector.inputs.Timestamp,
            nonce: vector.inputs.SignatureNonce
        )
        #expect(signed.stringToSign == vector.string_to_sign)
        #expect(signed.signature == vector.signature)
        #expect(Substring(signed.wireQuery) == vector.http.url.queryPart)
        #expect(!signed.description.contains(vector.inputs.security_token ?? "\u{0}"))
    }
}
