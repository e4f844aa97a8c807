import Foundation
import Logging
import SASMetrics
import Synchronization
import Testing
@testable import SASExporter

@Suite("Reload and sharding of a running exporter")
struct ReloadTests {
    static func account(_ name: String) -> String {
        "  - name: \(name)\n    endpoint: http://127.0.0.1:1\n    interval: 100s\n"
    }

    @Test func goodFileIsSwappedInAndBadFileIsRefusedWithItsLine() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sas-reload-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ("accounts:\n" + Self.account("a")).write(toFile: path, atomically: true, encoding: .utf8)
        let loader = ConfigLoader()
        let app = try await ExporterApplication.make(
            configuration: try loader.load(path: path), configFile: path,
            listen: ListenAddress(host: "127.0.0.1", port: 0), build: .init(version: "t", revision: "t", swiftVersion: "6"),
            makeSource: { _, _ in FakePollSource() }, loader: loader, logger: Logger(label: "test")
        )
        #expect(await app.supervisor.accountNames == ["a"])

        #expect(await eventually { app.store.health(of: "a")?.pollsTotal == 1 })
        try ("accounts:\n" + Self.account("a").replacingOccurrences(of: "100s", with: "200s") + Self.account("b"))
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await app.reloader.reload() == .reloaded)
        #expect(await app.supervisor.accountNames == ["a", "b"])
        #expect(await eventually { app.store.health(of: "a")?.pollsTotal == 2 },
                "a changed account restarts (polling at once) and its counters carry on")
        #expect(String(decoding: app.store.renderedBody(.prometheusText), as: UTF8.self)
            .contains("alibabacloud_sas_config_last_reload_successful 1"))

        try ("accounts:\n" + Self.account("a") + "    surprise: 1\n").write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = await app.reloader.reload()
        #expect(outcome == .refused("\(path):5:5: accounts[0].surprise: unknown key (known keys here: credentials, endpoint, interval, lang, lookback, max_concurrent_requests, name, page_size, poll_timeout, region, requests_per_second, signature, task_batch_size, task_ids)"))
        #expect(await app.supervisor.accountNames == ["a", "b"], "the running configuration stays")
        #expect(String(decoding: app.store.renderedBody(.prometheusText), as: UTF8.self)
            .contains("alibabacloud_sas_config_last_reload_successful 0"))

        try ("accounts:\n" + Self.account("b")).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await app.reloader.reload() == .reloaded)
        #expect(await app.supervisor.accountNames == ["b"])
        let text = String(decoding: app.store.renderedBody(.prometheusText), as: UTF8.self)
        #expect(!text.contains("account=\"a\""), "a removed account leaves /metrics")
        await app.supervisor.stopAll()
    }

    @Test func eachShardPollsOnlyItsAccounts() async throws {
        let names = (0..<12).map { "account-\($0)" }
        let configuration = ExporterConfiguration(accounts: names.map { AccountConfiguration(name: $0, region: "cn-hangzhou", intervalMs: 100_000) })
        var seen: [String] = []
        for index in 0..<3 {
            let shard = try ShardAssignment(index: index, count: 3)
            let built = Mutex<[String]>([])
            let app = try await ExporterApplication.make(
                configuration: configuration, configFile: nil,
                listen: ListenAddress(host: "127.0.0.1", port: 0), build: .init(version: "t", revision: "t", swiftVersion: "6"),
                makeSource: { account, _ in
                    built.withLock { $0.append(account.name) }
                    return FakePollSource()
                },
                prepare: { Launcher.owned($0, by: shard) }, logger: Logger(label: "test")
            )
            let polled = await app.supervisor.accountNames
            #expect(polled == names.filter { shard.owns(account: $0) }.sorted())
            #expect(built.withLock { $0.sorted() } == polled, "no client is even built for another shard's account")
            seen += polled
            await app.supervisor.stopAll()
        }
        #expect(seen.sorted() == names.sorted(), "every account is polled by exactly one shard")
    }
}
