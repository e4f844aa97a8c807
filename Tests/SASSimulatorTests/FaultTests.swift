import Foundation
import HummingbirdTesting
import SASModels
import SASSigning
import Testing

@testable import SASSimulator

@Suite("Injected faults")
struct FaultTests {
    private func call() -> TestCall { signedCall(query: detailQuery(taskIds: ["x"])) }

    @Test("throttle_rps answers Throttling.User with x-acs-retry-after")
    func throttle() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(throttleRps: 1))
        try await withRouter(simulator) { client in
            let first = try await client.send(call())
            #expect(first.status == 200)
            let second = try await client.send(call())
            #expect(second.status == 400)
            #expect(second.error?.code == "Throttling.User")
            let retry = try #require(second.headers[HTTPField.Name("x-acs-retry-after")!].flatMap { Int($0) })
            #expect((1...1000).contains(retry))
            // another key has its own bucket
            let other = Credentials(accessKeyId: "other", accessKeySecret: "s")
            #expect(
                try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), credentials: other)).status == 404)
        }
    }

    @Test("The configured per-key rate throttles too")
    func configuredRate() async throws {
        let simulator = makeSimulator { $0.requestsPerSecondPerKey = 0.01 }
        try await withRouter(simulator) { client in
            var codes: [Int] = []
            for _ in 0..<4 { codes.append(try await client.send(call()).status) }
            #expect(codes == [200, 400, 400, 400])
            #expect(simulator.stats.byCode["Throttling.User"] == 3)
        }
    }

    @Test("error_rate 1 gives 500 ServerError; a fractional rate is seeded and repeatable")
    func errorRate() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(errorRate: 1))
        try await withRouter(simulator) { client in
            let reply = try await client.send(call())
            #expect(reply.status == 500)
            #expect(reply.error?.code == "ServerError")
        }
        let decisions = { (s: Simulator) in (1...200).map { s.decide(0.3, kind: 1, sequence: UInt64($0)) } }
        let a = decisions(makeSimulator())
        let b = decisions(makeSimulator())
        #expect(a == b)
        #expect((30...90).contains(a.filter { $0 }.count))
    }

    @Test("down answers every API call 503 ServiceUnavailable")
    func down() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(down: true))
        try await withRouter(simulator) { client in
            let reply = try await client.send(call())
            #expect(reply.status == 503)
            #expect(reply.error?.code == "ServiceUnavailable")
            #expect(simulator.stats.count(action: "ListOperationProcessDetail", code: "ServiceUnavailable") == 1)
        }
    }

    @Test("latency_ms delays the answer")
    func latency() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(latencyMs: 300))
        try await withRouter(simulator) { client in
            let start = ContinuousClock.now
            let reply = try await client.send(call())
            let elapsed = ContinuousClock.now - start
            #expect(reply.status == 200)
            #expect(elapsed >= .milliseconds(300))
        }
    }

    @Test("malformed_rate and truncate_rate give bodies that are not valid JSON")
    func badBodies() async throws {
        for faults in [FaultSettings(malformedRate: 1), FaultSettings(truncateRate: 1)] {
            let simulator = makeSimulator()
            simulator.setFaults(faults)
            try await withRouter(simulator) { client in
                let ids = simulator.groundTruth(windowStartMs: fixedNowMs - 86_400_000, windowEndMs: fixedNowMs).taskIds
                let reply = try await client.send(signedCall(query: detailQuery(taskIds: ids)))
                #expect(reply.status == 200)
                #expect(!reply.body.isEmpty)
                #expect((try? reply.decode(ListOperationProcessDetailResponse.self)) == nil)
            }
        }
    }

    @Test("total_count_drift changes TotalCount between pages")
    func drift() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(totalCountDrift: 3))
        try await withRouter(simulator) { client in
            let ids = try await discoverTaskIds(client, simulator: simulator)
            let one = try await client.send(signedCall(query: detailQuery(taskIds: ids, page: 1)))
            let two = try await client.send(signedCall(query: detailQuery(taskIds: ids, page: 2)))
            let t1 = try #require(try one.decode(ListOperationProcessDetailResponse.self).pageInfo?.totalCount)
            let t2 = try #require(try two.decode(ListOperationProcessDetailResponse.self).pageInfo?.totalCount)
            #expect(t2 == t1 + 3)
        }
    }

    @Test("no_permission and --no-permission-key answer 403 NoPermission")
    func noPermission() async throws {
        let simulator = makeSimulator { $0.noPermissionKeys = ["limited": "limitedsecret"] }
        try await withRouter(simulator) { client in
            let limited = Credentials(accessKeyId: "limited", accessKeySecret: "limitedsecret")
            let reply = try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), credentials: limited))
            #expect(reply.status == 403)
            #expect(reply.error?.code == "NoPermission")
            simulator.setFaults(FaultSettings(noPermission: ["testid"]))
            #expect(try await client.send(call()).error?.code == "NoPermission")
            simulator.reset()
            #expect(try await client.send(call()).status == 200)
        }
    }

    @Test("close_rate closes the connection in the middle of the body")
    func closeMidway() async throws {
        let simulator = makeSimulator()
        simulator.setFaults(FaultSettings(closeRate: 1))
        let running = try await startSimulator(simulator)
        defer { Task { await running.stop() } }
        let ids = simulator.groundTruth(windowStartMs: fixedNowMs - 86_400_000, windowEndMs: fixedNowMs).taskIds
        let call = signedCall(query: detailQuery(taskIds: ids))
        let raw = try await rawExchange(port: running.port, call: call, host: "localhost")
        let headerEnd = try #require(raw.range(of: Data("\r\n\r\n".utf8)))
        let head = String(decoding: raw[..<headerEnd.lowerBound], as: UTF8.self)
        let length = try #require(
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) })
        let bodyBytes = raw.count - headerEnd.upperBound
        #expect(head.hasPrefix("HTTP/1.1 200"))
        #expect(bodyBytes < length)
        #expect(bodyBytes > 0)
        await running.stop()
    }
}
