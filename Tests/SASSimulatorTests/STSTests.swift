import Foundation
import Hummingbird
import HummingbirdTesting
import SASModels
import SASSigning
import Testing

@testable import SASSimulator

@Suite("STS and the ECS metadata service")
struct STSTests {
    @Test("Issued temporary keys are accepted with their token", arguments: SignatureStyle.allCases)
    func temporaryKeyAccepted(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        let issued = simulator.issueTemporaryCredentials(durationSeconds: 3600)
        #expect(issued.accessKeyId.hasPrefix("STS."))
        let credentials = Credentials(
            accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret,
            securityToken: issued.securityToken)
        try await withRouter(simulator) { client in
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: credentials, style: style))
            #expect(reply.status == 200)
        }
    }

    @Test("Expired, missing, foreign and unknown tokens are refused", arguments: SignatureStyle.allCases)
    func badTokens(style: SignatureStyle) async throws {
        let simulator = makeSimulator()
        let expired = simulator.issueTemporaryCredentials(expiresAtMs: SimulatorClock.wallClockMs() - 1000)
        let valid = simulator.issueTemporaryCredentials(durationSeconds: 3600)
        let other = simulator.issueTemporaryCredentials(durationSeconds: 3600)
        try await withRouter(simulator) { client in
            let stale = Credentials(
                accessKeyId: expired.accessKeyId, accessKeySecret: expired.accessKeySecret,
                securityToken: expired.securityToken)
            let r1 = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: stale, style: style))
            #expect(r1.status == 400)
            #expect(r1.error?.code == "InvalidSecurityToken.Expired")

            let noToken = Credentials(accessKeyId: valid.accessKeyId, accessKeySecret: valid.accessKeySecret)
            let r2 = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: noToken, style: style))
            #expect(r2.error?.code == "InvalidSecurityToken.Malformed")

            let foreign = Credentials(
                accessKeyId: valid.accessKeyId, accessKeySecret: valid.accessKeySecret,
                securityToken: other.securityToken)
            let r3 = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: foreign, style: style))
            #expect(r3.error?.code == "InvalidSecurityToken.MismatchWithAccessKey")

            let made = Credentials(accessKeyId: "testid", accessKeySecret: "testsecret", securityToken: "CAISmadeup")
            let r4 = try await client.send(
                signedCall(query: detailQuery(taskIds: ["x"]), credentials: made, style: style))
            #expect(r4.error?.code == "InvalidSecurityToken.Malformed")
        }
    }

    @Test("AssumeRole (RPC-signed GET) issues keys the API accepts")
    func assumeRole() async throws {
        let simulator = makeSimulator { $0.stsRoleArn = "acs:ram::1:role/sas" }
        try await withRouter(simulator) { client in
            let call = signedCall(
                action: "AssumeRole", version: "2015-04-01",
                query: [
                    QueryParameter("RoleArn", "acs:ram::1:role/sas"), QueryParameter("RoleSessionName", "test"),
                    QueryParameter("DurationSeconds", "1800"),
                ],
                style: .rpc, method: .get
            )
            let reply = try await client.send(call)
            #expect(reply.status == 200)
            let sts = try reply.decode(STSResponse.self)
            #expect(sts.credentials.accessKeyId.hasPrefix("STS."))
            #expect(sts.assumedRoleUser.arn == "acs:ram::1:role/sas/test")
            let expiry = try #require(ACSTimestamp.parse(sts.credentials.expiration))
            #expect(abs(expiry - SimulatorClock.wallClockMs() / 1000 - 1800) <= 2)

            let credentials = Credentials(
                accessKeyId: sts.credentials.accessKeyId, accessKeySecret: sts.credentials.accessKeySecret,
                securityToken: sts.credentials.securityToken)
            let use = try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), credentials: credentials))
            #expect(use.status == 200)

            let wrongRole = signedCall(
                action: "AssumeRole", version: "2015-04-01",
                query: [QueryParameter("RoleArn", "acs:ram::1:role/other"), QueryParameter("RoleSessionName", "t")],
                style: .rpc, method: .get)
            #expect(try await client.send(wrongRole).error?.code == "EntityNotExist.Role")

            let unsigned = try await client.get(
                "/?Action=AssumeRole&Version=2015-04-01&RoleArn=acs%3Aram%3A%3A1%3Arole%2Fsas&RoleSessionName=t")
            #expect(unsigned.error?.code == "IncompleteSignature")

            let short = signedCall(
                action: "AssumeRole", version: "2015-04-01",
                query: [
                    QueryParameter("RoleArn", "acs:ram::1:role/sas"), QueryParameter("RoleSessionName", "t"),
                    QueryParameter("DurationSeconds", "60"),
                ],
                style: .rpc, method: .get)
            #expect(try await client.send(short).error?.code == "InvalidParameter.DurationSeconds")
        }
    }

    @Test("Keys issued for different roles are told apart in the request log")
    func requestLogNamesTheRoleOfEachKey() async throws {
        let simulator = makeSimulator()
        let roles = (1...3).map { "acs:ram::100000000000000\($0):role/sas-reader" }
        try await withRouter(simulator) { client in
            var keys: [String: String] = [:]
            for role in roles {
                let call = signedCall(
                    action: "AssumeRole", version: "2015-04-01",
                    query: [QueryParameter("RoleArn", role), QueryParameter("RoleSessionName", "sas-exporter-test")],
                    style: .rpc, method: .get
                )
                let sts = try (try await client.send(call)).decode(STSResponse.self)
                keys[role] = sts.credentials.accessKeyId
                let credentials = Credentials(
                    accessKeyId: sts.credentials.accessKeyId, accessKeySecret: sts.credentials.accessKeySecret,
                    securityToken: sts.credentials.securityToken)
                #expect(
                    try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), credentials: credentials))
                        .status == 200)
            }
            let calls = simulator.recentRequests.filter { $0.action == "ListOperationProcessDetail" }
            #expect(calls.map(\.roleArn) == roles)
            #expect(calls.map(\.accessKeyId) == roles.map { keys[$0] ?? "" })
            // STS calls are signed with the permanent key: no role.
            #expect(simulator.recentRequests.filter { $0.action == "AssumeRole" }.allSatisfy { $0.roleArn == nil })
            for role in roles {
                let issued = simulator.issuedCredentials(roleArn: role)
                #expect(issued.map(\.accessKeyId) == [keys[role] ?? ""])
                #expect(simulator.issuedCredentials(accessKeyId: keys[role] ?? "")?.roleArn == role)
            }
        }
    }

    @Test("AssumeRoleWithOIDC is unsigned and needs the OIDC token")
    func assumeRoleWithOIDC() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let base =
                "/?Action=AssumeRoleWithOIDC&Format=JSON&Version=2015-04-01&RoleArn=acs%3Aram%3A%3A1%3Arole%2Fsas"
                + "&OIDCProviderArn=acs%3Aram%3A%3A1%3Aoidc-provider%2Fack&RoleSessionName=pod"
            let reply = try await client.get(base + "&OIDCToken=eyJhbGciOi.payload.sig")
            #expect(reply.status == 200)
            let sts = try reply.decode(STSResponse.self)
            let credentials = Credentials(
                accessKeyId: sts.credentials.accessKeyId, accessKeySecret: sts.credentials.accessKeySecret,
                securityToken: sts.credentials.securityToken)
            #expect(
                try await client.send(
                    signedCall(query: detailQuery(taskIds: ["x"]), credentials: credentials, style: .rpc)
                ).status == 200)
            let missing = try await client.get(base)
            #expect(missing.status == 400)
            #expect(missing.error?.code == "MissingParameter")
            #expect(simulator.stats.count(action: "AssumeRoleWithOIDC") == 2)
        }
    }

    @Test("sts_down answers STS 503 ServiceUnavailable while the API keeps answering; lifted, STS issues again")
    func stsDown() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(stsDown: true))
        try await withRouter(simulator) { client in
            let base =
                "/?Action=AssumeRoleWithOIDC&Format=JSON&Version=2015-04-01&RoleArn=acs%3Aram%3A%3A1%3Arole%2Fsas"
                + "&OIDCProviderArn=acs%3Aram%3A%3A1%3Aoidc-provider%2Fack&RoleSessionName=pod&OIDCToken=eyJhbGciOi.payload.sig"
            let refused = try await client.get(base)
            #expect(refused.status == 503)
            #expect(refused.error?.code == "ServiceUnavailable")
            #expect(try await client.send(signedCall(query: detailQuery(taskIds: ["x"]))).status == 200)
            simulator.setFaults(FaultSettings())
            #expect(try await client.get(base).status == 200)
        }
    }

    @Test("The metadata service needs a token and hands out working credentials")
    func metadata() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let denied = try await client.get("/latest/meta-data/ram/security-credentials/")
            #expect(denied.status == 403)
            let badTTL = try await client.send(
                TestCall(uri: "/latest/api/token", method: .put, headers: [:], body: nil))
            #expect(badTTL.status == 400)
            let tokenReply = try await client.send(
                TestCall(
                    uri: "/latest/api/token", method: .put,
                    headers: [HTTPField.Name("X-aliyun-ecs-metadata-token-ttl-seconds")!: "60"], body: nil
                ))
            #expect(tokenReply.status == 200)
            let headers: HTTPFields = [HTTPField.Name("X-aliyun-ecs-metadata-token")!: tokenReply.text]
            let role = try await client.get("/latest/meta-data/ram/security-credentials/", headers: headers)
            #expect(role.text == "sas-exporter-role")
            let creds = try await client.get(
                "/latest/meta-data/ram/security-credentials/sas-exporter-role", headers: headers)
            #expect(creds.status == 200)
            let decoded = try creds.decode(MetadataCredentials.self)
            #expect(decoded.code == "Success")
            #expect(ACSTimestamp.parse(decoded.expiration) != nil && ACSTimestamp.parse(decoded.lastUpdated) != nil)
            let credentials = Credentials(
                accessKeyId: decoded.accessKeyId, accessKeySecret: decoded.accessKeySecret,
                securityToken: decoded.securityToken)
            #expect(
                try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), credentials: credentials)).status
                    == 200)
            let unknownRole = try await client.get("/latest/meta-data/ram/security-credentials/other", headers: headers)
            #expect(unknownRole.status == 404)
        }
    }
}
