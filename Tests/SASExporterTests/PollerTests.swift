import Foundation
import Logging
import SASMetrics
import Testing
@testable import SASExporter

@Suite("Polling, publishing and the last good snapshot")
struct PollerTests {
    static func make(_ source: FakePollSource, interval: Int64 = 100_000, stateFile: String? = nil) async throws -> ExporterApplication {
        let account = AccountConfiguration(name: "prod", endpoint: "http://127.0.0.1:1", intervalMs: interval)
        return try await ExporterApplication.make(
            configuration: ExporterConfiguration(stateFile: stateFile, accounts: [account]),
            configFile: nil, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "test", revision: "none", swiftVersion: "6"),
            makeSource: { _, _ in source }, logger: Logger(label: "test")
        )
    }

    static func text(_ store: MetricsStore) -> String {
        String(decoding: store.renderedBody(.prometheusText), as: UTF8.self)
    }

    @Test func firstPollPublishesTheSnapshotAndUp() async throws {
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1), subtask("b", status: 2)]))
        let app = try await Self.make(source)
        #expect(await eventually { app.store.accountHealth().first?.health.hasFinishedPoll == true })
        let text = Self.text(app.store)
        #expect(text.contains(#"alibabacloud_sas_up{account="prod"} 1"#))
        #expect(text.contains(#"alibabacloud_sas_subtasks{account="prod",status="running",status_code="1"} 1"#) ||
                text.contains(#"alibabacloud_sas_subtasks{account="prod",status_code="1",status="running"} 1"#))
        #expect(text.contains(#"alibabacloud_sas_polls_total{account="prod"} 1"#))
        await app.supervisor.stopAll()
    }

    @Test func failedPollKeepsTheLastSnapshotAndRecovers() async throws {
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let app = try await Self.make(source, interval: 1000)
        #expect(await eventually { app.store.accountHealth().first?.health.up == true })
        let before = Self.text(app.store)
        let subtaskLine = before.split(separator: "\n").first { $0.hasPrefix("alibabacloud_sas_subtasks{") && $0.contains("\"1\"") }
        source.update { $0.failure = PollFailure("Throttling.User: too many requests (RequestId R1)") }
        #expect(await eventually { app.store.accountHealth().first?.health.up == false })
        let during = Self.text(app.store)
        #expect(during.contains(#"alibabacloud_sas_up{account="prod"} 0"#))
        #expect(subtaskLine.map { during.contains($0) } == true, "the last complete snapshot stays served")
        #expect(during.contains(#"alibabacloud_sas_poll_failures_total{account="prod"} 1"#))
        source.update { $0.failure = nil }
        #expect(await eventually { app.store.accountHealth().first?.health.up == true })
        await app.supervisor.stopAll()
    }

    @Test func readinessWaitsForTheFirstPoll() async throws {
        let source = FakePollSource(.init(failure: PollFailure("down")))
        let app = try await Self.make(source)
        #expect(await eventually { app.store.accountHealth().first?.health.hasFinishedPoll == true })
        let router = ExporterRouter(store: app.store, reload: { .reloaded })
        #expect(router.ready().status == .ok, "an account that reported its error counts as ready")
        await app.supervisor.stopAll()
    }

    @Test func stateFileCarriesCountersAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path
        let source = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let first = try await Self.make(source, stateFile: path)
        #expect(await eventually { first.store.accountHealth().first?.health.up == true })
        await first.supervisor.stopAll()
        #expect(FileManager.default.fileExists(atPath: path))
        // While "down", subtask a failed; the restarted exporter counts it once.
        source.update { $0.subtasks = [subtask("a", status: 4)] }
        let second = try await Self.make(source, stateFile: path)
        #expect(await eventually { second.store.accountHealth().first?.health.up == true })
        let text = Self.text(second.store)
        #expect(text.contains(#"alibabacloud_sas_subtasks_completed_total{account="prod",status="failed",status_code="4"} 1"#) ||
                text.contains(#"alibabacloud_sas_subtasks_completed_total{account="prod",status_code="4",status="failed"} 1"#))
        await second.supervisor.stopAll()
    }

    @Test func corruptStateFileIsMovedAsideAndCounted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        let app = try await Self.make(FakePollSource(), stateFile: path)
        #expect(Self.text(app.store).contains("alibabacloud_sas_state_file_errors_total 1"))
        let moved = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".corrupt-") }
        #expect(moved.count == 1)
        await app.supervisor.stopAll()
    }

    @Test func aFailingAccountNeverAffectsTheOthers() async throws {
        let healthy = FakePollSource(.init(subtasks: [subtask("a", status: 1)]))
        let broken = FakePollSource(.init(failure: PollFailure("NoPermission: caller has no permission")))
        let app = try await ExporterApplication.make(
            configuration: ExporterConfiguration(accounts: [
                AccountConfiguration(name: "good", endpoint: "http://127.0.0.1:1", intervalMs: 1000),
                AccountConfiguration(name: "bad", endpoint: "http://127.0.0.1:1", intervalMs: 1000),
            ]),
            configFile: nil, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "test", revision: "none", swiftVersion: "6"),
            makeSource: { account, _ in account.name == "good" ? healthy : broken }, logger: Logger(label: "test")
        )
        #expect(await eventually {
            let health = Dictionary(uniqueKeysWithValues: app.store.accountHealth().map { ($0.name, $0.health) })
            return (health["good"]?.pollsTotal ?? 0) >= 2 && (health["bad"]?.pollFailuresTotal ?? 0) >= 2
        })
        let text = Self.text(app.store)
        #expect(text.contains(#"alibabacloud_sas_up{account="good"} 1"#))
        #expect(text.contains(#"alibabacloud_sas_up{account="bad"} 0"#))
        #expect(text.contains(#"alibabacloud_sas_subtasks{account="good",status_code="1",status="running"} 1"#))
        #expect(!text.contains(#"alibabacloud_sas_subtasks{account="bad""#), "an account that never completed a poll has no window gauges")
        await app.supervisor.stopAll()
    }

    @Test func aPollThatHangsIsCutAtItsDeadline() async throws {
        let source = FakePollSource(.init(hang: true))
        let app = try await ExporterApplication.make(
            configuration: ExporterConfiguration(accounts: [
                AccountConfiguration(name: "slow", endpoint: "http://127.0.0.1:1", intervalMs: 100_000, pollTimeoutMs: 1000),
            ]),
            configFile: nil, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "test", revision: "none", swiftVersion: "6"),
            makeSource: { _, _ in source }, logger: Logger(label: "test")
        )
        #expect(await eventually(timeout: .seconds(10)) { app.store.health(of: "slow")?.hasFinishedPoll == true })
        let health = try #require(app.store.health(of: "slow"))
        #expect(!health.up)
        #expect(health.lastError == "the poll did not finish within its deadline (poll_timeout 1s)")
        await app.supervisor.stopAll()
    }
}
