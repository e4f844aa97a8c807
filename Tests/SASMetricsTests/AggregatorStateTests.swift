import Foundation
import SASModels
import Testing

@testable import SASMetrics

@Suite struct AggregatorStateTests {
    typealias S = Poll

    @Test func codableRoundTripKeepsCountersAndDeduplication() throws {
        var aggregator = AccountAggregator(account: "prod")
        let new = S.afterFirstPoll
        _ = aggregator.ingest(S.input([S.subtask("base", 2), S.subtask("open", 1)], at: S.t0))
        _ = aggregator.ingest(
            S.input(
                [
                    S.subtask("a", 4, checks: [CheckItem(checkId: 7, checkShowName: "seven")], created: new),
                    S.subtask("b", 1, created: new), S.subtask(nil, 1),
                ], at: S.t0 + 60_000))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(aggregator)
        var restored = try JSONDecoder().decode(AccountAggregator.self, from: data)
        #expect(try encoder.encode(restored) == data, "encoding with sorted keys is deterministic")
        #expect(restored.pollCount == 2)
        #expect(restored.completedCount(.failed) == 1)
        #expect(restored.trackedCount == aggregator.trackedCount)
        #expect(restored.checkCounts(7)?.failed == 1)

        let next = S.input(
            [
                S.subtask("base", 2), S.subtask("open", 2), S.subtask("a", 4, created: new),
                S.subtask("b", 2, created: new),
                S.subtask("c", 3, created: new),
            ], at: S.t0 + 120_000)
        let original = aggregator.ingest(next)
        let fromState = restored.ingest(next)
        #expect(!fromState.summary.isBaseline)
        #expect(restored.completedCount(.failed) == 1)
        #expect(restored.completedCount(.succeeded) == 2, "b and open counted, base stays baseline")
        #expect(restored.completedCount(.timedOut) == 1)
        #expect(
            ExpositionRenderer.render(original.families, format: .openMetrics)
                == ExpositionRenderer.render(fromState.families, format: .openMetrics))
    }

    @Test func corruptStateIsRejected() {
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(AccountAggregator.self, from: Data(#"{"formatVersion":99}"#.utf8))
        }
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([S.subtask("a", 2)], at: S.t0))
        let good = (try? JSONEncoder().encode(aggregator)) ?? Data()
        var object = (try? JSONSerialization.jsonObject(with: good) as? [String: Any]) ?? [:]
        object["tracked"] = Data([1, 2, 3]).base64EncodedString()
        let bad = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        #expect(throws: (any Error).self) { try JSONDecoder().decode(AccountAggregator.self, from: bad) }
    }

    @Test func entriesExpireLookbackPlusMarginAfterCreation() {
        let configuration = AggregatorConfiguration(
            lookback: .milliseconds(600_000), expiryMargin: .milliseconds(60_000))
        var aggregator = AccountAggregator(account: "prod", configuration: configuration)
        let poll = { (subtasks: [ProcessDetail], at: Int64) in S.input(subtasks, at: at, lookbackMs: 600_000) }
        _ = aggregator.ingest(poll([], S.t0))
        _ = aggregator.ingest(poll([S.subtask("a", 2, created: S.afterFirstPoll)], S.t0 + 60_000))
        #expect(aggregator.trackedCount == 1)
        // Created at t0 + 30 s: kept while it may be in a window (600 s) plus the margin (60 s).
        _ = aggregator.ingest(poll([], S.afterFirstPoll + 660_000))
        #expect(aggregator.trackedCount == 1, "kept exactly up to lookback plus margin after creation")
        let snapshot = aggregator.ingest(poll([], S.afterFirstPoll + 661_000))
        #expect(aggregator.trackedCount == 0)
        #expect(snapshot.summary.expiredThisPoll == 1)
        #expect(aggregator.evictionCount(.expiredWindow) == 1)
        #expect(aggregator.evictionCount(.cap) == 0)
        #expect(S.value(snapshot, MetricNames.trackedEvictions, ["reason": "expired_window"]) == 1)
        #expect(aggregator.completedCount(.succeeded) == 1, "expiry changes no counter")
    }

    @Test func theCapEvictsTheOldestAndNeverCountsThemTwice() {
        var aggregator = AccountAggregator(
            account: "prod", configuration: AggregatorConfiguration(maxTrackedSubtasks: 3))
        let old = [S.subtask("o1", 2, created: S.t0 + 10_000), S.subtask("o2", 2, created: S.t0 + 20_000)]
        let new = (1...3).map { S.subtask("n\($0)", 2, created: S.t0 + 60_000 + Int64($0) * 1000) }
        _ = aggregator.ingest(S.input([], at: S.t0))
        _ = aggregator.ingest(S.input(old, at: S.t0 + 60_000))
        let snapshot = aggregator.ingest(S.input(old + new, at: S.t0 + 120_000))
        #expect(aggregator.completedCount(.succeeded) == 5)
        #expect(aggregator.trackedCount == 3)
        #expect(aggregator.evictionCount(.cap) == 2)
        #expect(snapshot.summary.evictedThisPoll == 2)
        #expect(S.value(snapshot, MetricNames.trackedEvictions, ["reason": "cap"]) == 2)
        #expect(S.value(snapshot, MetricNames.trackedSubtasks, [:]) == 3)
        // The evicted ones are behind the moved horizon now: a baseline, not a second count.
        for minute in 3...6 {
            _ = aggregator.ingest(S.input(old + new, at: S.t0 + Int64(minute) * 60_000))
        }
        #expect(aggregator.completedCount(.succeeded) == 5)
        #expect(aggregator.coverageHorizon(task: "task") == S.t0 + 21_000)
    }

    @Test func changedBucketsRestartHistograms() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        _ = aggregator.ingest(S.input([S.subtask("a", 2, created: S.afterFirstPoll)], at: S.t0 + 60_000))
        aggregator.reconfigure(AggregatorConfiguration(durationBuckets: [1, 2]))
        let snapshot = aggregator.ingest(S.input([], at: S.t0 + 120_000))
        #expect(aggregator.durationHistogram(.succeeded)?.bounds == [1, 2])
        #expect(aggregator.durationHistogram(.succeeded)?.count == 0)
        #expect(aggregator.completedCount(.succeeded) == 1)
        #expect(S.value(snapshot, MetricNames.subtaskDuration + "_bucket", ["status": "succeeded", "le": "2"]) == 0)
    }

    /// State of the first version in JSON: no coverage, one eviction counter.
    static func firstVersionJSON(_ aggregator: AccountAggregator) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(aggregator)) as? [String: Any] ?? [:]
        object["formatVersion"] = 1
        object["coverage"] = nil
        object["checksDropped"] = nil
        object["evictions"] = (object["evictions"] as? [String: Any])?["cap"]
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// A first-version state knew only its window: after the upgrade, a longer lookback
    /// brings older history in as a baseline, while what the old window held keeps its
    /// first-version meaning (not seen terminal, so counted when seen completed).
    @Test func firstVersionStateBoundsItsCoverageByItsWindow() throws {
        let hour: Int64 = 3_600_000
        let configuration = AggregatorConfiguration(lookback: .milliseconds(hour))
        var aggregator = AccountAggregator(account: "prod", configuration: configuration)
        _ = aggregator.ingest(S.input([S.subtask("open", 1)], at: S.t0, lookbackMs: hour))
        let savedAt = S.t0 + 60_000
        _ = aggregator.ingest(S.input([S.subtask("open", 1)], at: savedAt, lookbackMs: hour))
        let saved = try Self.firstVersionJSON(aggregator)

        func restored(adopting: Bool) throws -> AccountAggregator {
            var restored = try JSONDecoder().decode(AccountAggregator.self, from: saved)
            if adopting { restored.adoptFirstVersionSave(savedAtMs: savedAt) }
            restored.reconfigure(AggregatorConfiguration(lookback: .milliseconds(24 * hour)))
            return restored
        }
        let next = S.input(
            [
                S.subtask("open", 2), S.subtask("old", 2, created: savedAt - 5 * hour),
                S.subtask("unseen", 4, created: savedAt - hour / 2),
            ], at: savedAt + 60_000, lookbackMs: 24 * hour)

        var upgraded = try restored(adopting: true)
        #expect(upgraded.coverageHorizon(task: nil) == savedAt - hour)
        _ = upgraded.ingest(next)
        #expect(upgraded.completedCount(.succeeded) == 1, "open counted; old (5 h before the save) is a baseline")
        #expect(upgraded.completedCount(.failed) == 1, "unseen lay inside the old window: counted as before")

        var unbounded = try restored(adopting: false)
        _ = unbounded.ingest(next)
        #expect(unbounded.completedCount(.succeeded) == 2, "without the bound, old history is a burst")

        var current = try JSONDecoder().decode(AccountAggregator.self, from: JSONEncoder().encode(aggregator))
        let horizon = current.coverageHorizon(task: nil)
        current.adoptFirstVersionSave(savedAtMs: savedAt + hour)
        #expect(current.coverageHorizon(task: nil) == horizon, "state of this version is left alone")
    }
}
