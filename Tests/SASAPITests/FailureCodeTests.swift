import SASModels
import SASSigning
import SASTestKit
import Testing

@testable import SASAPI

/// Every failed attempt reaches `alibabacloud_sas_api_requests_total` with its cause, also
/// when no request was sent (so `up 0` always shows why).
@Suite("Failure codes of attempts that never reached the wire")
struct FailureCodeTests {
    struct NoCredentials: CredentialProvider {
        func credentials() async throws -> Credentials { throw CredentialsError("nothing in the chain applies") }
    }

    @Test func missingCredentialsAreCounted() async throws {
        try await FakeServer.with({ Pages.serve($0, count: 1) }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(
                try TestClient.configuration(server), credentials: NoCredentials(), observer: observer
            ) { client in
                let error = try #require(
                    await caught { try await client.page(ProcessDetailQuery(taskIds: ["t"]), number: 1, deadline: nil) }
                )
                #expect(error.metricCode == "credentials")
            }
            #expect(observer.codes == ["credentials"])
            #expect(observer.latencies == [nil], "no request was sent: no latency observed")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func aRateLimitWaitPastTheDeadlineIsCounted() async throws {
        try await FakeServer.with({ Pages.serve($0, count: 1) }) { server in
            var configuration = try TestClient.configuration(server)
            configuration.requestsPerSecond = 0.01
            configuration.burst = 1
            let observer = RecordingObserver()
            try await TestClient.with(configuration, observer: observer) { client in
                let query = ProcessDetailQuery(taskIds: ["t"])
                _ = try await client.page(query, number: 1, deadline: .now + .seconds(10))
                let error = try #require(
                    await caught { try await client.page(query, number: 1, deadline: .now + .seconds(10)) })
                #expect(error.metricCode == "deadline")
            }
            #expect(observer.codes == ["OK", "deadline"])
            #expect(server.requests.count == 1)
        }
    }

    @Test func pagesThatDoNotFitTogetherAreCounted() async throws {
        try await FakeServer.with({ Pages.serve($0, count: 25, total: $0.page == 1 ? 25 : 26) }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), observer: observer) { client in
                let pages = client.pages(ProcessDetailQuery(taskIds: ["t"]), pageSize: 10, deadline: nil)
                _ = await caught { try await pages.collect() }
            }
            #expect(observer.codes == ["OK", "OK", "pagination"], "each page answered OK, then the listing failed")
        }
    }
}
