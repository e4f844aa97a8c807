import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SASSimulator
import Testing
@testable import SASExporter

/// The exporter polling the simulator over real sockets, served over a real socket.
@Suite("Exporter against the simulator, over sockets", .serialized)
struct IntegrationTests {
    /// A running simulator (manual clock) and exporter.
    struct Stack {
        let simulator: Simulator
        let running: RunningSimulator
        let app: ExporterApplication
        let server: Task<Void, any Error>
        let port: Int
        let http: HTTPClient

        func metrics() async throws -> String {
            let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
            return String(buffer: try await response.body.collect(upTo: 16 << 20))
        }

        func stop() async throws {
            server.cancel()
            _ = await server.result
            await running.stop()
            try await http.shutdown()
        }

        /// Waits until the account has finished `count` polls.
        func waitForPolls(_ count: UInt64) async -> Bool {
            await eventually(timeout: .seconds(20)) {
                (app.store.accountHealth().first?.health.pollsTotal ?? 0) >= count
            }
        }
    }

    static let lookbackMs: Int64 = 3_600_000

    static func start(intervalMs: Int64 = 1000) async throws -> Stack {
        let startMs = (Int64(Date().timeIntervalSince1970) / 60) * 60_000
        let simulator = Simulator(
            configuration: SimulatorConfiguration(seed: 11, tasks: 480, subtasksPerTask: 10, accessKeys: ["itid": "itsecret"]),
            clock: .manual(startMs: startMs)
        )
        let running = try await startSimulator(simulator)
        let account = AccountConfiguration(
            name: "it", endpoint: running.baseURL,
            credentials: .init(accessKeyId: "itid", accessKeySecret: "itsecret"),
            intervalMs: intervalMs, lookbackMs: lookbackMs, requestsPerSecond: 200
        )
        let sources = ClientSources(environment: [:], logger: Logger(label: "it"))
        let clock = simulator.clock
        let app = try await ExporterApplication.make(
            configuration: ExporterConfiguration(intervalMs: intervalMs, lookbackMs: lookbackMs, accounts: [account]),
            configFile: nil, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "it", revision: "it", swiftVersion: "6"),
            makeSource: { account, recorder in try sources.makeSource(account: account, recorder: recorder) },
            logger: Logger(label: "it"), clock: { clock.nowMs }
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task {
            defer { continuation.finish() }
            try await app.run(onServerRunning: { continuation.yield($0) })
            await sources.shutdown()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return Stack(simulator: simulator, running: running, app: app, server: server, port: port, http: HTTPClient(eventLoopGroupProvider: .singleton))
    }

    /// `name{labels} value` lines of one family, keyed by the label text.
    static func samples(_ text: String, _ name: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}"),
                  let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else { continue }
            out[String(line[line.index(after: open)..<close])] = value
        }
        return out
    }

    static func value(_ samples: [String: Double], containing parts: [String]) -> Double? {
        samples.first { entry in parts.allSatisfy { entry.key.contains($0) } }?.value
    }

    @Test func windowGaugesEqualTheSimulatorsCountAtTheSameMoment() async throws {
        let stack = try await Self.start()
        #expect(await stack.waitForPolls(1))
        let now = stack.simulator.clock.nowMs
        let truth = stack.simulator.groundTruth(windowStartMs: now - Self.lookbackMs, windowEndMs: now, atMs: now, lang: "en")
        let text = try await stack.metrics()
        let gauges = Self.samples(text, "alibabacloud_sas_subtasks")
        #expect(truth.total > 100, "the data set must be big enough to mean something")
        for code in 0...4 {
            let got = Self.value(gauges, containing: ["status_code=\"\(code)\""])
            #expect(got == Double(truth.count(status: code)), "status code \(code)")
        }
        let unknown = truth.countsByStatus.filter { Int($0.key).map { !(0...4).contains($0) } ?? true }.values.reduce(0, +)
        let gotUnknown = gauges.filter { $0.key.contains("status=\"unknown\"") }.values.reduce(0, +)
        #expect(gotUnknown == Double(unknown))
        #expect(text.contains("alibabacloud_sas_up{account=\"it\"} 1"))
        try await stack.stop()
    }

    @Test func completionsAfterTheBaselineAreCountedOnceEach() async throws {
        let stack = try await Self.start()
        #expect(await stack.waitForPolls(1))
        let t1 = stack.simulator.clock.nowMs
        let before = stack.simulator.groundTruth(windowStartMs: t1 - Self.lookbackMs, windowEndMs: t1, atMs: t1)
        let terminalBefore = Set(before.subtasks.filter { (2...4).contains($0.status) }.map(\.detailTaskId))
        stack.simulator.clock.advance(by: 15 * 60)
        let polls = stack.app.store.accountHealth().first?.health.pollsTotal ?? 0
        #expect(await stack.waitForPolls(polls + 3), "several polls see the same completions")
        let t2 = stack.simulator.clock.nowMs
        let after = stack.simulator.groundTruth(windowStartMs: t2 - Self.lookbackMs, windowEndMs: t2, atMs: t2)
        let text = try await stack.metrics()
        let completed = Self.samples(text, "alibabacloud_sas_subtasks_completed_total")
        var newlyCompleted = 0
        for code in 2...4 {
            let expected = after.subtasks.filter { $0.status == code && !terminalBefore.contains($0.detailTaskId) }.count
            newlyCompleted += expected
            #expect(Self.value(completed, containing: ["status_code=\"\(code)\""]) == Double(expected), "completions with code \(code)")
        }
        #expect(newlyCompleted > 0, "advancing 15 minutes must complete some subtasks")
        try await stack.stop()
    }

    @Test func aFailingAPIDrivesUpToZeroKeepsTheSnapshotAndRecovers() async throws {
        let stack = try await Self.start()
        #expect(await stack.waitForPolls(1))
        let good = try await stack.metrics()
        let gauge = Self.samples(good, "alibabacloud_sas_subtasks")
        var faults = FaultSettings()
        faults.down = true
        stack.simulator.setFaults(faults)
        #expect(await eventually(timeout: .seconds(30)) { stack.app.store.accountHealth().first?.health.up == false })
        let during = try await stack.metrics()
        #expect(during.contains("alibabacloud_sas_up{account=\"it\"} 0"))
        #expect(Self.samples(during, "alibabacloud_sas_subtasks") == gauge, "the last complete snapshot stays served")
        #expect(during.contains("code=\"ServiceUnavailable\""))
        stack.simulator.setFaults(FaultSettings())
        #expect(await eventually(timeout: .seconds(30)) { stack.app.store.accountHealth().first?.health.up == true })
        try await stack.stop()
    }

    @Test func throttlingIsRetriedAndCounted() async throws {
        let stack = try await Self.start()
        var faults = FaultSettings()
        faults.throttleRps = 1
        stack.simulator.setFaults(faults)
        #expect(await stack.waitForPolls(2))
        let text = try await stack.metrics()
        #expect(text.contains("code=\"Throttling.User\""), "throttled calls are counted by code")
        #expect(stack.app.store.accountHealth().first?.health.up == true, "retries with backoff still complete the poll")
        try await stack.stop()
    }
}
