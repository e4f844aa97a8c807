import Foundation
import SASAPI
import SASMetrics
import SASTestKit
import Synchronization
import Testing

@testable import SASExporter

@Suite("State persistence as a service", .serialized)
struct StatePersistenceTests {
    static let wall = TestWallClock(2_000_000)
    static let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: 1)

    /// A save that cannot be written (its folder gone, or read-only) is counted, polling and
    /// serving go on, and saving works again once the folder is back. The folder is removed
    /// rather than only made read-only because the test may run as root, for whom
    /// permission bits do not stop a write.
    @Test func aFailedSaveIsCountedAndPollingAndServingGoOn() async throws {
        let directory = try TemporaryDirectory("persist")
        defer { directory.remove() }
        let folder = directory.url
        let path = directory.path("state.json")
        let source = FakePollSource(.init())
        source.update { $0.subtasks = [subtask("a", status: 1)] }
        let exporter = try await RunningExporter.start(
            configuration: ExporterConfiguration(
                stateFile: path,
                accounts: [
                    AccountConfiguration(name: "prod", endpoint: Self.endpoint, interval: .seconds(1))
                ]),
            makeSource: { _, _ in source }, clock: Self.wall.exporterClock
        )
        #expect(await eventually { FileManager.default.fileExists(atPath: path) })
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: folder.path)
        try FileManager.default.removeItem(at: folder)
        let polls = exporter.health("prod")?.pollsTotal ?? 0
        #expect(await eventually { (exporter.health("prod")?.pollsTotal ?? 0) >= polls + 2 }, "polling goes on")
        let text = exporter.text
        #expect(!text.contains(#"alibabacloud_sas_state_file_errors_total{operation="save"} 0"#))
        #expect(
            Exposition.value(Exposition.samples(text, "alibabacloud_sas_state_file_errors_total"), containing: ["save"])
                ?? 0 >= 1)
        #expect(text.contains(#"alibabacloud_sas_up{account="prod"} 1"#), "the poll's numbers are still served")
        #expect(exporter.health("prod")?.up == true)

        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(
            await eventually { FileManager.default.fileExists(atPath: path) },
            "saving works again once the folder is back")
        await exporter.stop()
    }

    /// 50 accounts polling at once, with every write slowed down: each poll's entry is
    /// written once, and the writes are shared (no poll queues behind 49 others).
    @Test func fiftyAccountsShareWritesAndEachPollIsWrittenOnce() async throws {
        let directory = try TemporaryDirectory("persist")
        defer { directory.remove() }
        let folder = directory.url
        let path = directory.path("state.json")
        let names = (0..<50).map { "account-\($0)" }
        let writes = Mutex<[[String]]>([])
        let clock = ManualClock()
        let exporter = try await RunningExporter.start(
            configuration: ExporterConfiguration(
                stateFile: path,
                accounts: names.map {
                    AccountConfiguration(name: $0, endpoint: Self.endpoint, interval: .seconds(60))
                }),
            makeSource: { _, _ in FakePollSource(.init()) },
            clock: clock.exporterClock(wallMs: { Self.wall.ms }),
            persistenceWriteHook: { accounts in
                writes.withLock { $0.append(accounts) }
                Thread.sleep(forTimeInterval: 0.05)
            }
        )
        #expect(
            await clock.idle(sleepers: names.count, within: .seconds(60)),
            "the first polls are spread over the interval")
        clock.advance(by: .seconds(60))
        for round in 1...3 {
            #expect(
                await eventually(timeout: .seconds(30)) {
                    names.allSatisfy { exporter.health($0)?.pollsTotal == UInt64(round) }
                })
            if round < 3 {
                #expect(await clock.idle(sleepers: names.count, within: .seconds(60)))
                clock.advance(by: .seconds(60))
            }
        }
        let written = writes.withLock { $0 }
        var entries: [String: Int] = [:]
        for write in written {
            #expect(Set(write).count == write.count, "an account appears once per write")
            for name in write { entries[name, default: 0] += 1 }
        }
        for name in names { #expect(entries[name] == 3, "\(name): one entry written per poll, 3 polls") }
        #expect(
            written.count <= 3 * 10,
            "150 saves shared \(written.count) writes (each 50 ms): no poll queues behind every other")
        await exporter.stop()
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(names.allSatisfy { contents.contains("\"\($0)\":") }, "every account is in the file")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "no temporary file is left behind")
    }

    @Test func temporaryNamesCannotCollideBetweenWriters() throws {
        let directory = try TemporaryDirectory("persist")
        defer { directory.remove() }
        let folder = directory.url
        let file = StateFile(path: directory.path("state.json"))
        // Two processes sharing a volume: the same pid is no longer enough to be unique, so
        // writes from many threads at once must all land whole.
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            try? file.write(Array(#"{"accounts":{},"savedAtMs":\#(index),"version":2}"#.utf8))
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: file.path))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "the file is whole")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    /// A first-version file bounds each account's coverage by the window it was saved
    /// with (`savedAtMs - lookback`); a file of this version is taken as saved.
    @Test func aFirstVersionFileIsBoundedByItsSaveTime() throws {
        let directory = try TemporaryDirectory("persist")
        defer { directory.remove() }
        let file = StateFile(path: directory.path("state.json"))
        var aggregator = AccountAggregator(
            account: "prod", configuration: AggregatorConfiguration(lookback: .seconds(3_600)))
        let window = PollWindow(startMs: 1_000_000_000 - 3_600_000, endMs: 1_000_000_000)
        let scope = CoverageScope(endpoint: "https://test", selection: .discovery)
        _ = aggregator.commit(aggregator.beginPoll(window: window, scope: scope), polledAtMs: window.endMs, tasks: nil)
        var entry = try JSONSerialization.jsonObject(with: Data(StateFile.encode(aggregator))) as? [String: Any] ?? [:]
        entry["formatVersion"] = 1
        entry["coverage"] = nil
        entry["evictions"] = nil
        let savedAt: Int64 = 2_000_000_000
        let contents: [String: Any] = ["accounts": ["prod": entry], "savedAtMs": savedAt, "version": 1]
        try JSONSerialization.data(withJSONObject: contents).write(to: URL(fileURLWithPath: file.path))
        guard case .loaded(let accounts, let unreadable) = file.load(nowMs: savedAt) else {
            Issue.record("the first-version file was not loaded")
            return
        }
        #expect(unreadable.isEmpty)
        #expect(accounts["prod"]?.coverageHorizon(task: nil) == savedAt - 3_600_000)
    }
}
