import HummingbirdTesting
import SASModels
import SASSigning
import Testing

@testable import SASSimulator

@Suite("Signature verification")
struct SignatureTests {
    @Test("A correctly signed request is answered 200, for both signature versions", arguments: SignatureStyle.allCases)
    func goodRequest(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let ids = try await discoverTaskIds(client, simulator: simulator, style: style)
            #expect(!ids.isEmpty)
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: Array(ids.prefix(2))), style: style))
            #expect(reply.status == 200)
            let decoded = try reply.decode(ListOperationProcessDetailResponse.self)
            #expect(decoded.pageInfo?.pageSize == 20)
            #expect(decoded.processDetails.count == 20)
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test(
        "A wrong secret gives SignatureDoesNotMatch with the server's string to sign",
        arguments: SignatureStyle.allCases)
    func wrongSecret(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        let wrong = Credentials(accessKeyId: "testid", accessKeySecret: "not-the-secret")
        try await withRouter(simulator) { client in
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: wrong, style: style))
            #expect(reply.status == 400)
            #expect(reply.error?.code == "SignatureDoesNotMatch")
            let expectedPrefix = style == .v3 ? "ACS3-HMAC-SHA256\n" : "POST&%2F&"
            #expect(reply.error?.message?.contains("server string to sign is:" + expectedPrefix) == true)
            #expect(reply.error?.requestId?.isEmpty == false)
            #expect(reply.error?.hostId != nil && reply.error?.recommend != nil)
        }
    }

    @Test("An unknown AccessKey id gives 404 InvalidAccessKeyId.NotFound", arguments: SignatureStyle.allCases)
    func unknownKey(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        let stranger = Credentials(accessKeyId: "nobody", accessKeySecret: "x")
        try await withRouter(simulator) { client in
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: stranger, style: style))
            #expect(reply.status == 404)
            #expect(reply.error?.code == "InvalidAccessKeyId.NotFound")
        }
    }

    @Test("A date more than 15 minutes off gives InvalidTimeStamp.Expired", arguments: SignatureStyle.allCases)
    func expiredDate(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let old = try await client.send(
                signedCall(
                    query: detailQuery(taskIds: ["x"]), style: style, date: wallNowString(offsetSeconds: -16 * 60)))
            #expect(old.status == 400)
            #expect(old.error?.code == "InvalidTimeStamp.Expired")
            let future = try await client.send(
                signedCall(
                    query: detailQuery(taskIds: ["x"]), style: style, date: wallNowString(offsetSeconds: 16 * 60)))
            #expect(future.error?.code == "InvalidTimeStamp.Expired")
            let near = try await client.send(
                signedCall(
                    query: detailQuery(taskIds: ["x"]), style: style, date: wallNowString(offsetSeconds: -14 * 60)))
            #expect(near.status == 200)
        }
    }

    @Test("A reused nonce gives SignatureNonceUsed", arguments: SignatureStyle.allCases)
    func reusedNonce(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let nonce = freshNonce()
            let first = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), style: style, nonce: nonce))
            #expect(first.status == 200)
            let second = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), style: style, nonce: nonce))
            #expect(second.status == 400)
            #expect(second.error?.code == "SignatureNonceUsed")
        }
    }

    @Test("A failed signature does not burn the nonce")
    func failedSignatureKeepsNonce() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let nonce = freshNonce()
            let wrong = Credentials(accessKeyId: "testid", accessKeySecret: "bad")
            let bad = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: wrong, nonce: nonce))
            #expect(bad.error?.code == "SignatureDoesNotMatch")
            let good = try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), nonce: nonce))
            #expect(good.status == 200)
        }
    }

    @Test("A missing signed header or an unsigned x-acs header gives IncompleteSignature")
    func incompleteV3() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            var missing = signedCall(query: detailQuery(taskIds: ["x"]))
            missing.headers[HTTPField.Name("x-acs-signature-nonce")!] = nil
            let reply = try await client.send(missing)
            #expect(reply.status == 400)
            #expect(reply.error?.code == "IncompleteSignature")

            var extra = signedCall(query: detailQuery(taskIds: ["x"]))
            extra.headers[HTTPField.Name("x-acs-extra")!] = "1"
            #expect(try await client.send(extra).error?.code == "IncompleteSignature")

            var garbled = signedCall(query: detailQuery(taskIds: ["x"]))
            garbled.headers[.authorization] = "Bearer abc"
            #expect(try await client.send(garbled).error?.code == "IncompleteSignature")

            let bare = try await client.send(TestCall(uri: "/?TaskIds.1=x", method: .post, headers: [:], body: nil))
            #expect(bare.error?.code == "IncompleteSignature")
        }
    }

    @Test("RPC without Timestamp gives MissingParameter; a tampered query breaks the signature")
    func incompleteRPC() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            var call = signedCall(query: detailQuery(taskIds: ["x"]), style: .rpc)
            call.uri = call.uri.replacingOccurrences(of: "&Timestamp=", with: "&Stamp=")
            let reply = try await client.send(call)
            #expect(reply.status == 400)
            #expect(reply.error?.code == "MissingParameter")

            var tampered = signedCall(query: detailQuery(taskIds: ["x"]), style: .rpc)
            tampered.uri += "&PageSize=5"
            #expect(try await client.send(tampered).error?.code == "SignatureDoesNotMatch")

            var method = signedCall(query: detailQuery(taskIds: ["x"]), style: .rpc)
            method.uri = method.uri.replacingOccurrences(
                of: "SignatureMethod=HMAC-SHA1", with: "SignatureMethod=HMAC-MD5")
            #expect(try await client.send(method).error?.code == "InvalidSignatureMethod")
        }
    }

    @Test("A V3 body whose hash differs from x-acs-content-sha256 is refused")
    func contentHashMismatch() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            var call = signedCall(query: detailQuery(taskIds: ["x"]))
            call.body = .init(string: "unexpected")
            let reply = try await client.send(call)
            #expect(reply.status == 400)
            #expect(reply.error?.code == "SignatureDoesNotMatch")
        }
    }

    @Test(
        "An unknown action gives 404 InvalidAction.NotFound, a wrong version 400 InvalidVersion",
        arguments: SignatureStyle.allCases)
    func actionAndVersion(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let action = try await client.send(signedCall(action: "DescribeNothing", query: [], style: style))
            #expect(action.status == 404)
            #expect(action.error?.code == "InvalidAction.NotFound")
            let version = try await client.send(
                signedCall(version: "2017-01-01", query: detailQuery(taskIds: ["x"]), style: style))
            #expect(version.status == 400)
            #expect(version.error?.code == "InvalidVersion")
        }
    }

    @Test(
        "Query values with spaces, stars and non-ASCII text verify (wire + as space)",
        arguments: SignatureStyle.allCases)
    func awkwardQuery(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: ["a b*c", "检查/~'\""]), style: style))
            #expect(reply.status == 200)
            #expect(try reply.decode(ListOperationProcessDetailResponse.self).pageInfo?.totalCount == 0)
        }
    }
}
