import Foundation
import SASAPI
import SASSimulator
import SASTestKit
import Testing

@testable import SASExporter

/// Issue 12: every completed subtask counted exactly once whatever the operator changes
/// (lookback, scope, restarts) and whatever reading of the API's time parameters holds;
/// what cannot be known is a baseline, never a burst. Each test compares the exporter's
/// `/metrics` with the simulator's ground truth.
@Suite("Exactly once under change", .serialized)
struct CountingUnderChangeTests {
    static let interval: Duration = .seconds(60)
    static let hour: Duration = .seconds(3600)
    static let day: Duration = .seconds(86_400)

    /// `alibabacloud_sas_subtasks_completed_total` by status code.
    static func completed(_ text: String, account: String = "it") -> [Int: Double] {
        let samples = Exposition.samples(text, "alibabacloud_sas_subtasks_completed_total")
        var result: [Int: Double] = [:]
        for code in 2...4 {
            result[code] =
                Exposition.value(samples, containing: ["account=\"\(account)\"", "status_code=\"\(code)\""]) ?? 0
        }
        return result
    }

    /// Subtasks of `after` terminal with each code that were not terminal in `before`.
    static func newlyTerminal(_ before: GroundTruth, _ after: GroundTruth, tasks: Set<String>? = nil) -> [Int: Double] {
        let done = Set(before.subtasks.filter { (2...4).contains($0.status) }.map(\.detailTaskId))
        var result: [Int: Double] = [2: 0, 3: 0, 4: 0]
        for subtask in after.subtasks where (2...4).contains(subtask.status) && !done.contains(subtask.detailTaskId) {
            if let tasks, !tasks.contains(subtask.taskId) { continue }
            result[subtask.status, default: 0] += 1
        }
        return result
    }

    static func truth(_ stack: ExporterStack, lookback: Duration) -> GroundTruth {
        let now = stack.simulator.clock.nowMs
        return stack.simulator.groundTruth(
            windowStartMs: now - lookback.milliseconds, windowEndMs: now, atMs: now, lang: "en")
    }

    /// Moves simulated time and lets exactly one poll per account happen.
    static func step(_ stack: ExporterStack, clock: ManualClock, minutes: Double, accounts: [String] = ["it"]) async
        -> Bool
    {
        guard await clock.idle(sleepers: accounts.count, within: interval) else { return false }
        let polls = accounts.map { stack.polls($0) }
        stack.simulator.clock.advance(by: minutes * 60)
        clock.advance(by: interval)
        for (account, count) in zip(accounts, polls) where !(await stack.waitForPolls(account, count + 1)) {
            return false
        }
        return true
    }

    static func config(_ url: String, lookback: Duration, taskIds: [String]? = nil, state: String? = nil) throws
        -> String
    {
        var text = state.map { "state_file: \($0)\n" } ?? ""
        text += """
            accounts:
              - name: it
                endpoint: \(url)
                interval: 60s
                lookback: \(PrometheusDuration.format(lookback))
                requests_per_second: 500
                credentials: {access_key_id: \(ExporterStack.key.accessKeyId), access_key_secret: \(ExporterStack.key.accessKeySecret.reveal())}

            """
        if let taskIds { text += "    task_ids: [\(taskIds.joined(separator: ", "))]\n" }
        return text
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sas-\(name)-\(UUID().uuidString)").path
    }

    /// 1 h of lookback for a while, then 24 h by reload: the history that comes into the
    /// window is a baseline (0 completions), and what completes afterwards counts exactly.
    @Test func aLookbackRaiseByReloadCountsNoOldCompletion() async throws {
        let path = Self.temporaryPath("lookback.yml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        let stack = try await ExporterStack.start(
            configuration: { url in
                try Self.config(url, lookback: Self.hour).write(toFile: path, atomically: true, encoding: .utf8)
                return try ConfigLoader().load(path: path)
            },
            configFile: path, monotonic: clock
        )
        #expect(await stack.waitForPolls("it", 1))
        var oracle = CompletionOracle(firstPoll: Self.truth(stack, lookback: Self.hour))
        #expect(await Self.step(stack, clock: clock, minutes: 15))
        var expected = oracle.observe(Self.truth(stack, lookback: Self.hour))
        #expect(Self.completed(try await stack.metrics()) == expected, "phase one, 1 h lookback")

        let url = stack.running.baseURL
        try Self.config(url, lookback: Self.day).write(toFile: path, atomically: true, encoding: .utf8)
        let polls = stack.polls("it")
        #expect(await stack.app.reloader.reload() == .reloaded)
        #expect(await stack.waitForPolls("it", polls + 1), "the changed account polls at once")
        let widened = Self.truth(stack, lookback: Self.day)
        #expect(widened.total > Self.truth(stack, lookback: Self.hour).total * 10, "the window really grew")
        // Only what completed since it was seen open (and left the 1 h window) counts.
        Self.add(oracle.observe(widened), to: &expected)
        #expect(
            Self.completed(try await stack.metrics()) == expected, "0 completions counted for the stretch newly covered"
        )

        #expect(await Self.step(stack, clock: clock, minutes: 15))
        let real = oracle.observe(Self.truth(stack, lookback: Self.day))
        Self.add(real, to: &expected)
        #expect(real.values.reduce(0, +) > 0, "something completed in the second phase")
        #expect(Self.completed(try await stack.metrics()) == expected, "then real transitions count exactly")
        await stack.stop()
    }

    static func add(_ counts: [Int: Double], to total: inout [Int: Double]) {
        for (code, count) in counts { total[code, default: 0] += count }
    }

    /// The same across a restart with the state file and a longer lookback.
    @Test func aRestartWithALongerLookbackCountsNoOldCompletion() async throws {
        let folder = Self.temporaryPath("restart")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = folder + "/state.json"
        let clock = ManualClock()
        let first = try await ExporterStack.start(
            configuration: {
                try ConfigLoader().parse(Self.config($0, lookback: Self.hour, state: state), file: "a.yml")
            },
            monotonic: clock
        )
        #expect(await first.waitForPolls("it", 1))
        let start = first.simulator.clock.nowMs
        var oracle = CompletionOracle(firstPoll: Self.truth(first, lookback: Self.hour))
        #expect(await Self.step(first, clock: clock, minutes: 15))
        var expected = oracle.observe(Self.truth(first, lookback: Self.hour))
        #expect(Self.completed(try await first.metrics()) == expected)
        let reached = first.simulator.clock.nowMs
        await first.stop()

        // The same endpoint (a new one would be a new scope: a baseline).
        let secondClock = ManualClock()
        let second = try await ExporterStack.start(
            startMs: reached, simulatorPort: first.running.port,
            configuration: {
                try ConfigLoader().parse(Self.config($0, lookback: Self.day, state: state), file: "b.yml")
            },
            monotonic: secondClock
        )
        #expect(reached > start)
        #expect(await second.waitForPolls("it", 1))
        Self.add(oracle.observe(Self.truth(second, lookback: Self.day)), to: &expected)
        #expect(Self.completed(try await second.metrics()) == expected, "restored, and nothing old counted")
        #expect(await Self.step(second, clock: secondClock, minutes: 15))
        Self.add(oracle.observe(Self.truth(second, lookback: Self.day)), to: &expected)
        #expect(Self.completed(try await second.metrics()) == expected)
        await second.stop()
    }

    /// Adding task ids by reload: the new tasks' finished subtasks are a baseline.
    @Test func taskIdsAddedByReloadAreABaseline() async throws {
        let path = Self.temporaryPath("tasks.yml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        // Task ids are known only once the simulator runs: start on an id that lists nothing.
        let stack = try await ExporterStack.start(
            configuration: { url in
                try Self.config(url, lookback: Self.hour, taskIds: ["none"]).write(
                    toFile: path, atomically: true, encoding: .utf8)
                return try ConfigLoader().load(path: path)
            },
            configFile: path, monotonic: clock
        )
        #expect(await stack.waitForPolls("it", 1))
        let ids = Array(Self.truth(stack, lookback: Self.hour).taskIds.suffix(6))
        let first = Array(ids.prefix(2))
        let url = stack.running.baseURL
        try Self.config(url, lookback: Self.hour, taskIds: first).write(toFile: path, atomically: true, encoding: .utf8)
        var polls = stack.polls("it")
        #expect(await stack.app.reloader.reload() == .reloaded)
        #expect(await stack.waitForPolls("it", polls + 1))
        var before = Self.truth(stack, lookback: Self.hour)
        #expect(await Self.step(stack, clock: clock, minutes: 10))
        var expected = Self.newlyTerminal(before, Self.truth(stack, lookback: Self.hour), tasks: Set(first))
        #expect(Self.completed(try await stack.metrics()) == expected, "two tasks")

        try Self.config(url, lookback: Self.hour, taskIds: ids).write(toFile: path, atomically: true, encoding: .utf8)
        polls = stack.polls("it")
        #expect(await stack.app.reloader.reload() == .reloaded)
        #expect(await stack.waitForPolls("it", polls + 1))
        #expect(
            Self.completed(try await stack.metrics()) == expected, "the added tasks' finished subtasks are a baseline")
        before = Self.truth(stack, lookback: Self.hour)
        #expect(await Self.step(stack, clock: clock, minutes: 10))
        for (code, count) in Self.newlyTerminal(before, Self.truth(stack, lookback: Self.hour), tasks: Set(ids)) {
            expected[code, default: 0] += count
        }
        #expect(Self.completed(try await stack.metrics()) == expected, "six tasks, exactly")
        await stack.stop()
    }

    /// The Java SDK's reading of the time parameters (EndTime bounds completion): the
    /// queries send no EndTime, so running and not-started subtasks are all seen.
    @Test(arguments: TimeSemantics.allCases)
    func windowGaugesHoldUnderEveryReadingOfTheTimeParameters(_ semantics: TimeSemantics) async throws {
        let stack = try await ExporterStack.start(
            simulator: SimulatorConfiguration(seed: 11, tasks: 480, subtasksPerTask: 10, timeSemantics: semantics),
            configuration: { url in
                ExporterConfiguration(accounts: [try ExporterStack.account("it", baseURL: url, interval: .seconds(100))]
                )
            }
        )
        #expect(await stack.waitForPolls("it", 1))
        let truth = Self.truth(stack, lookback: Self.hour)
        let gauges = Exposition.samples(try await stack.metrics(), "alibabacloud_sas_subtasks")
        #expect(truth.count(status: 0) + truth.count(status: 1) > 0, "there are open subtasks to lose")
        for code in 0...4 {
            #expect(
                Exposition.value(gauges, containing: ["status_code=\"\(code)\""]) == Double(truth.count(status: code)),
                "\(semantics) code \(code)")
        }
        let tasks = Exposition.samples(try await stack.metrics(), "alibabacloud_sas_tasks")
        #expect(
            Exposition.sum(tasks, containing: ["account=\"it\""]) == Double(truth.taskIds.count),
            "every parent task, running ones too")
        await stack.stop()
    }

    /// A server that caps `PageSize` at 20 while echoing the size asked for: every row read.
    @Test func aServerCappingPageSizeIsReadWhole() async throws {
        let capped = try await ExporterStack.start(
            faults: FaultSettings(pageSizeCap: 20),
            configuration: { url in
                ExporterConfiguration(accounts: [try ExporterStack.account("it", baseURL: url, interval: .seconds(100))]
                )
            }
        )
        #expect(await capped.waitForPolls("it", 1))
        let truth = Self.truth(capped, lookback: Self.hour)
        let text = try await capped.metrics()
        #expect(text.contains(#"alibabacloud_sas_up{account="it"} 1"#))
        let gauges = Exposition.samples(text, "alibabacloud_sas_subtasks")
        #expect(
            Exposition.sum(gauges, containing: ["account=\"it\""]) == Double(truth.total),
            "every row of every short page")
        #expect(truth.total > 100, "more than one capped page per batch")
        await capped.stop()
    }

    /// A page with one record of the wrong types keeps its other records: the poll is
    /// complete, the odd record is counted as undecodable.
    @Test func anOddRecordIsUndecodableAndThePollCompletes() async throws {
        let stack = try await ExporterStack.start(
            faults: FaultSettings(oddRecord: true),
            configuration: { url in
                ExporterConfiguration(accounts: [try ExporterStack.account("it", baseURL: url, interval: .seconds(100))]
                )
            }
        )
        #expect(await stack.waitForPolls("it", 1))
        let text = try await stack.metrics()
        #expect(text.contains(#"alibabacloud_sas_up{account="it"} 1"#), "the poll completes")
        let undecodable =
            Exposition.value(
                Exposition.samples(text, "alibabacloud_sas_invalid_subtasks_total"),
                containing: ["reason=\"undecodable\""]
            ) ?? 0
        #expect(undecodable >= 1)
        let truth = Self.truth(stack, lookback: Self.hour)
        let gauges = Exposition.samples(text, "alibabacloud_sas_subtasks")
        #expect(
            Exposition.sum(gauges, containing: ["account=\"it\""]) == Double(truth.total) - undecodable,
            "every other record counted")
        await stack.stop()
    }

    /// More terminal subtasks in the window than the tracked-state cap: exact totals with
    /// the cap above the window; with it below, the `cap` evictions show it and nothing is
    /// counted twice.
    @Test(arguments: [5_000, 15])
    func theTrackedStateCap(_ cap: Int) async throws {
        let clock = ManualClock()
        let stack = try await ExporterStack.start(
            configuration: { url in
                var account = try ExporterStack.account("it", baseURL: url, interval: Self.interval)
                account.maxTrackedSubtasks = cap
                return ExporterConfiguration(accounts: [account])
            },
            monotonic: clock
        )
        #expect(await stack.waitForPolls("it", 1))
        let before = Self.truth(stack, lookback: Self.hour)
        var expected: [Int: Double] = [2: 0, 3: 0, 4: 0]
        var last = before
        for _ in 0..<4 {
            #expect(await Self.step(stack, clock: clock, minutes: 5))
            let now = Self.truth(stack, lookback: Self.hour)
            for (code, count) in Self.newlyTerminal(last, now) { expected[code, default: 0] += count }
            last = now
        }
        let text = try await stack.metrics()
        let evictions = Exposition.samples(text, "alibabacloud_sas_tracked_subtask_evictions_total")
        let capEvictions = Exposition.value(evictions, containing: ["reason=\"cap\""]) ?? -1
        let counted = Self.completed(text)
        if cap > before.total * 2 {
            #expect(capEvictions == 0)
            #expect(counted == expected, "cap above the window: exact")
        } else {
            #expect(capEvictions > 0, "the cap is reported")
            for code in 2...4 {
                #expect((counted[code] ?? 0) <= (expected[code] ?? 0), "never counted twice (code \(code))")
            }
        }
        await stack.stop()
    }
}

/// Issue 13: a large account under default limits completes, and a window made mostly
/// of finished tasks costs only the calls for the unfinished ones plus discovery.
@Suite("A large account under default limits", .serialized)
struct LargeAccountTests {
    @Test func fiftyThousandSubtasksCompleteAndTheSecondPollReadsOnlyWhatCanChange() async throws {
        // Rate-limit waits and retry backoffs pass on this clock without sleeping; the
        // tick (60 s) and the poll deadline (10 min) wait for the test.
        let clock = ManualClock(autoAdvance: .seconds(30))
        // 100 tasks a day: the 24 h window holds 99 to 101 of them depending on the minute
        // the test starts in, so 510 subtasks each keep it above 50 000 at any start.
        let subtasksPerTask = 510
        let stack = try await ExporterStack.start(
            simulator: SimulatorConfiguration(
                seed: 5, tasks: 100, subtasksPerTask: subtasksPerTask, requestLogCapacity: 10),
            configuration: { url in
                ExporterConfiguration(accounts: [
                    AccountConfiguration(
                        name: "big", endpoint: try Endpoint(parsing: url), credentials: ExporterStack.key
                    )
                ])
            },
            monotonic: clock
        )
        let account = AccountConfiguration(name: "big", endpoint: try Endpoint(parsing: stack.running.baseURL))
        #expect(account.requestsPerSecond == 10 && account.maxConcurrentRequests == 4 && account.pageSize == 100)
        #expect(account.pollTimeout == .seconds(600) && account.lookback == .seconds(86_400))
        #expect(await stack.waitForPolls("big", 1, timeout: .seconds(300)))
        let now = stack.simulator.clock.nowMs
        let truth = stack.simulator.groundTruth(windowStartMs: now - 86_400_000, windowEndMs: now, atMs: now)
        #expect(truth.total >= 50_000)
        let text = try await stack.metrics()
        #expect(
            text.contains(#"alibabacloud_sas_up{account="big"} 1"#), "the first poll completes under default limits")
        #expect(
            Exposition.sum(Exposition.samples(text, "alibabacloud_sas_subtasks"), containing: ["account=\"big\""])
                == Double(truth.total))
        let firstCalls = stack.simulator.stats.total

        #expect(await clock.idle(sleepers: 1, within: .seconds(60)))
        clock.advance(by: .seconds(60))
        #expect(await stack.waitForPolls("big", 2, timeout: .seconds(120)))
        let secondCalls = stack.simulator.stats.total - firstCalls
        let unfinished = Set(truth.subtasks.filter { $0.status == 0 || $0.status == 1 }.map(\.taskId))
        let perTask = (subtasksPerTask + 99) / 100
        let bound = 1 + unfinished.count * perTask + (unfinished.count + 9) / 10
        #expect(
            secondCalls <= bound,
            "second poll: \(secondCalls) calls for \(unfinished.count) unfinished tasks (at most \(bound))")
        #expect(
            secondCalls * 5 < firstCalls,
            "most of the window is finished and not read again (\(firstCalls) then \(secondCalls))")
        let again = try await stack.metrics()
        #expect(
            Exposition.sum(Exposition.samples(again, "alibabacloud_sas_subtasks"), containing: ["account=\"big\""])
                == Double(truth.total),
            "the finished tasks' share of the gauges is kept")
        await stack.stop()
    }
}
