import Foundation
import HummingbirdTesting
import SASModels
import SASSigning
import Testing

@testable import SASSimulator

@Suite("Admin API, request log and live server")
struct AdminTests {
    @Test("POST /admin/faults merges fields and GET shows them; /admin/reset restores")
    func faults() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let set = try await client.postJSON(
                "/admin/faults", #"{"error_rate": 0.5, "throttle_rps": 3, "no_permission": ["k"]}"#)
            #expect(set.status == 200)
            #expect(simulator.faults == FaultSettings(throttleRps: 3, errorRate: 0.5, noPermission: ["k"]))
            _ = try await client.postJSON("/admin/faults", #"{"down": true, "throttle_rps": null}"#)
            #expect(simulator.faults == FaultSettings(errorRate: 0.5, down: true, noPermission: ["k"]))
            let shown = try await client.get("/admin/faults").decode(FaultSettings.self)
            #expect(shown == simulator.faults)
            #expect(try await client.postJSON("/admin/faults", "not json").status == 400)
            _ = try await client.postJSON("/admin/reset", "")
            #expect(simulator.faults == FaultSettings())
        }
    }

    @Test("POST /admin/burst and /admin/advance drive /admin/truth")
    func burstAndAdvance() async throws {
        let simulator = makeSimulator()
        try await withRouter(simulator) { client in
            let burst = try await client.postJSON("/admin/burst", #"{"check_id": 133, "count": 20, "status": 4}"#)
            #expect(burst.status == 200)
            let object = try JSONSerialization.jsonObject(with: Data(burst.body)) as? [String: Any]
            let taskId = try #require(object?["task_id"] as? String)
            let advanced = try await client.postJSON("/admin/advance", #"{"seconds": 15}"#)
            #expect(advanced.text.contains(String(fixedNowMs + 15_000)))
            let truth = try await client.get("/admin/truth").decode(GroundTruth.self)
            #expect(truth.atMs == fixedNowMs + 15_000)
            #expect(truth.windowEndMs == truth.atMs && truth.windowStartMs == truth.atMs - 86_400_000)
            #expect(truth.taskIds.contains(taskId))
            #expect(truth.subtasks.filter { $0.taskId == taskId && $0.status == 4 }.count == 20)
            #expect(truth.checkNames["133"] == "安全中心客户端状态检查")
            let english = try await client.get(
                "/admin/truth?start=\(fixedNowMs - 3_600_000)&end=\(fixedNowMs + 60_000)&lang=en"
            ).decode(GroundTruth.self)
            #expect(english.windowStartMs == fixedNowMs - 3_600_000)
            #expect(english.checkNames["133"] == "Check for Security Center Agent Status")
            #expect(english.total < truth.total)
        }
    }

    @Test("/admin/stats and /admin/requests count every call and never show secrets")
    func statsAndLog() async throws {
        let simulator = makeSimulator()
        let issued = simulator.issueTemporaryCredentials(durationSeconds: 600)
        try await withRouter(simulator) { client in
            _ = try await client.send(signedCall(query: detailQuery(taskIds: ["x"])))
            _ = try await client.send(signedCall(query: detailQuery(taskIds: ["x"]), style: .rpc))
            _ = try await client.send(signedCall(query: [], style: .rpc))
            let sts = Credentials(
                accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret,
                securityToken: issued.securityToken)
            _ = try await client.send(signedCall(action: "ListOperationProcess", query: [], credentials: sts))
            let stats = try await client.get("/admin/stats").decode(RequestStats.self)
            #expect(stats.total == 4)
            #expect(stats.byAction["ListOperationProcessDetail"] == 3)
            #expect(stats.count(action: "ListOperationProcessDetail", code: "OK") == 2)
            #expect(stats.count(action: "ListOperationProcessDetail", code: "CspmParamIllegal") == 1)
            #expect(stats.byAccessKey["testid"] == 3)
            #expect(stats.byAccessKey[issued.accessKeyId] == 1)
            let log = try await client.get("/admin/requests")
            let records = try log.decode([RequestRecord].self)
            #expect(records.map(\.signature) == ["v3", "rpc", "rpc", "v3"])
            #expect(!log.text.contains("testsecret"))
            #expect(!log.text.contains(issued.securityToken) && !log.text.contains(issued.accessKeySecret))
            #expect(try await client.get("/admin/requests?limit=1").decode([RequestRecord].self).count == 1)
        }
    }

    @Test("startSimulator listens on a free loopback port and answers signed calls")
    func liveServer() async throws {
        let simulator = makeSimulator()
        let running = try await startSimulator(simulator)
        #expect(running.port > 0)
        #expect(running.endpoint == "127.0.0.1:\(running.port)")
        let raw = try await rawExchange(
            port: running.port, call: signedCall(query: detailQuery(taskIds: ["x"])), host: "localhost")
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.contains("\"PageInfo\""))
        await running.stop()
    }
}
