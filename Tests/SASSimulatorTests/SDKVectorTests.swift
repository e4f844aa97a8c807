import Foundation
import SASSigning
import SASTestKit
import Testing

@testable import SASSimulator

/// Requests the official Python SDK signed (`SignatureVectors`, SASTestKit) replayed into
/// the simulator's verifier byte for byte.
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
        let all = try #require(SignatureVectors.all)
        return (all.v3 + all.rpc).map { vector in
            Vector(
                name: vector.name, method: vector.http.method, url: vector.http.url, headers: vector.http.headers,
                secret: vector.inputs.accessKeySecret, token: vector.inputs.securityToken,
                stringToSign: vector.stringToSign
            )
        }
    }

    private func simulator(secret: String, token: String?) -> Simulator {
        let simulator = makeSimulator {
            $0.timestampToleranceSeconds = 100 * 365 * 86_400
            $0.accessKeys = token == nil ? ["testid": secret] : [:]
        }
        if let token {
            simulator.registerTemporaryCredentials(
                IssuedCredentials(
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
