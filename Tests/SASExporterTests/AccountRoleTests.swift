import Foundation
import SASAPI
import SASSimulator
import SASTestKit
import Testing

@testable import SASExporter

/// Issue 14: one base identity polls many accounts, each through a RAM role of its own
/// (`credentials.role_arn`), end to end: the configuration file, the exporter's sources,
/// the simulator's STS and API.
@Suite("Per-account roles from one identity", .serialized)
struct AccountRoleTests {
    static let roles = ["alpha", "beta", "gamma"].map {
        ($0, "acs:ram::10000000000000\($0.count):role/sas-reader-\($0)")
    }

    @Test func threeAccountsThreeRolesOneBaseKey() async throws {
        let base = ExporterStack.key
        let clock = ManualClock()
        let stack = try await ExporterStack.start(
            configuration: { url in
                var text = "accounts:\n"
                for (name, arn) in Self.roles {
                    text += """
                          - name: \(name)
                            endpoint: \(url)
                            interval: 100s
                            lookback: 1h
                            credentials:
                              access_key_id: \(base.accessKeyId)
                              access_key_secret: \(base.accessKeySecret.reveal())
                              role_arn: "\(arn)"
                              duration: 15m

                        """
                }
                return try ConfigLoader().parse(text, file: "roles.yml")
            }, monotonic: clock)
        // Three accounts start spread over their interval: one interval polls each once.
        #expect(await clock.idle(sleepers: 3, within: .seconds(100)))
        clock.advance(by: .seconds(100))
        for (name, _) in Self.roles { #expect(await stack.waitForPolls(name, 1)) }
        let text = try await stack.metrics()
        for (name, _) in Self.roles {
            #expect(text.contains("alibabacloud_sas_up{account=\"\(name)\"} 1"), "\(name) polls through its role")
        }

        let requests = stack.simulator.recentRequests
        let assumed = requests.filter { $0.action == "AssumeRole" }
        #expect(assumed.count == 3, "one AssumeRole per account")
        #expect(assumed.allSatisfy { $0.accessKeyId == base.accessKeyId }, "every role assumed by the one base key")
        let apiCalls = requests.filter { $0.action.hasPrefix("ListOperationProcess") }
        #expect(!apiCalls.isEmpty)
        #expect(
            apiCalls.allSatisfy { $0.accessKeyId != base.accessKeyId && $0.accessKeyId.hasPrefix("STS.") },
            "no API call is signed with the base key itself")
        // Each account's calls carry a key issued for that account's role: the simulator
        // records the role of the key behind every call.
        let rolesUsed = Set(apiCalls.compactMap(\.roleArn))
        #expect(rolesUsed == Set(Self.roles.map(\.1)), "three accounts, three roles, each used")
        let keysPerRole = Dictionary(grouping: apiCalls, by: { $0.roleArn ?? "" }).mapValues {
            Set($0.map(\.accessKeyId))
        }
        #expect(keysPerRole.values.allSatisfy { $0.count == 1 }, "one temporary key per role")
        #expect(Set(keysPerRole.values.flatMap { $0 }).count == 3, "no key shared between accounts")
        await stack.stop()
    }
}
