import Foundation
import Logging
import SASAPI
import SASMetrics
import SASSigning
import SASSimulator
import SASTestKit
import Synchronization
import Testing

@testable import SASExporter

@Suite("Reload and sharding of a running exporter")
struct ReloadTests {
    @Test func manyAccountsStartSpreadOverTheirInterval() {
        let interval: Duration = .seconds(60)
        let phases = (0..<1000).map { AccountPoller.phase(of: "account-\($0)", interval: interval, accounts: 1000) }
        #expect(phases.allSatisfy { $0 >= .zero && $0 < interval })
        var tenths = [Int](repeating: 0, count: 10)
        for phase in phases { tenths[Int(phase.milliseconds * 10 / interval.milliseconds)] += 1 }
        #expect(tenths.allSatisfy { (60...140).contains($0) }, "no thundering herd: \(tenths)")
        #expect(
            AccountPoller.phase(of: "account-7", interval: interval, accounts: 1000) == phases[7],
            "stable across restarts")
        #expect(
            AccountPoller.phase(of: "alone", interval: interval, accounts: 1) == .zero, "a lone account polls at once")
    }

    static func account(_ name: String, interval: String = "100s") -> String {
        "  - name: \(name)\n    endpoint: http://127.0.0.1:1\n    interval: \(interval)\n"
    }

    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sas-\(name)-\(UUID().uuidString).yml").path
    }

    static let wall = TestWallClock(2_000_000)

    @Test func goodFileIsSwappedInAndBadFileIsRefusedWithItsLine() async throws {
        let path = Self.temporaryFile("reload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ("accounts:\n" + Self.account("a")).write(toFile: path, atomically: true, encoding: .utf8)
        let loader = ConfigLoader()
        let exporter = try await RunningExporter.start(
            configuration: try loader.load(path: path), configFile: path, loader: loader,
            makeSource: { _, _ in FakePollSource() }, clock: Self.wall.exporterClock
        )
        let app = exporter.app
        #expect(await eventually { exporter.health("a")?.pollsTotal == 1 })
        #expect(app.supervisor.accountNames == ["a"])

        try ("accounts:\n" + Self.account("a", interval: "200s") + Self.account("b")).write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(await app.reloader.reload() == .reloaded)
        #expect(app.supervisor.accountNames == ["a", "b"])
        #expect(
            await eventually { exporter.health("a")?.pollsTotal == 2 },
            "a changed account restarts (polling at once) and its counters carry on")
        #expect(exporter.text.contains("alibabacloud_sas_config_last_reload_successful 1"))

        try ("accounts:\n" + Self.account("a") + "    surprise: 1\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let outcome = await app.reloader.reload()
        #expect(
            outcome
                == .refused(
                    "\(path):5:5: accounts[0].surprise: unknown key (known keys here: credentials, endpoint, "
                        + "full_refresh, interval, lang, lookback, max_concurrent_requests, max_tracked_subtasks, "
                        + "name, page_size, poll_timeout, region, requests_per_second, signature, task_batch_size, "
                        + "task_ids)"
                ))
        #expect(app.supervisor.accountNames == ["a", "b"], "the running configuration stays")
        #expect(exporter.text.contains("alibabacloud_sas_config_last_reload_successful 0"))

        try ("accounts:\n" + Self.account("b")).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await app.reloader.reload() == .reloaded)
        #expect(app.supervisor.accountNames == ["b"])
        #expect(!exporter.text.contains("account=\"a\""), "a removed account leaves /metrics")
        await exporter.stop()
    }

    @Test func aStateFileChangeOnReloadIsRefused() async throws {
        let path = Self.temporaryFile("state-change")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ("accounts:\n" + Self.account("a")).write(toFile: path, atomically: true, encoding: .utf8)
        let exporter = try await RunningExporter.start(
            configuration: try ConfigLoader().load(path: path), configFile: path,
            makeSource: { _, _ in FakePollSource() }, clock: Self.wall.exporterClock
        )
        try ("state_file: /tmp/elsewhere.json\naccounts:\n" + Self.account("a")).write(
            toFile: path, atomically: true, encoding: .utf8)
        let outcome = await exporter.app.reloader.reload()
        #expect(
            outcome
                == .refused(
                    "\(path): state_file: cannot change on reload (from none to /tmp/elsewhere.json); restart "
                        + "the exporter to use another state file"
                ))
        await exporter.stop()
    }

    @Test func eachShardPollsOnlyItsAccounts() async throws {
        let names = (0..<12).map { "account-\($0)" }
        let configuration = ExporterConfiguration(
            accounts: names.map {
                AccountConfiguration(name: $0, endpoint: .forRegion("cn-hangzhou"), interval: .seconds(100))
            })
        var seen: [String] = []
        for index in 0..<3 {
            let shard = try ShardAssignment(index: index, count: 3)
            let built = Mutex<[String]>([])
            let exporter = try await RunningExporter.start(
                configuration: configuration,
                makeSource: { account, _ in
                    built.withLock { $0.append(account.name) }
                    return FakePollSource()
                },
                prepare: { Launcher.owned($0, by: shard) }, clock: Self.wall.exporterClock
            )
            let owned = names.filter { shard.owns(account: $0) }.sorted()
            #expect(await eventually { exporter.app.supervisor.accountNames == owned })
            #expect(built.withLock { Set($0) } == Set(owned), "no client is even built for another shard's account")
            seen += owned
            await exporter.stop()
        }
        #expect(seen.sorted() == names.sorted(), "every account is polled by exactly one shard")
    }
}

/// Issue 11: reloads that overlap (SIGHUP, `POST /-/reload`, a retrying sidecar) are
/// applied one at a time, so there is never more than one poller per account.
@Suite("Overlapping reloads", .serialized)
struct OverlappingReloadTests {
    static let names = ["a", "b", "c", "d"]
    static let interval: Duration = .seconds(10)

    /// The configuration of version `version`: account `version % 4` gets another page
    /// size (so every version changes accounts); from version 9 on, `d` is gone.
    static func yaml(_ version: Int, baseURL: String) -> String {
        var text = "accounts:\n"
        for (index, name) in names.enumerated() where !(version >= 9 && name == "d") {
            let pageSize = version > 0 && version % 4 == index ? 90 + version : 100
            text += """
                  - name: \(name)
                    endpoint: \(baseURL)
                    interval: 10s
                    lookback: 1h
                    page_size: \(pageSize)
                    requests_per_second: 500
                    credentials: {access_key_id: key-\(name), access_key_secret: secret-\(name)}

                """
        }
        return text
    }

    /// Simulator requests signed by each account's key.
    static func requestsByKey(_ simulator: Simulator) -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in simulator.recentRequests { counts[record.accessKeyId, default: 0] += 1 }
        return counts
    }

    /// Each account's `api_requests_total`, summed over actions and codes.
    static func exporterCalls(_ text: String) -> [String: Double] {
        let samples = Exposition.samples(text, "alibabacloud_sas_api_requests_total")
        return Dictionary(
            uniqueKeysWithValues: names.map { ($0, Exposition.sum(samples, containing: ["account=\"\($0)\""])) })
    }

    /// Every poller is asleep until its next tick (no poll running, no orphan).
    static func quiet(_ clock: ManualClock, pollers: Int) async -> Bool {
        await clock.idle(sleepers: pollers, within: interval)
    }

    @Test func eightOverlappingReloadsLeaveExactlyOnePollerPerAccount() async throws {
        var settings = SimulatorConfiguration(seed: 11, tasks: 480, subtasksPerTask: 10, requestLogCapacity: 100_000)
        for name in Self.names { settings.accessKeys["key-\(name)"] = "secret-\(name)" }
        let version = Mutex(0)
        let base = Mutex("")
        let loader = ConfigLoader(readFile: { _ in
            let next = version.withLock { value -> Int in
                value += 1
                return value
            }
            return Self.yaml(next, baseURL: base.withLock { $0 })
        })
        let clock = ManualClock()
        let stack = try await ExporterStack.start(
            simulator: settings,
            configuration: { url in
                base.withLock { $0 = url }
                return try ConfigLoader().parse(Self.yaml(0, baseURL: url), file: "versions.yml")
            },
            configFile: "versions.yml", loader: loader, monotonic: clock
        )
        // Four accounts start spread over their interval: one interval gives each its first poll.
        #expect(await Self.quiet(clock, pollers: 4))
        clock.advance(by: Self.interval)
        for name in Self.names { #expect(await stack.waitForPolls(name, 1)) }
        #expect(await Self.quiet(clock, pollers: 4))
        let pollsBefore = Dictionary(uniqueKeysWithValues: Self.names.map { ($0, stack.polls($0)) })

        let outcomes = await withTaskGroup(of: ReloadOutcome.self) { group in
            for _ in 0..<8 { group.addTask { await stack.app.reloader.reload() } }
            return await group.reduce(into: [ReloadOutcome]()) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: .reloaded, count: 8))
        #expect(version.withLock { $0 } == 8, "each reload read the file once, in turn")
        #expect(await Self.quiet(clock, pollers: 4), "one ticking poller per account, no orphan")
        for name in Self.names {
            #expect(stack.polls(name) >= pollsBefore[name] ?? 0, "\(name): counters carried over the restarts")
        }

        // One interval: every account polls exactly once, and what the simulator saw signed
        // with each account's key is exactly what that account's one poller counted.
        let simulatorBefore = Self.requestsByKey(stack.simulator)
        let exporterBefore = Self.exporterCalls(try await stack.metrics())
        let polls = Dictionary(uniqueKeysWithValues: Self.names.map { ($0, stack.polls($0)) })
        clock.advance(by: Self.interval)
        for name in Self.names { #expect(await stack.waitForPolls(name, (polls[name] ?? 0) + 1)) }
        #expect(await Self.quiet(clock, pollers: 4))
        let simulatorAfter = Self.requestsByKey(stack.simulator)
        let exporterAfter = Self.exporterCalls(try await stack.metrics())
        for name in Self.names {
            #expect(stack.polls(name) == (polls[name] ?? 0) + 1, "\(name): one poll per interval")
            let seen = (simulatorAfter["key-\(name)"] ?? 0) - (simulatorBefore["key-\(name)"] ?? 0)
            let counted = (exporterAfter[name] ?? 0) - (exporterBefore[name] ?? 0)
            #expect(
                seen > 0 && Double(seen) == counted,
                "\(name): \(seen) calls seen by the simulator, \(counted) counted by one poller")
        }

        // Remove d: it stops, and never comes back.
        #expect(await stack.app.reloader.reload() == .reloaded)
        #expect(stack.app.supervisor.accountNames == ["a", "b", "c"])
        let dCalls = Self.requestsByKey(stack.simulator)["key-d"] ?? 0
        for _ in 0..<3 {
            clock.advance(by: Self.interval)
            #expect(await Self.quiet(clock, pollers: 3))
        }
        #expect(!(try await stack.metrics()).contains("account=\"d\""), "a removed account never reappears")
        #expect((Self.requestsByKey(stack.simulator)["key-d"] ?? 0) == dCalls, "nothing polls for d any more")
        await stack.stop()
    }
}
