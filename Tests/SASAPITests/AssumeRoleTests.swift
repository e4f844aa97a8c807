import AsyncHTTPClient
import Foundation
import SASModels
import SASSigning
import SASSimulator
import Synchronization
import Testing

@testable import SASAPI

/// The simulator on a loopback port, with a permanent key allowed to assume `roleArn`.
enum SimulatorSTS {
    static let keyId = "LTAIbase"
    static let keySecret = "TOPSECRET-base"
    static let roleArn = "acs:ram::1:role/sas"

    static func with<T>(_ body: (Simulator, RunningSimulator) async throws -> T) async throws -> T {
        let simulator = Simulator(
            configuration: SimulatorConfiguration(accessKeys: [keyId: keySecret], stsRoleArn: roleArn))
        let running = try await startSimulator(simulator)
        do {
            let value = try await body(simulator, running)
            await running.stop()
            return value
        } catch {
            await running.stop()
            throw error
        }
    }

    /// Signs a ListOperationProcessDetail call with `credentials` and sends it to the simulator.
    static func call(_ running: RunningSimulator, credentials: any CredentialProvider) async throws -> SubtaskPage {
        let configuration = SASClientConfiguration(
            endpoint: try Endpoint(parsing: running.baseURL), requestsPerSecond: 0,
            retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), random: { 0.5 })
        )
        return try await TestClient.with(configuration, credentials: credentials) { client in
            try await client.page(ProcessDetailQuery(taskIds: ["t-1"]), number: 1, deadline: nil)
        }
    }
}

@Suite("STS AssumeRole (ram_role_arn)")
struct AssumeRoleTests {
    static let base = StaticCredentialProvider(
        Credentials(accessKeyId: SimulatorSTS.keyId, accessKeySecret: SimulatorSTS.keySecret))

    @Test func issuedCredentialsAreAcceptedByTheAPI() async throws {
        try await SimulatorSTS.with { simulator, running in
            try await CredentialSourceTests.withHTTP { http in
                let source = AssumeRoleSource(
                    base: Self.base, roleArn: SimulatorSTS.roleArn, sessionName: "swift-test", durationSeconds: 1800,
                    stsEndpoint: running.baseURL, httpClient: http
                )
                let issued = try await source.fetch()
                #expect(issued.credentials.accessKeyId.hasPrefix("STS."))
                #expect(issued.credentials.securityToken != nil)
                let expiration = try #require(issued.expiration)
                #expect(abs(expiration - SASClientEnvironment.systemEpochSeconds() - 1800) <= 5)
                #expect(!"\(issued)".contains(issued.credentials.accessKeySecret.reveal()))

                let provider = RefreshingCredentialProvider(source: source)
                _ = try await SimulatorSTS.call(running, credentials: provider)
                let used = simulator.recentRequests.filter { $0.action == "ListOperationProcessDetail" }
                #expect(used.count == 1)
                #expect(used.first?.code == "OK")
                #expect(used.first?.accessKeyId.hasPrefix("STS.") == true)
                #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 2)
            }
        }
    }

    @Test func requestIsAnRPCSignedGetAsTheSDKBuildsIt() async throws {
        let source = try await CredentialSourceTests.withHTTP { http in
            AssumeRoleSource(
                base: Self.base, roleArn: "acs:ram::1:role/r", sessionName: "s", policy: #"{"Version":"1"}"#,
                externalId: "ext",
                httpClient: http, epochSeconds: { 1_700_000_000 }, nonce: { "nonce-1" }
            )
        }
        let credentials = Credentials(accessKeyId: "LTAIx", accessKeySecret: "TOPSECRET-x", securityToken: "STSTOKEN-x")
        let query = source.signedQuery(credentials: credentials)
        #expect(
            query.map(\.name) == [
                "Action", "Format", "Version", "DurationSeconds", "RoleArn", "RoleSessionName", "Policy", "ExternalId",
                "SignatureMethod", "SignatureVersion", "Timestamp", "SignatureNonce", "AccessKeyId", "SecurityToken",
                "Signature",
            ])
        let value = { (name: String) in query.first { $0.name == name }?.value }
        #expect(value("Format") == "JSON")
        #expect(value("Version") == "2015-04-01")
        #expect(value("DurationSeconds") == "3600")
        #expect(value("Timestamp") == "2023-11-14T22:13:20Z")
        #expect(value("SecurityToken") == "STSTOKEN-x")
        // Computed with the official alibabacloud-credentials 1.0.12 (parameter_helper
        // compose_string_to_sign / sign_string) for the same parameters.
        let toSign = RPCSigner.stringToSign(method: "GET", parameters: query)
        #expect(
            toSign == "GET&%2F&AccessKeyId%3DLTAIx%26Action%3DAssumeRole%26DurationSeconds%3D3600%26ExternalId%3Dext"
                + "%26Format%3DJSON%26Policy%3D%257B%2522Version%2522%253A%25221%2522%257D%26RoleArn%3Dacs%253Aram%253A%253A1%253Arole%252Fr"
                + "%26RoleSessionName%3Ds%26SecurityToken%3DSTSTOKEN-x%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dnonce-1"
                + "%26SignatureVersion%3D1.0%26Timestamp%3D2023-11-14T22%253A13%253A20Z%26Version%3D2015-04-01")
        #expect(value("Signature") == "hd/CxE84qxi39ILH6uRcCwn709k=")
    }

    @Test func refreshesBeforeExpiry() async throws {
        try await SimulatorSTS.with { simulator, running in
            try await CredentialSourceTests.withHTTP { http in
                let source = AssumeRoleSource(
                    base: Self.base, roleArn: SimulatorSTS.roleArn, durationSeconds: 3600, stsEndpoint: running.baseURL,
                    httpClient: http)
                let offset = Mutex<Int64>(0)
                let provider = RefreshingCredentialProvider(
                    source: source, epochSeconds: { SASClientEnvironment.systemEpochSeconds() + offset.withLock { $0 } }
                )
                let first = try await provider.credentials()
                let again = try await provider.credentials()
                #expect(again == first)
                #expect(simulator.stats.count(action: "AssumeRole") == 1)
                // 46 minutes on: inside the 15-minute margin before the hour's expiry.
                offset.withLock { $0 = 46 * 60 }
                let second = try await provider.credentials()
                #expect(second.accessKeyId != first.accessKeyId)
                #expect(simulator.stats.count(action: "AssumeRole") == 2)
                _ = try await SimulatorSTS.call(running, credentials: StaticCredentialProvider(second))
            }
        }
    }

    @Test func refusedCallNamesTheCodeNotTheSecret() async throws {
        try await SimulatorSTS.with { _, running in
            try await CredentialSourceTests.withHTTP { http in
                let wrongSecret = StaticCredentialProvider(
                    Credentials(accessKeyId: SimulatorSTS.keyId, accessKeySecret: "TOPSECRET-wrong"))
                let source = AssumeRoleSource(
                    base: wrongSecret, roleArn: SimulatorSTS.roleArn, stsEndpoint: running.baseURL, httpClient: http)
                do {
                    _ = try await source.fetch()
                    Issue.record("expected an error")
                } catch {
                    #expect("\(error)".contains("SignatureDoesNotMatch"))
                    #expect(!"\(error)".contains("TOPSECRET"))
                }
                let otherRole = AssumeRoleSource(
                    base: Self.base, roleArn: "acs:ram::1:role/other", stsEndpoint: running.baseURL, httpClient: http)
                await #expect(throws: CredentialsError.self) { try await otherRole.fetch() }
            }
        }
    }

    @Test func stsEndpointFollowsTheRegion() {
        #expect(AssumeRoleSource.stsEndpoint(region: nil) == "https://sts.aliyuncs.com")
        #expect(AssumeRoleSource.stsEndpoint(region: "cn-hangzhou") == "https://sts.cn-hangzhou.aliyuncs.com")
        #expect(
            AssumeRoleSource.stsEndpoint(region: "cn-hangzhou", vpc: true) == "https://sts-vpc.cn-hangzhou.aliyuncs.com"
        )
    }
}
