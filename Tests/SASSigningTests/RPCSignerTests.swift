import SASTestKit
import Testing

@testable import SASSigning

@Suite("RPC HMAC-SHA1 against the official SDK's vectors")
struct RPCSignerTests {
    static let vectors = SignatureVectors.all?.rpc ?? []

    @Test func vectorsArePresent() {
        #expect(Self.vectors.map(\.name) == ["rpc_basic", "rpc_sts", "rpc_special_chars", "rpc_eleven_task_ids"])
    }

    @Test(arguments: vectors.map(\.name))
    func reproducesVector(_ name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let wire = QueryString.parse(Substring(vector.http.query))
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
                accessKeyId: vector.inputs.accessKeyId,
                accessKeySecret: vector.inputs.accessKeySecret,
                securityToken: vector.inputs.securityToken
            ),
            timestamp: vector.inputs.date,
            nonce: vector.inputs.nonce
        )
        #expect(signed.stringToSign == vector.stringToSign)
        #expect(signed.signature == vector.signature)
        #expect(Substring(signed.wireQuery) == vector.http.query)
        #expect(!signed.description.contains(vector.inputs.securityToken ?? "\u{0}"))
    }
}
