import AsyncHTTPClient
import Foundation
import SASSigning
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

/// A source scripted by the test.
final class ScriptedSource: TemporaryCredentialSource {
    let name = "scripted"
    let results = Mutex<[Result<TemporaryCredentials, CredentialsError>]>([])
    let calls = Mutex(0)

    func fetch() async throws -> TemporaryCredentials {
        calls.withLock { $0 += 1 }
        let next = results.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw CredentialsError("no more scripted results") }
        return try next.get()
    }

    static func temporary(_ id: String, expiration: Int64?) -> TemporaryCredentials {
        TemporaryCredentials(
            credentials: Credentials(accessKeyId: id, accessKeySecret: "s", securityToken: "t"), expiration: expiration)
    }
}

@Suite("Temporary credential sources")
struct CredentialSourceTests {
    static func document(_ id: String, expiration: String = "2099-01-01T00:00:00Z") -> String {
        #"{"Code":"Success","AccessKeyId":"\#(id)","AccessKeySecret":"TOPSECRET-x","SecurityToken":"STSTOKEN-x","Expiration":"\#(expiration)","LastUpdated":"2024-01-01T00:00:00Z"}"#
    }

    static func withHTTP<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func refreshesBeforeExpiryAndKeepsOldOnFailure() async throws {
        let clocks = ManualClocks(epochSeconds: 1_000_000)
        let source = ScriptedSource()
        source.results.withLock {
            $0 = [
                .success(ScriptedSource.temporary("first", expiration: 1_000_000 + 3600)),
                .failure(CredentialsError("sts down")),
                .success(ScriptedSource.temporary("second", expiration: 1_000_000 + 7200)),
            ]
        }
        let provider = clocks.settings.provider(for: source)
        #expect(try await provider.credentials().accessKeyId == "first")
        #expect(try await provider.credentials().accessKeyId == "first")
        #expect(source.calls.withLock { $0 } == 1)
        // 46 minutes later: inside the 15-minute margin, refresh fails, old ones still valid.
        clocks.advance(by: .seconds(46 * 60))
        #expect(try await provider.credentials().accessKeyId == "first")
        #expect(source.calls.withLock { $0 } == 2)
        clocks.advance(by: .seconds(60))
        #expect(try await provider.credentials().accessKeyId == "second")
        #expect(source.calls.withLock { $0 } == 3)
    }

    @Test func expiredAndUnrefreshableIsAnError() async throws {
        let clock = Mutex<Int64>(0)
        let source = ScriptedSource()
        source.results.withLock { $0 = [.success(ScriptedSource.temporary("only", expiration: 100))] }
        let provider = RefreshingCredentialProvider(source: source, epochSeconds: { clock.withLock { $0 } })
        #expect(try await provider.credentials().accessKeyId == "only")
        clock.withLock { $0 = 101 }
        await #expect(throws: CredentialsError.self) { try await provider.credentials() }
    }

    @Test func ecsMetadataWithIMDSv2Token() async throws {
        let script: FakeServer.Script = { request in
            switch (request.method, request.uri) {
            case ("PUT", "/latest/api/token"):
                return request.header("X-aliyun-ecs-metadata-token-ttl-seconds") == nil
                    ? FakeResponse(status: 400) : FakeResponse(body: Array("tok-1".utf8))
            case (_, _) where request.header("X-aliyun-ecs-metadata-token") != "tok-1":
                return FakeResponse(status: 401)
            case ("GET", "/latest/meta-data/ram/security-credentials/"):
                return FakeResponse(body: Array("EcsRole\n".utf8))
            case ("GET", "/latest/meta-data/ram/security-credentials/EcsRole"):
                return .json(Self.document("STS.ecs"))
            default:
                return FakeResponse(status: 404)
            }
        }
        try await FakeServer.with(script) { server in
            try await Self.withHTTP { http in
                let chain = DefaultCredentialChain(
                    environment: [:], httpClient: http, ecsMetadataBaseURL: server.endpointString)
                let credentials = try await chain.credentials()
                #expect(credentials.accessKeyId == "STS.ecs")
                #expect(credentials.securityToken?.reveal() == "STSTOKEN-x")
            }
        }
    }

    /// A metadata service whose token endpoint answers `tokenStatus`, and whose GETs need
    /// the token `tok-1` unless `v1` (then any or no token does).
    static func metadataScript(tokenStatus: Int, v1: Bool) -> FakeServer.Script {
        { request in
            if request.method == "PUT" {
                return tokenStatus == 200 ? FakeResponse(body: Array("tok-1".utf8)) : FakeResponse(status: tokenStatus)
            }
            if !v1, request.header("X-aliyun-ecs-metadata-token") != "tok-1" { return FakeResponse(status: 401) }
            switch request.uri {
            case "/latest/meta-data/ram/security-credentials/": return FakeResponse(body: Array("EcsRole\n".utf8))
            case "/latest/meta-data/ram/security-credentials/EcsRole": return .json(Self.document("STS.ecs"))
            default: return FakeResponse(status: 404)
            }
        }
    }

    static func ecs(_ server: FakeServer, v1Disabled: Bool) async throws -> Result<TemporaryCredentials, any Error> {
        try await withHTTP { http in
            // A generous timeout: the fallback is under test, not the 1 s default on a loaded machine.
            let source = ECSMetadataSource(
                baseURL: server.endpointString, imdsV1Disabled: v1Disabled, httpClient: http, timeout: .seconds(15)
            )
            do {
                return .success(try await source.fetch())
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func ecsMetadataFallsBackToIMDSv1UnlessDisabled() async throws {
        // No IMDSv2 token to be had: v1 requests without a token, as the SDKs do by default.
        try await FakeServer.with(Self.metadataScript(tokenStatus: 404, v1: true)) { server in
            let fetched = try await Self.ecs(server, v1Disabled: false).get()
            #expect(fetched.credentials.accessKeyId == "STS.ecs")
            #expect(server.requests.map(\.method) == ["PUT", "GET", "GET"])
            #expect(server.requests.dropFirst().allSatisfy { $0.header("X-aliyun-ecs-metadata-token") == nil })
        }
        // ALIBABA_CLOUD_IMDSV1_DISABLED=true: the failed token request is the end.
        try await FakeServer.with(Self.metadataScript(tokenStatus: 404, v1: true)) { server in
            let result = try await Self.ecs(server, v1Disabled: true)
            guard case .failure(let error) = result else {
                Issue.record("expected an error")
                return
            }
            #expect("\(error)".contains("ALIBABA_CLOUD_IMDSV1_DISABLED"))
            #expect(server.requests.map(\.method) == ["PUT"])
        }
    }

    @Test func ecsMetadataRetriesWithoutTheTokenOnlyWhenIMDSv1IsAllowed() async throws {
        // A token is handed out but refused on use (a broken proxy in between, say).
        let script: FakeServer.Script = { request in
            if request.method == "PUT" { return FakeResponse(body: Array("tok-1".utf8)) }
            if request.header("X-aliyun-ecs-metadata-token") != nil { return FakeResponse(status: 401) }
            switch request.uri {
            case "/latest/meta-data/ram/security-credentials/": return FakeResponse(body: Array("EcsRole\n".utf8))
            default: return .json(Self.document("STS.v1"))
            }
        }
        try await FakeServer.with(script) { server in
            let fetched = try await Self.ecs(server, v1Disabled: false).get()
            #expect(fetched.credentials.accessKeyId == "STS.v1")
            #expect(server.requests.count == 5)
        }
        try await FakeServer.with(script) { server in
            await #expect(throws: CredentialsError.self) { try await Self.ecs(server, v1Disabled: true).get() }
            #expect(server.requests.count == 2)
        }
    }

    @Test func ecsIMDSv1SwitchIsReadFromTheEnvironment() async throws {
        try await FakeServer.with(Self.metadataScript(tokenStatus: 403, v1: true)) { server in
            try await Self.withHTTP { http in
                let chain = DefaultCredentialChain(
                    environment: ["ALIBABA_CLOUD_IMDSV1_DISABLED": "TRUE"], httpClient: http,
                    ecsMetadataBaseURL: server.endpointString,
                    files: .none
                )
                await #expect(throws: CredentialsError.self) { try await chain.credentials() }
            }
            #expect(server.requests.map(\.method) == ["PUT"])
        }
    }

    @Test func ecsMetadataCanBeDisabled() async throws {
        try await FakeServer.with({ _ in .json(Self.document("never")) }) { server in
            try await Self.withHTTP { http in
                let chain = DefaultCredentialChain(
                    environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"], httpClient: http,
                    ecsMetadataBaseURL: server.endpointString
                )
                await #expect(throws: CredentialsError.self) { try await chain.credentials() }
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func credentialsURI() async throws {
        try await FakeServer.with({ _ in .json(Self.document("STS.uri")) }) { server in
            try await Self.withHTTP { http in
                let chain = DefaultCredentialChain(
                    environment: [
                        "ALIBABA_CLOUD_CREDENTIALS_URI": server.endpointString + "/creds",
                        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                    ],
                    httpClient: http
                )
                let id = try await chain.credentials().accessKeyId
                #expect(id == "STS.uri")
            }
            #expect(server.requests.map(\.uri) == ["/creds"])
        }
    }

    @Test func oidcRoleRereadsTheTokenFile() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-\(UUID().uuidString)").path
        try Data("jwt-one\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let script: FakeServer.Script = { request in
            guard request.method == "GET", request.parameter("Action") == "AssumeRoleWithOIDC",
                request.parameter("RoleArn") == "acs:ram::1:role/r",
                request.parameter("OIDCProviderArn") == "acs:ram::1:oidc-provider/p",
                let token = request.parameter("OIDCToken")
            else { return .json(#"{"Code":"InvalidParameter"}"#, status: 400) }
            let expiration = token == "jwt-one" ? "2000-01-01T00:00:00Z" : "2099-01-01T00:00:00Z"
            let document = Self.document("STS." + token, expiration: expiration)
            return .json(#"{"RequestId":"r","Credentials":\#(document)}"#)
        }
        try await FakeServer.with(script) { server in
            try await Self.withHTTP { http in
                let source = OIDCRoleSource(
                    roleArn: "acs:ram::1:role/r", providerArn: "acs:ram::1:oidc-provider/p", tokenFile: tokenFile,
                    stsEndpoint: server.endpointString, httpClient: http
                )
                let first = try await source.fetch()
                #expect(first.credentials.accessKeyId == "STS.jwt-one")
                try Data("jwt-two".utf8).write(to: URL(fileURLWithPath: tokenFile))
                let provider = RefreshingCredentialProvider(source: source)
                #expect(try await provider.credentials().accessKeyId == "STS.jwt-two")
            }
            #expect(server.requests.count == 2)
            #expect(
                server.requests.allSatisfy {
                    $0.parameter("Version") == "2015-04-01" && $0.parameter("Timestamp") != nil
                })
        }
    }

    @Test func sourceErrorsNeverCarrySecrets() async throws {
        try await FakeServer.with({ _ in .json(#"{"Code":"Failed","AccessKeySecret":"TOPSECRET-y"}"#) }) { server in
            try await Self.withHTTP { http in
                let source = CredentialsURISource(uri: server.endpointString, httpClient: http)
                do {
                    _ = try await source.fetch()
                    Issue.record("expected an error")
                } catch {
                    #expect(!"\(error)".contains("TOPSECRET"))
                    #expect("\(error)".contains("Failed"))
                }
            }
        }
    }
}
