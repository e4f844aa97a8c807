import AsyncHTTPClient
import Foundation
import Logging
import SASModels
import SASSigning
import Synchronization

@testable import SASAPI

/// An OIDC token file for the RRSA identity, removed by `remove()`.
struct OIDCTokenFile {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-\(UUID().uuidString)").path

    init(_ token: String = "eyJhbGciOiJSUzI1NiJ9.payload.signature") throws {
        try Data(token.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The environment ack-pod-identity-webhook gives a pod, STS pointed at `sts`.
    func environment(sts: String) -> [String: String] {
        [
            "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1999999999999999:role/sas-exporter-rrsa",
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1999999999999999:oidc-provider/ack-rrsa-c1",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": path,
            "ALIBABA_CLOUD_STS_ENDPOINT": sts,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true",
        ]
    }
}

/// One signed client per account against the simulator, sharing an HTTP client.
struct AccountClients {
    let http: HTTPClient
    let clients: [SASClient]

    init(endpoint: String, providers: [any CredentialProvider]) throws {
        let configuration = SASClientConfiguration(
            endpoint: try Endpoint(parsing: endpoint), requestsPerSecond: 0,
            retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), random: { 0.5 })
        )
        let http = SASHTTPClientFactory(environment: [:], connectTimeout: .seconds(2)).makeClient(
            for: configuration.endpoint)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        self.http = http
        clients = providers.map {
            SASClient(configuration: configuration, credentials: $0, transport: .asyncHTTPClient(http), logger: logger)
        }
    }

    func call(_ index: Int) async throws {
        _ = try await clients[index].page(ProcessDetailQuery(taskIds: ["t-1"]), number: 1, deadline: nil)
    }

    func shutdown() async { try? await http.shutdown() }
}

/// A wall clock and a monotonic clock that move only when told.
final class ManualClocks: Sendable {
    private let offset = Mutex<Duration>(.zero)
    private let epochStart: Int64
    private let monotonicStart = ContinuousClock.now

    init(epochSeconds: Int64 = SASClientEnvironment.systemEpochSeconds()) {
        epochStart = epochSeconds
    }

    func advance(by duration: Duration) { offset.withLock { $0 += duration } }

    var settings: RefreshSettings {
        RefreshSettings(backoff: RefreshBackoff(random: { 0.5 }), epochSeconds: epochSeconds, now: now)
    }

    var epochSeconds: @Sendable () -> Int64 {
        { self.epochStart + self.offset.withLock { $0.components.seconds } }
    }

    var now: @Sendable () -> ContinuousClock.Instant {
        { self.monotonicStart + self.offset.withLock { $0 } }
    }
}
