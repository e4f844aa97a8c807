import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SASSimulator
import SASTestKit
import Testing

@testable import SASExporter

/// The exporter polling the simulator over real sockets, served over a real socket.
@Suite("Exporter against the simulator, over sockets", .serialized)
struct IntegrationTests {
    static let lookback: Duration = .seconds(3600)
    static var lookbackMs: Int64 { lookback.milliseconds }

    static func start(
        interval: Duration = .seconds(1),
        simulator: SimulatorConfiguration = SimulatorConfiguration(seed: 11, tasks: 480, subtasksPerTask: 10),
        taskIds: [String]? = nil, pollTimeout: Duration? = nil
    ) async throws -> ExporterStack {
        try await ExporterStack.start(simulator: simulator) { url in
            ExporterConfiguration(accounts: [
                try ExporterStack.account(
                    "it", baseURL: url, interval: interval, lookback: lookback, taskIds: taskIds,
                    pollTimeout: pollTimeout
                )
            ])
        }
    }

    static func samples(_ text: String, _ name: String) -> [String: Double] { Exposition.samples(text, name) }

    static func value(_ samples: [String: Double], containing parts: [String]) -> Double? {
        Exposition.value(samples, containing: parts)
    }

    @Test func windowGaugesEqualTheSimulatorsCountAtTheSameMoment() async throws {
        let stack = try await Self.start()
        #expect(await stack.waitForPolls("it", 1))
        let now = stack.simulator.clock.nowMs
        let truth = stack.simulator.groundTruth(
            windowStartMs: now - Self.lookbackMs, windowEndMs: now, atMs: now, lang: "en")
        let text = try await stack.metrics()
        let gauges = Self.samples(text, "alibabacloud_sas_subtasks")
        #expect(truth.total > 100, "the data set must be big enough to mean something")
        for code in 0...4 {
            let got = Self.value(gauges, containing: ["status_code=\"\(code)\""])
            #expect(got == Double(truth.count(status: code)), "status code \(code)")
        }
        let unknown = truth.countsByStatus.filter { Int($0.key).map { !(0...4).contains($0) } ?? true }.values.reduce(
            0, +)
        let gotUnknown = gauges.filter { $0.key.contains("status=\"unknown\"") }.values.reduce(0, +)
        #expect(gotUnknown == Double(unknown))
        #expect(text.contains("alibabacloud_sas_up{account=\"it\"} 1"))
        await stack.stop()
    }

    @Test func completionsAfterTheBaselineAreCountedOnceEach() async throws {
        let stack = try await Self.start()
        #expect(await stack.waitForPolls("it", 1))
        let t1 = stack.simulator.clock.nowMs
        let before = stack.simulator.groundTruth(windowStartMs: t1 - Self.lookbackMs, windowEndMs: t1, atMs: t1)
        let terminalBefore = Set(before.subtasks.filter { (2...4).contains($0.status) }.map(\.detailTaskId))
        stack.simulator.clock.advance(by: 15 * 60)
        #expect(await stack.waitForPolls("it", stack.polls("it") + 3), "several polls see the same completions")
        let t2 = stack.simulator.clock.nowMs
        let after = stack.simulator.groundTruth(windowStartMs: t2 - Self.lookbackMs, windowEndMs: t2, atMs: t2)
        let text = try await stack.metrics()
        let completed = Self.samples(text, "alibabacloud_sas_subtasks_completed_total")
        var newlyCompleted = 0
        for code in 2...4 {
            let expected = after.subtasks.filter { $0.status == code && !terminalBefore.contains($0.detailTaskId) }
                .count
            newlyCompleted += expected
            #expect(
                Self.value(completed, containing: ["status_code=\"\(code)\""]) == Double(expected),
                "completions with code \(code)")
        }
        #expect(newlyCompleted > 0, "advancing 15 minutes must complete some subtasks")
        await stack.stop()
    }

    @Test func aFailingAPIDrivesUpToZeroKeepsTheSnapshotAndRecovers() async throws {
        // A short poll_timeout: an outage is retried (503 is "slow down") until it.
        let stack = try await Self.start(pollTimeout: .seconds(3))
        #expect(await stack.waitForPolls("it", 1))
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
        await stack.stop()
    }

    @Test func throttlingIsRetriedAndCounted() async throws {
        let stack = try await Self.start()
        var faults = FaultSettings()
        faults.throttleRps = 1
        stack.simulator.setFaults(faults)
        #expect(await stack.waitForPolls("it", 2))
        let text = try await stack.metrics()
        #expect(text.contains("code=\"Throttling.User\""), "throttled calls are counted by code")
        #expect(
            stack.app.store.accountHealth().first?.health.up == true, "retries with backoff still complete the poll")
        await stack.stop()
    }
}
