import Foundation
import SASSigning
import Testing
@testable import SASSimulator

/// Requests the official Python SDK signed (SASSigningTests/Fixtures/signature-vectors.json)
/// replayed into the simulator's verifier byte for byte.
@Suite("Replayed SDK requests")
struct SDKVectorTests {
    struct Vector {
        var name: String
        var method: String
        var url: String
        var headers: [String: String]
        var secret: String
        var token: String?
        var stringToSign: String
    }

    static func vectors() throws -> [Vector] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../SASSigningTests/Fixtures/signature-vectors.json").standardized
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
        var out: [Vector] = []
        for group in ["v3", "rpc_v2"] {
            for case let entry as [String: Any] in (root[group] as? [Any]) ?? [] {
                let http = try #require(entry["http"] as? [String: Any])
                let inputs = try #require(entry["inputs"] as? [String: Any])
                out.append(Vector(
                    name: try #require(entry["name"] as? String), method: try #require(http["method"] as? String),
                    url: try #require(http["url"] as? String), headers: try #require(http["headers"] as? [String: String]),
                    secret: try #require(inputs["access_key_secret"] as? String), token: inputs["security_token"] as? String,
                    stringToSign: try #require(entry["string_to_sign"] as? String)
                ))
            }
        }
        return out
    }

    private func simulator(secret: String, token: String?) -> Simulator {
        let simulator = makeSimulator {
            $0.timestampToleranceSeconds = 100 * 365 * 86_400
            $0.accessKeys = token == nil ? ["testid": secret] : [:]
        }
        if let token {
            simulator.registerTemporaryCredentials(IssuedCredentials(
                accessKeyId: "testid", accessKeySecret: secret, securityToken: token, expiresAtMs: .max
            ))
        }
        return simulator
    }

    private func wire(_ vector: Vector) throws -> WireRequest {
        let query = try #require(vector.url.split(separator: "?", maxSplits: 1).last)
        return WireRequest(
            method: vector.method, path: "/", rawQuery: String(query),
            headers: vector.headers.map { HTTPHeader($0.key.lowercased(), $0.value) }, body: []
        )
    }

    @Test("Every SDK-signed request verifies, and only once (nonce)")
    func replay() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 8)
        for vector in vectors {
            let simulator = simulator(secret: vector.secret, token: vector.token)
            var context = CallContext()
            let call = try simulator.authenticate(try wire(vector), context: &context)
            #expect(call.action == "ListOperationProcessDetail", "\(vector.name)")
            #expect(call.version == "2018-12-03", "\(vector.name)")
            var again = CallContext()
            #expect(throws: SimulatedAPIError.nonceUsed, "\(vector.name)") {
                try simulator.authenticate(try wire(vector), context: &again)
            }
        }
    }

    @Test("With another secret the server's string to sign is the SDK's")
    func stringToSign() throws {
        for vector in try Self.vectors() {
            let simulator = simulator(secret: "another", token: vector.token)
            var context = CallContext()
            do {
                _ = try simulator.authenticate(try wire(vector), context: &context)
                Issue.record("\(vector.name) verified with the wrong secret")
            } catch let error as SimulatedAPIError {
                #expect(error.code == "SignatureDoesNotMatch")
                #expect(error.message.hasSuffix("server string to sign is:" + vector.stringToSign), "\(vector.name)")
            }
        }
    }
}
