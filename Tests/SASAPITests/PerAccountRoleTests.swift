import AsyncHTTPClient
import Foundation
import Logging
import SASModels
import SASSigning
import SASSimulator
import Synchronization
import Testing

@testable import SASAPI

@Suite("Per-account roles")
struct PerAccountRoleTests {
    static let roles = (1...3).map { "acs:ram::100000000000000\($0):role/sas-reader" }

    @Test func oneRRSAIdentityAssumesARolePerAccountAndRefreshesBeforeExpiry() async throws {
        let simulator = Simulator(configuration: SimulatorConfiguration(accessKeys: [:]))
        let running = try await startSimulator(simulator)
        let token = try OIDCTokenFile()
        let pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: [:], connectTimeout: .seconds(2)))
        // The exporter's wall clock, moved on by hand; STS and the API see real time.
        let offset = Mutex<Int64>(0)
        let refresh = RefreshSettings(epochSeconds: {
            SASClientEnvironment.systemEpochSeconds() + offset.withLock { $0 }
        })
        let factory = CredentialProviderFactory(
            environment: token.environment(sts: running.baseURL), clients: .perURL(pool), files: .none, refresh: refresh
        )
        let providers = try Self.roles.enumerated().map { index, role in
            try factory.provider(
                base: nil,
                role: RoleAssumption(
                    roleArn: role, roleSessionName: RoleAssumption.defaultSessionName(account: "acct-\(index)")),
                accountRegion: "cn-hangzhou"
            )
        }
        let accounts = try AccountClients(endpoint: running.baseURL, providers: providers)
        do {
            /// Every account once per round; each call must carry that account's role.
            func rounds(_ count: Int) async throws {
                for _ in 0..<count {
                    for index in Self.roles.indices {
                        try await accounts.call(index)
                        let last = simulator.recentRequests.last { $0.action == "ListOperationProcessDetail" }
                        #expect(last?.code == "OK")
                        #expect(last?.roleArn == Self.roles[index])
                    }
                }
            }
            try await rounds(3)
            #expect(simulator.stats.count(action: "AssumeRoleWithOIDC", code: "OK") == 1)
            #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 3)
            let rrsaKey = simulator.recentRequests.first { $0.action == "AssumeRoleWithOIDC" }
            #expect(rrsaKey != nil)
            // Each AssumeRole was signed by the one RRSA identity's temporary key.
            let assumeCalls = simulator.recentRequests.filter { $0.action == "AssumeRole" }
            #expect(assumeCalls.allSatisfy { $0.roleArn == "acs:ram::1999999999999999:role/sas-exporter-rrsa" })
            #expect(Set(assumeCalls.map(\.accessKeyId)).count == 1)
            let firstKeys = Self.roles.map { simulator.issuedCredentials(roleArn: $0).map(\.accessKeyId) }
            #expect(firstKeys.allSatisfy { $0.count == 1 })

            // 46 minutes on: inside the 15-minute margin of the hour-long credentials.
            offset.withLock { $0 = 46 * 60 }
            try await rounds(2)
            #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 6)
            #expect(simulator.stats.count(action: "AssumeRoleWithOIDC", code: "OK") == 2)
            for (index, role) in Self.roles.enumerated() {
                let issued = simulator.issuedCredentials(roleArn: role)
                try #require(issued.count == 2)
                #expect(issued[0].accessKeyId == firstKeys[index].first)
                // Refreshed while the old key was still valid.
                #expect(issued[1].issuedAtMs < issued[0].expiresAtMs)
                let used = simulator.recentRequests.filter {
                    $0.action == "ListOperationProcessDetail" && $0.roleArn == role
                }
                #expect(used.suffix(2).allSatisfy { $0.accessKeyId == issued[1].accessKeyId })
                #expect(used.prefix(3).allSatisfy { $0.accessKeyId == issued[0].accessKeyId })
            }
            #expect(simulator.stats.count(action: "ListOperationProcessDetail", code: "OK") == 15)
        } catch {
            Issue.record("unexpected \(error)")
        }
        await accounts.shutdown()
        await pool.shutdown()
        token.remove()
        await running.stop()
    }

    @Test func theAccountsOwnKeyIsTheBaseIdentity() async throws {
        try await SimulatorSTS.with { simulator, running in
            let pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: [:]))
            let factory = CredentialProviderFactory(
                environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"], clients: .perURL(pool),
                stsEndpointOverride: running.baseURL,
                files: .none
            )
            let base = StaticCredentialProvider(
                Credentials(accessKeyId: SimulatorSTS.keyId, accessKeySecret: SimulatorSTS.keySecret))
            let role = RoleAssumption(
                roleArn: SimulatorSTS.roleArn, roleSessionName: "sas-exporter-prod", externalId: "abc123",
                duration: .seconds(1800))
            let provider = try factory.provider(base: base, role: role, accountRegion: nil)
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyId.hasPrefix("STS."))
            let call = try #require(simulator.recentRequests.last { $0.action == "AssumeRole" })
            #expect(call.accessKeyId == SimulatorSTS.keyId)
            #expect(
                simulator.issuedCredentials(accessKeyId: credentials.accessKeyId)?.sessionName == "sas-exporter-prod")
            // Without a role, the account's own key is used as it is.
            let plain = try factory.provider(base: base, role: nil, accountRegion: nil)
            #expect(try await plain.credentials().accessKeyId == SimulatorSTS.keyId)
            await pool.shutdown()
        }
    }

    @Test func accountsWithoutOwnKeysShareOneDefaultChain() async throws {
        try await CredentialSourceTests.withHTTP { http in
            let factory = CredentialProviderFactory(environment: [:], clients: .fixed(http))
            let first = try factory.provider(base: nil, role: nil, accountRegion: nil)
            let second = try factory.provider(base: nil, role: nil, accountRegion: nil)
            #expect(first as AnyObject === second as AnyObject)
        }
    }

    @Test func roleSettingsSTSWouldRefuseNameTheirKey() {
        let good = RoleAssumption(
            roleArn: "acs:ram::1234567890123456:role/sas-reader", roleSessionName: "sas-exporter-prod")
        #expect(throws: Never.self) { try good.validate() }
        func key(_ change: (inout RoleAssumption) -> Void) -> String? {
            var role = good
            change(&role)
            do {
                try role.validate()
                return nil
            } catch {
                return error.key
            }
        }
        #expect(key { $0.roleArn = "sas-reader" } == "role_arn")
        #expect(key { $0.roleSessionName = "has space" } == "role_session_name")
        #expect(key { $0.roleSessionName = String(repeating: "a", count: 65) } == "role_session_name")
        #expect(key { $0.externalId = "x" } == "external_id")
        #expect(key { $0.externalId = "abc123" } == nil)
        #expect(key { $0.duration = .seconds(899) } == "duration")
        #expect(key { $0.duration = .seconds(43_201) } == "duration")
        #expect(key { $0.duration = .milliseconds(1_800_500) } == "duration")
        #expect(key { $0.duration = .seconds(900) } == nil)
        #expect(key { $0.stsEndpoint = "sts-vpc.cn-hangzhou.aliyuncs.com" } == nil)
        #expect(key { $0.stsEndpoint = "https://sts.example/path" } == "sts_endpoint")
        #expect(!"\(RoleAssumption(roleArn: "a", roleSessionName: "b", externalId: "SECRETISH"))".contains("SECRETISH"))
    }

    @Test func defaultSessionNameIsOneSTSAccepts() throws {
        #expect(RoleAssumption.defaultSessionName(account: "prod") == "sas-exporter-prod")
        let odd = RoleAssumption.defaultSessionName(
            account: "prod eu/west#2 \u{00E9}" + String(repeating: "x", count: 80))
        #expect(odd.hasPrefix("sas-exporter-prod-eu-west-2--"))
        #expect(odd.count == 64)
        var role = RoleAssumption(roleArn: "acs:ram::1:role/r", roleSessionName: odd)
        try role.validate()
        role.roleSessionName = RoleAssumption.defaultSessionName(account: "")
        try role.validate()
    }

    @Test func aFailingSTSIsNotCalledAtTheAPICallRate() async throws {
        let simulator = Simulator(configuration: SimulatorConfiguration(accessKeys: ["LTAIbase": "TOPSECRET-base"]))
        let running = try await startSimulator(simulator)
        try await CredentialRefreshTests.withSTS(status: 503, body: #"{"Code":"ServiceUnavailable"}"#) { sts in
            let pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: [:]))
            let clocks = ManualClocks()
            let factory = CredentialProviderFactory(
                environment: [:], clients: .perURL(pool), stsEndpointOverride: sts.endpointString, files: .none,
                refresh: clocks.settings
            )
            let base = StaticCredentialProvider(Credentials(accessKeyId: "LTAIbase", accessKeySecret: "TOPSECRET-base"))
            let role = RoleAssumption(roleArn: "acs:ram::1:role/r", roleSessionName: "sas-exporter-a")
            let accounts = try AccountClients(
                endpoint: running.baseURL, providers: [try factory.provider(base: base, role: role, accountRegion: nil)]
            )
            var failures = 0
            for _ in 0..<50 {
                do {
                    try await accounts.call(0)
                } catch let error as SASAPIError {
                    if case .credentials = error.kind { failures += 1 }
                }
            }
            #expect(failures == 50)
            #expect(sts.requests.count == 1)
            #expect(simulator.stats.total == 0)
            clocks.advance(by: .seconds(1))
            _ = try? await accounts.call(0)
            #expect(sts.requests.count == 2)
            await accounts.shutdown()
            await pool.shutdown()
        }
        await running.stop()
    }
}
