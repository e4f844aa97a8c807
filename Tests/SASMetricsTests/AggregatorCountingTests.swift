import SASModels
import Testing

@testable import SASMetrics

@Suite struct AggregatorCountingTests {
    typealias S = Poll

    static func completed(_ aggregator: AccountAggregator) -> UInt64 {
        SubtaskStatus.terminal.reduce(0) { $0 + aggregator.completedCount($1) }
    }

    @Test func baselineCountsNothingButCreatesSeries() {
        var aggregator = AccountAggregator(account: "prod")
        let snapshot = aggregator.ingest(S.input([S.subtask("a", 2), S.subtask("b", 4), S.subtask("c", 1)], at: S.t0))
        #expect(snapshot.summary.isBaseline)
        #expect(Self.completed(aggregator) == 0)
        // The terminal ones predate the coverage: nothing needs remembering about them (the
        // horizon only moves forward). The running one is remembered as seen open.
        #expect(aggregator.trackedCount == 1)
        for status in SubtaskStatus.terminal {
            #expect(S.value(snapshot, MetricNames.subtasksCompleted, ["status": status.label]) == 0)
            #expect(S.value(snapshot, MetricNames.subtaskDuration + "_count", ["status": status.label]) == 0)
        }
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "not_started", "status_code": "0"]) == 0)
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "running"]) == 1)
        // Seen again later: still not counted.
        _ = aggregator.ingest(S.input([S.subtask("a", 2), S.subtask("b", 4)], at: S.t0 + 60_000))
        #expect(Self.completed(aggregator) == 0)
    }

    @Test func runningThenFailedCountsOnce() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([S.subtask("a", 1)], at: S.t0))
        _ = aggregator.ingest(S.input([S.subtask("a", 4)], at: S.t0 + 60_000))
        #expect(aggregator.completedCount(.failed) == 1)
        for step in 2...6 {
            _ = aggregator.ingest(S.input([S.subtask("a", 4)], at: S.t0 + Int64(step) * 60_000))
        }
        #expect(aggregator.completedCount(.failed) == 1)
        #expect(aggregator.durationHistogram(.failed)?.count == 1)
    }

    @Test func firstSeenTerminalAfterBaselineIsCounted() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        for step in 1...5 {
            _ = aggregator.ingest(
                S.input([S.subtask("x", 3, created: S.afterFirstPoll)], at: S.t0 + Int64(step) * 60_000))
        }
        #expect(aggregator.completedCount(.timedOut) == 1)
    }

    @Test func firstSeenTerminalBeforeTheCoverageIsABaseline() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        // Created before the first poll but first seen (terminal) later: whether it ended
        // before the exporter started cannot be known, so it is not counted.
        _ = aggregator.ingest(S.input([S.subtask("late", 2)], at: S.t0 + 60_000))
        #expect(Self.completed(aggregator) == 0)
        // Seen open before the coverage, then terminal: its completion was observed.
        _ = aggregator.ingest(S.input([S.subtask("open", 1)], at: S.t0 + 120_000))
        _ = aggregator.ingest(S.input([S.subtask("open", 4)], at: S.t0 + 180_000))
        #expect(aggregator.completedCount(.failed) == 1)
    }

    @Test func leavingTheWindowChangesNoCounter() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        let first = aggregator.ingest(
            S.input(
                [S.subtask("a", 2, created: S.afterFirstPoll), S.subtask("b", 1, created: S.afterFirstPoll)],
                at: S.t0 + 60_000
            ))
        let second = aggregator.ingest(S.input([], at: S.t0 + 120_000))
        #expect(S.value(first, MetricNames.subtasksCompleted, ["status": "succeeded"]) == 1)
        #expect(S.value(second, MetricNames.subtasksCompleted, ["status": "succeeded"]) == 1)
        #expect(S.value(second, MetricNames.subtasks, ["status": "running"]) == 0)
        #expect(S.value(second, MetricNames.subtasks, ["status": "succeeded"]) == 0)
    }

    @Test func duplicatesInOnePollCountOnceAndMostAdvancedWins() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        let a = { (status: Int) in S.subtask("a", status, created: S.afterFirstPoll) }
        let snapshot = aggregator.ingest(S.input([a(1), a(2), a(1)], at: S.t0 + 60_000))
        #expect(aggregator.completedCount(.succeeded) == 1)
        #expect(aggregator.invalidCount(.duplicate) == 2)
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "succeeded"]) == 1)
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "running"]) == 0)
        _ = aggregator.ingest(S.input([a(2), a(2)], at: S.t0 + 120_000))
        #expect(aggregator.invalidCount(.duplicate) == 3)
        #expect(aggregator.completedCount(.succeeded) == 1)
    }

    /// A check only the losing copy of a duplicated id carried gets no series: series come
    /// from the records kept.
    @Test func aCheckOnlyALosingDuplicateCarriedGetsNoSeries() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        let check = { (id: Int64) in [CheckItem(checkId: id, checkShowName: "check \(id)")] }
        let kept = S.subtask("a", 2, checks: check(5), created: S.afterFirstPoll)
        let losing = S.subtask("a", 1, checks: check(66), created: S.afterFirstPoll)
        _ = aggregator.ingest(S.input([losing, kept], at: S.t0 + 60_000))
        #expect(aggregator.invalidCount(.duplicate) == 1)
        #expect(aggregator.checkCounts(5)?.completions == 1)
        #expect(aggregator.checkCounts(66) == nil, "66 came only with the copy that lost")
    }

    /// A listing read again from page 1 replaces what its abandoned attempt added: a
    /// record returned again is no duplicate, and one only the abandoned attempt returned
    /// is not kept. Another batch's records stay.
    @Test func aRetriedListingReplacesItsEarlierAttempt() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        let at = S.t0 + 60_000
        let input = S.input([], at: at)
        var poll = aggregator.beginPoll(window: input.window, scope: input.scope)
        let first = PendingPoll.ListingID(batch: 0, attempt: 1)
        let other = PendingPoll.ListingID(batch: 1, attempt: 1)
        poll.begin(first)
        poll.add(
            SubtaskPage(details: [
                S.subtask("a", 1, created: S.afterFirstPoll),
                S.subtask(
                    "ghost", 2, checks: [CheckItem(checkId: 77, checkShowName: "ghost")], created: S.afterFirstPoll),
            ]), listing: first)
        poll.add(SubtaskPage(details: [S.subtask("b", 1, created: S.afterFirstPoll)]), listing: other)
        let retry = PendingPoll.ListingID(batch: 0, attempt: 2)
        poll.begin(retry)
        poll.add(SubtaskPage(details: [S.subtask("a", 2, created: S.afterFirstPoll)]), listing: retry)
        let snapshot = aggregator.commit(poll, polledAtMs: at, tasks: nil)
        #expect(aggregator.completedCount(.succeeded) == 1, "a only; ghost came from the abandoned attempt")
        #expect(aggregator.invalidCount(.duplicate) == 0)
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "running"]) == 1, "b of the other batch stays")
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "succeeded"]) == 1)
        #expect(aggregator.checkCounts(77) == nil, "a check only the abandoned attempt carried gets no series")
    }

    /// While configured tasks are polled, a record of no known task belongs to one of
    /// them: it is judged by the latest of their coverages (it was a baseline forever).
    @Test func aRecordOfNoKnownTaskIsJudgedByTheLatestConfiguredCoverage() {
        var aggregator = AccountAggregator(account: "prod")
        let first = CoverageScope(endpoint: "https://test", selection: .tasks(["t1"]))
        _ = aggregator.ingest(S.input([], at: S.t0, scope: first))
        let both = CoverageScope(endpoint: "https://test", selection: .tasks(["t1", "t2"]))
        _ = aggregator.ingest(S.input([], at: S.t0 + 60_000, scope: both))
        #expect(aggregator.coverageHorizon(task: nil) == aggregator.coverageHorizon(task: "t2"))
        #expect(aggregator.coverageHorizon(task: "t1") < aggregator.coverageHorizon(task: "t2"))
        let unknown = ProcessDetail(
            detailTaskId: "x", statusCode: 2, createTime: S.t0 + 90_000, startTime: S.t0 + 90_000,
            endTime: S.t0 + 100_000)
        _ = aggregator.ingest(S.input([unknown], at: S.t0 + 120_000, scope: both))
        #expect(aggregator.completedCount(.succeeded) == 1)
    }

    @Test func oddRecordsAreCountedOncePerSubtask() throws {
        var aggregator = AccountAggregator(account: "prod")
        let odd = [
            S.subtask("neg", 2, start: S.t0, end: S.t0 - 5_000),
            S.subtask("notimes", 4, start: nil, end: S.t0),
            S.subtask("unknown", 7),
            S.subtask("nostatus", nil),
            S.subtask(nil, 1),
            S.subtask("", 2, checks: [CheckItem(checkId: 9, checkShowName: nil)]),
        ]
        var last: AccountSnapshot?
        for step in 0..<10 {
            last = aggregator.ingest(S.input(odd, at: S.t0 + Int64(step) * 60_000))
        }
        #expect(aggregator.invalidCount(.endBeforeStart) == 1)
        #expect(aggregator.invalidCount(.missingTimes) == 1)
        #expect(aggregator.invalidCount(.unknownStatus) == 1)
        #expect(aggregator.invalidCount(.missingStatus) == 1)
        #expect(aggregator.invalidCount(.missingId) == 2)
        // Baseline: the terminal ones were only remembered, and id-less records never count.
        #expect(Self.completed(aggregator) == 0)
        let snapshot = try #require(last)
        #expect(S.value(snapshot, MetricNames.subtasks, ["status": "unknown", "status_code": "7"]) == 1)
        #expect(S.value(snapshot, MetricNames.invalidSubtasks, ["reason": "missing_id"]) == 2)
    }

    @Test func unsoundDurationsAreCountedButNotObserved() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        let created = S.afterFirstPoll
        _ = aggregator.ingest(
            S.input(
                [
                    S.subtask("neg", 2, start: S.t0, end: S.t0 - 5_000, created: created),
                    S.subtask("notimes", 2, start: nil, end: S.t0, created: created),
                    S.subtask("ok", 2, start: S.t0 - 30_000, end: S.t0, created: created),
                    S.subtask("zero", 2, start: 0, end: S.t0, created: created),
                ], at: S.t0 + 60_000))
        #expect(aggregator.completedCount(.succeeded) == 4)
        #expect(aggregator.durationHistogram(.succeeded)?.count == 1)
        #expect(aggregator.durationHistogram(.succeeded)?.sum == 30)
        #expect(aggregator.unsoundDurationCount(.succeeded) == 3)
        #expect(aggregator.invalidCount(.missingTimes) == 2)
        #expect(aggregator.invalidCount(.endBeforeStart) == 1)
    }

    @Test func checkSeriesStartAtZeroAndCountFailures() {
        var aggregator = AccountAggregator(account: "prod")
        let agent = CheckItem(checkId: 133, checkShowName: "Agent status")
        let first = aggregator.ingest(S.input([S.subtask("a", 1, checks: [agent])], at: S.t0))
        #expect(S.value(first, MetricNames.checkCompletions, ["check_id": "133"]) == 0)
        #expect(S.value(first, MetricNames.checkFailures, ["check_id": "133", "reason": "failed"]) == 0)
        #expect(S.value(first, MetricNames.checkFailures, ["check_id": "133", "reason": "timed_out"]) == 0)
        #expect(S.value(first, MetricNames.checkInfo, ["check_id": "133", "check_name": "Agent status"]) == 1)
        let renamed = CheckItem(checkId: 133, checkShowName: "客户端状态")
        let second = aggregator.ingest(
            S.input(
                [
                    S.subtask("a", 4, checks: [renamed, renamed]),
                    S.subtask("b", 3, checks: [agent], created: S.afterFirstPoll),
                    S.subtask("c", 2, checks: [agent], created: S.afterFirstPoll),
                ], at: S.t0 + 60_000))
        #expect(aggregator.checkCounts(133)?.completions == 3)
        #expect(aggregator.checkCounts(133)?.failed == 1)
        #expect(aggregator.checkCounts(133)?.timedOut == 1)
        #expect(S.value(second, MetricNames.checkInfo, ["check_id": "133"]) == 1)
        #expect(aggregator.checkCounts(133)?.name == "Agent status", "the latest name in input order wins")
    }

    @Test func parentTasksOnlyWhenDiscovered() {
        var aggregator = AccountAggregator(account: "prod")
        let without = aggregator.ingest(S.input([], at: S.t0))
        #expect(!without.families.contains { $0.name == MetricNames.tasks })
        let tasks = [
            OperationProcess(taskId: "t1", statusCode: 1), OperationProcess(taskId: "t1", statusCode: 1),
            OperationProcess(taskId: "t2", statusCode: 8),
        ]
        let with = aggregator.ingest(S.input([], at: S.t0 + 60_000, tasks: tasks))
        #expect(S.value(with, MetricNames.tasks, ["status": "running", "status_code": "1"]) == 1)
        #expect(S.value(with, MetricNames.tasks, ["status": "not_started"]) == 0)
        #expect(S.value(with, MetricNames.tasks, ["status": "timed_out"]) == 0)
        #expect(S.value(with, MetricNames.tasks, ["status": "unknown", "status_code": "8"]) == 1)
    }

    @Test func oldestGaugesAreAbsentWhenNone() {
        var aggregator = AccountAggregator(account: "prod")
        let empty = aggregator.ingest(S.input([S.subtask("a", 2)], at: S.t0))
        #expect(!empty.families.contains { $0.name == MetricNames.runningOldestStart })
        #expect(!empty.families.contains { $0.name == MetricNames.pendingOldestCreate })
        let busy = aggregator.ingest(
            S.input(
                [
                    S.subtask("r1", 1, start: S.t0 - 5_000), S.subtask("r2", 1, start: S.t0 - 9_000), S.subtask("p", 0),
                ], at: S.t0 + 60_000))
        #expect(S.value(busy, MetricNames.runningOldestStart, [:]) == Double(S.t0 - 9_000) / 1000)
        #expect(S.value(busy, MetricNames.pendingOldestCreate, [:]) == Double(S.t0 - 120_000) / 1000)
    }

    @Test func checkIdsBeyondTheLimitGetNoSeriesAndTheirCompletionsAreCounted() {
        var aggregator = AccountAggregator(account: "prod", configuration: AggregatorConfiguration(maxChecks: 2))
        let checks = (1...3).map { CheckItem(checkId: Int64($0), checkShowName: "c\($0)") }
        let snapshot = aggregator.ingest(S.input([S.subtask("a", 1, checks: checks)], at: S.t0))
        #expect(aggregator.checkCounts(1) != nil && aggregator.checkCounts(2) != nil)
        #expect(aggregator.checkCounts(3) == nil)
        #expect(S.value(snapshot, MetricNames.checkCompletions, ["check_id": "3"]) == nil)
        #expect(S.value(snapshot, MetricNames.checksDropped, [:]) == 0)
        let done = aggregator.ingest(S.input([S.subtask("a", 2, checks: checks)], at: S.t0 + 60_000))
        #expect(aggregator.checkCounts(1)?.completions == 1)
        #expect(aggregator.checksDroppedCount == 1, "the completion of check 3 had no series to go to")
        #expect(S.value(done, MetricNames.checksDropped, [:]) == 1)
    }
}

@Suite struct UndecodableRecordTests {
    @Test func anOddRecordIsCountedAndReportedOnceAndItsPageKept() throws {
        let body = #"""
            {"ProcessDetails":[
              {"DetailTaskId":"odd","CreateTime":"soon","Checks":null,"StatusCode":"2","TaskId":"task"},
              {"DetailTaskId":"fine","CreateTime":\#(Poll.afterFirstPoll),"StatusCode":2,"StartTime":1,"EndTime":2,"TaskId":"task"}
            ]}
            """#
        let page = try DetailPageDecoder.decode(Array(body.utf8))
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(Poll.input([], at: Poll.t0))
        let input = { (at: Int64) in
            PollInput(
                polledAtMs: at, window: PollWindow(startMs: at - 86_400_000, endMs: at), tasks: nil, pages: [page])
        }
        let first = aggregator.ingest(input(Poll.t0 + 60_000))
        let second = aggregator.ingest(input(Poll.t0 + 120_000))
        #expect(first.summary.newlyUndecodable.map(\.detailTaskId) == ["odd"])
        #expect(first.summary.newlyUndecodable.first?.path == "ProcessDetails[0].CreateTime")
        #expect(second.summary.newlyUndecodable.isEmpty, "reported (and logged) once")
        #expect(aggregator.invalidCount(.undecodable) == 1)
        #expect(aggregator.completedCount(.succeeded) == 1, "the rest of the page is counted")
        #expect(Poll.value(second, MetricNames.subtasks, ["status": "succeeded"]) == 1, "the odd record is in no gauge")
    }
}

@Suite struct CoverageTransitionTests {
    typealias S = Poll

    /// A task watched through `task_ids` for days, then the account switched to discovery:
    /// the task keeps its coverage, so a subtask seen open just before the switch is counted
    /// when it completes after it.
    @Test func switchingFromTaskIdsToDiscoveryKeepsTheConfiguredTasksCovered() {
        let hour: Int64 = 3_600_000
        var aggregator = AccountAggregator(account: "prod")
        let tasks = CoverageScope(endpoint: "https://test", selection: .tasks(["T"]))
        let discovery = CoverageScope(endpoint: "https://test", selection: .discovery)
        let start = S.t0 - 72 * hour
        _ = aggregator.ingest(S.input([], at: start, scope: tasks))
        for step in 1...70 { _ = aggregator.ingest(S.input([], at: start + Int64(step) * hour, scope: tasks)) }
        let switchAt = start + 72 * hour
        let open = S.subtask("s", 1, created: switchAt - 2 * hour, task: "T")
        _ = aggregator.ingest(S.input([open], at: switchAt - 60_000, scope: tasks))
        // It completes between the last poll by task id and the first poll by discovery.
        let done = S.subtask(
            "s", 2, start: switchAt - hour, end: switchAt - 10_000, created: switchAt - 2 * hour, task: "T")
        _ = aggregator.ingest(S.input([done], at: switchAt, scope: discovery))
        #expect(aggregator.completedCount(.succeeded) == 1, "its completion was observed: counted")
        #expect(aggregator.coverageHorizon(task: "T") < switchAt - 2 * hour)
        #expect(aggregator.coverageHorizon(task: "other") == switchAt + 1, "other tasks are new to the coverage")
    }
}

extension CoverageTransitionTests {
    /// The same account on another endpoint (another region): a new baseline. The counters
    /// are kept; what the new endpoint shows terminal at first is not counted, even a
    /// subtask created after the old endpoint's coverage began; what it shows open is.
    @Test func anotherEndpointIsANewBaselineThatKeepsTheCounters() {
        var aggregator = AccountAggregator(account: "prod")
        let old = CoverageScope(endpoint: "https://tds.cn-shanghai.aliyuncs.com:443", selection: .discovery)
        let new = CoverageScope(endpoint: "https://tds.ap-southeast-1.aliyuncs.com:443", selection: .discovery)
        _ = aggregator.ingest(S.input([S.subtask("a", 1)], at: S.t0, scope: old))
        let counted = aggregator.ingest(S.input([S.subtask("a", 2, end: S.t0 + 50_000)], at: S.t0 + 60_000, scope: old))
        #expect(!counted.summary.isBaseline && aggregator.completedCount(.succeeded) == 1)

        let switched = aggregator.ingest(
            S.input(
                [
                    S.subtask("b", 4, end: S.t0 + 100_000, created: S.afterFirstPoll),
                    S.subtask("c", 1, created: S.afterFirstPoll),
                ], at: S.t0 + 120_000, scope: new))
        #expect(switched.summary.isBaseline && switched.summary.endpointChanged)
        #expect(aggregator.completedCount(.failed) == 0, "b was terminal when the new endpoint was first read")
        #expect(aggregator.completedCount(.succeeded) == 1, "the counters are kept")
        let later = aggregator.ingest(
            S.input(
                [
                    S.subtask("b", 4, end: S.t0 + 100_000, created: S.afterFirstPoll),
                    S.subtask("c", 4, end: S.t0 + 150_000, created: S.afterFirstPoll),
                ], at: S.t0 + 180_000, scope: new))
        #expect(!later.summary.isBaseline && !later.summary.endpointChanged)
        #expect(aggregator.completedCount(.failed) == 1, "c was seen open on the new endpoint: counted once")
    }
}

@Suite struct MissingCreationTimeTests {
    typealias S = Poll

    static func record(_ status: Int, created: Int64?) -> ProcessDetail {
        var record = S.subtask("nocreate", status, created: 0)
        record.createTime = created
        return record
    }

    /// A terminal record without `CreateTime` first seen by the baseline poll is a baseline
    /// for ever: not counted on the second poll, nor after its entry would have expired.
    @Test(arguments: [nil, Int64(0), Int64(-5)])
    func aTerminalRecordWithoutCreationTimeCountsNeverAfterABaseline(_ created: Int64?) {
        let hour: Int64 = 3_600_000
        var aggregator = AccountAggregator(account: "prod")
        for step in 0..<60 {
            _ = aggregator.ingest(S.input([Self.record(2, created: created)], at: S.t0 + Int64(step) * hour))
        }
        #expect(aggregator.completedCount(.succeeded) == 0, "60 hours of polls, each seeing it: still a baseline")
        #expect(aggregator.trackedCount == 1)
    }

    /// Seen open first, then terminal: counted once.
    @Test func anOpenRecordWithoutCreationTimeCountsOnceWhenItEnds() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([Self.record(1, created: nil)], at: S.t0))
        for step in 1...5 {
            _ = aggregator.ingest(S.input([Self.record(4, created: nil)], at: S.t0 + Int64(step) * 60_000))
        }
        #expect(aggregator.completedCount(.failed) == 1)
    }

    /// An undecodable record is counted once however long it stays in the window.
    @Test func anUndecodableRecordCountsOnceForDays() throws {
        let page = try DetailPageDecoder.decode(Array(#"{"ProcessDetails":[{"StatusCode":"two"}]}"#.utf8))
        var aggregator = AccountAggregator(account: "prod")
        for step in 0..<60 {
            let at = S.t0 + Int64(step) * 3_600_000
            _ = aggregator.ingest(
                PollInput(
                    polledAtMs: at, window: PollWindow(startMs: at - 86_400_000, endMs: at), tasks: nil, pages: [page]))
        }
        #expect(aggregator.invalidCount(.undecodable) == 1)
    }
}
