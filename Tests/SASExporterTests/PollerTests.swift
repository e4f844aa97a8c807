import Foundation
import Logging
import SASAPI
import SASMetrics
import SASModels
import SASTestKit
import Testing

@testable import SASExporter

@Suite("Polling, publishing and the last good snapshot")
struct PollerTests {
    /// Test subtasks are created at 999 s; polls see them with the wall clock at 2000 s.
    static let wall = TestWallClock(2_000_000)
    static let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: 1)

    static func make(
        _ source: FakePollSource, stateFile: String? = nil, interval: Duration = .seconds(100)
    ) async throws -> RunningExporter {
        let account = AccountConfiguration(name: "prod", endpoint: endpoint, interval: interval)
        return try await RunningExporter.start(
            configuration: ExporterConfiguration(stateFile: stateFile, accounts: [account]),
            makeSource: { _, _ in source }, clock: wall.exporterClock
        )
    }

    static func text(_ store: MetricsStore) -> String {
        String(decoding: store.renderedBody(.prometheusText), as: UTF8.self)
    }

    @Test func firstPollPublishesTheSnapshotAndUp() async throws {
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1), subtask("b", status: 2)]))
        let exporter = try await Self.make(source)
        let app = exporter.app
        #expect(await eventually { app.store.accountHealth().first?.health.hasFinishedPoll == true })
        let text = Self.text(app.store)
        #expect(text.contains(#"alibabacloud_sas_up{account="prod"} 1"#))
        #expect(
            text.contains(#"alibabacloud_sas_subtasks{account="prod",status="running",status_code="1"} 1"#)
                || text.contains(#"alibabacloud_sas_subtasks{account="prod",status_code="1",status="running"} 1"#))
        #expect(text.contains(#"alibabacloud_sas_polls_total{account="prod"} 1"#))
        await exporter.stop()
    }

    /// The tasks gauge holds the window's tasks only, as the subtask gauges do: a task
    /// created before the lookback is not counted however the source returns it.
    @Test func theTasksGaugeHoldsTheWindowOnly() async throws {
        let now = Self.wall.ms
        let source = FakePollSource(
            .init(tasks: [
                OperationProcess(taskId: "new", statusCode: 1, createTime: now - 60_000),
                OperationProcess(taskId: "old", statusCode: 2, createTime: now - 2 * 86_400_000),
                OperationProcess(taskId: "undated", statusCode: 2),
            ]))
        let exporter = try await Self.make(source)
        let app = exporter.app
        #expect(await eventually { app.store.accountHealth().first?.health.hasFinishedPoll == true })
        let tasks = Exposition.samples(Self.text(app.store), "alibabacloud_sas_tasks")
        #expect(Exposition.value(tasks, containing: [#"status_code="1""#]) == 1)
        #expect(Exposition.value(tasks, containing: [#"status_code="2""#]) == 1, "old is outside the window")
        await exporter.stop()
    }

    @Test func failedPollKeepsTheLastSnapshotAndRecovers() async throws {
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let exporter = try await Self.make(source, interval: .seconds(1))
        let app = exporter.app
        #expect(await eventually { app.store.accountHealth().first?.health.up == true })
        let before = Self.text(app.store)
        let subtaskLine = before.split(separator: "\n").first {
            $0.hasPrefix("alibabacloud_sas_subtasks{") && $0.contains("\"1\"")
        }
        source.update { $0.failure = PollFailure("Throttling.User: too many requests (RequestId R1)") }
        #expect(await eventually { app.store.accountHealth().first?.health.up == false })
        let during = Self.text(app.store)
        #expect(during.contains(#"alibabacloud_sas_up{account="prod"} 0"#))
        #expect(subtaskLine.map { during.contains($0) } == true, "the last complete snapshot stays served")
        #expect(during.contains(#"alibabacloud_sas_poll_failures_total{account="prod"} 1"#))
        source.update { $0.failure = nil }
        #expect(await eventually { app.store.accountHealth().first?.health.up == true })
        await exporter.stop()
    }

    @Test func readinessWaitsForTheFirstPoll() async throws {
        let source = FakePollSource(.init(failure: PollFailure("down")))
        let exporter = try await Self.make(source)
        let app = exporter.app
        #expect(await eventually { app.store.accountHealth().first?.health.hasFinishedPoll == true })
        let router = ExporterRouter(store: app.store, reload: { .reloaded })
        #expect(router.ready().status == .ok, "an account that reported its error counts as ready")
        await exporter.stop()
    }

    @Test func stateFileCarriesCountersAcrossRestarts() async throws {
        let directory = try TemporaryDirectory("state")
        defer { directory.remove() }
        let path = directory.path("state.json")
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1), subtask("b", status: 1)]))
        let first = try await Self.make(source, stateFile: path, interval: .seconds(1))
        #expect(await eventually { first.health("prod")?.up == true })
        source.update { $0.subtasks = [subtask("a", status: 1), subtask("b", status: 2)] }
        #expect(await eventually { Self.completed(first.app.store, "2") == 1 })
        await first.stop()
        #expect(FileManager.default.fileExists(atPath: path))
        // While "down", subtask a failed; the restarted exporter counts it once. It starts
        // with the API failing: the restored counters are served all the same.
        source.update {
            $0.subtasks = [subtask("a", status: 4), subtask("b", status: 2)]
            $0.failure = PollFailure("ServiceUnavailable")
        }
        let second = try await Self.make(source, stateFile: path, interval: .seconds(1))
        #expect(await eventually { second.health("prod")?.hasFinishedPoll == true })
        let restored = Self.text(second.app.store)
        #expect(
            restored.contains(
                #"alibabacloud_sas_subtasks_completed_total{account="prod",status_code="2",status="succeeded"} 1"#),
            "restored counters are served, with their values, before any complete poll")
        #expect(
            restored.contains(
                #"alibabacloud_sas_subtasks_completed_total{account="prod",status_code="4",status="failed"} 0"#))
        #expect(restored.contains(#"alibabacloud_sas_up{account="prod"} 0"#))
        #expect(!restored.contains("alibabacloud_sas_subtasks{"), "no window gauges before a complete poll")
        source.update { $0.failure = nil }
        #expect(await eventually { second.health("prod")?.up == true })
        let text = Self.text(second.app.store)
        #expect(
            text.contains(
                #"alibabacloud_sas_subtasks_completed_total{account="prod",status="failed",status_code="4"} 1"#)
                || text.contains(
                    #"alibabacloud_sas_subtasks_completed_total{account="prod",status_code="4",status="failed"} 1"#)
        )
        await second.stop()
    }

    /// `subtasks_completed_total` of one status code, 0 when absent.
    static func completed(_ store: MetricsStore, _ code: String) -> Double {
        let samples = Exposition.samples(text(store), "alibabacloud_sas_subtasks_completed_total")
        return Exposition.value(samples, containing: [#"status_code="\#(code)""#]) ?? 0
    }

    /// The same account name on another endpoint (another region's host): the counters
    /// are kept, what the new endpoint shows terminal at first is a baseline, what it shows
    /// open is counted when it completes, and the log says a new baseline began.
    @Test func anotherEndpointUnderTheSameNameIsANewBaseline() async throws {
        let directory = try TemporaryDirectory("state")
        defer { directory.remove() }
        let path = directory.path("state.json")
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let first = try await Self.make(source, stateFile: path, interval: .seconds(1))
        #expect(await eventually { first.health("prod")?.up == true })
        source.update { $0.subtasks = [subtask("a", status: 2)] }
        #expect(await eventually { Self.completed(first.app.store, "2") == 1 })
        await first.stop()

        source.update { $0.subtasks = [subtask("c", status: 4), subtask("d", status: 2), subtask("e", status: 1)] }
        let capture = LogCapture()
        let account = AccountConfiguration(
            name: "prod", endpoint: Endpoint(scheme: "http", host: "127.0.0.2", port: 1), interval: .seconds(1))
        let second = try await RunningExporter.start(
            configuration: ExporterConfiguration(stateFile: path, accounts: [account]),
            makeSource: { _, _ in source }, clock: Self.wall.exporterClock, logger: capture.logger)
        #expect(await eventually { second.health("prod")?.up == true })
        #expect(
            await eventually { capture.lines.contains { $0.contains("endpoint changed") && $0.contains("127.0.0.2") } })
        #expect(Self.completed(second.app.store, "2") == 1, "the counters are kept")
        #expect(Self.completed(second.app.store, "4") == 0, "c, terminal when the new endpoint was first read")
        source.update { $0.subtasks = [subtask("c", status: 4), subtask("d", status: 2), subtask("e", status: 4)] }
        #expect(await eventually { Self.completed(second.app.store, "4") == 1 }, "e completed after: counted")
        #expect(Self.completed(second.app.store, "2") == 1, "d never")
        await second.stop()
    }

    @Test func corruptStateFileIsMovedAsideAndCounted() async throws {
        let directory = try TemporaryDirectory("state")
        defer { directory.remove() }
        let path = directory.path("state.json")
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        let exporter = try await Self.make(FakePollSource(), stateFile: path)
        let app = exporter.app
        #expect(Self.text(app.store).contains(#"alibabacloud_sas_state_file_errors_total{operation="load"} 1"#))
        let moved = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".corrupt-")
        }
        #expect(moved.count == 1)
        await exporter.stop()
    }

    @Test func aFailingAccountNeverAffectsTheOthers() async throws {
        let healthy = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let broken = FakePollSource(.init(failure: PollFailure("NoPermission: caller has no permission")))
        let exporter = try await RunningExporter.start(
            configuration: ExporterConfiguration(accounts: [
                AccountConfiguration(name: "good", endpoint: Self.endpoint, interval: .seconds(1)),
                AccountConfiguration(name: "bad", endpoint: Self.endpoint, interval: .seconds(1)),
            ]),
            makeSource: { account, _ in account.name == "good" ? healthy : broken }, clock: Self.wall.exporterClock
        )
        let app = exporter.app
        #expect(
            await eventually {
                let health = Dictionary(uniqueKeysWithValues: app.store.accountHealth().map { ($0.name, $0.health) })
                return (health["good"]?.pollsTotal ?? 0) >= 2 && (health["bad"]?.pollFailuresTotal ?? 0) >= 2
            })
        let text = Self.text(app.store)
        #expect(text.contains(#"alibabacloud_sas_up{account="good"} 1"#))
        #expect(text.contains(#"alibabacloud_sas_up{account="bad"} 0"#))
        #expect(text.contains(#"alibabacloud_sas_subtasks{account="good",status_code="1",status="running"} 1"#))
        #expect(
            !text.contains(#"alibabacloud_sas_subtasks{account="bad""#),
            "an account that never completed a poll has no window gauges")
        await exporter.stop()
    }

    @Test func aPollThatHangsIsCutAtItsDeadline() async throws {
        let source = FakePollSource(.init(hang: true))
        let exporter = try await RunningExporter.start(
            configuration: ExporterConfiguration(accounts: [
                AccountConfiguration(
                    name: "slow", endpoint: Self.endpoint, interval: .seconds(100), pollTimeout: .seconds(1))
            ]),
            makeSource: { _, _ in source }, clock: Self.wall.exporterClock
        )
        let app = exporter.app
        #expect(await eventually(timeout: .seconds(10)) { app.store.health(of: "slow")?.hasFinishedPoll == true })
        let health = try #require(app.store.health(of: "slow"))
        #expect(!health.up)
        #expect(health.lastError == "the poll did not finish within its deadline (poll_timeout 1s)")
        await exporter.stop()
    }
}
