import Foundation
import SASModels
import Testing
@testable import SASMetrics

@Suite struct AggregatorStateTests {
    typealias S = Poll

    @Test func codableRoundTripKeepsCountersAndDeduplication() throws {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([S.subtask("base", 2)], at: S.t0))
        _ = aggregator.ingest(S.input([
            S.subtask("a", 4, checks: [CheckItem(checkId: 7, checkShowName: "seven")]), S.subtask("b", 1), S.subtask(nil, 1),
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

        let next = S.input([S.subtask("base", 2), S.subtask("a", 4), S.subtask("b", 2), S.subtask("c", 3)], at: S.t0 + 120_000)
        let original = aggregator.ingest(next)
        let fromState = restored.ingest(next)
        #expect(!fromState.summary.isBaseline)
        #expect(restored.completedCount(.failed) == 1)
        #expect(restored.completedCount(.succeeded) == 1, "b counted, base stays baseline")
        #expect(restored.completedCount(.timedOut) == 1)
        #expect(ExpositionRenderer.render(original.families, format: .openMetrics)
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

    @Test func entriesExpireAfterWindowPlusMargin() {
        let configuration = AggregatorConfiguration(lookbackMs: 600_000, expiryMarginMs: 60_000)
        var aggregator = AccountAggregator(account: "prod", configuration: configuration)
        _ = aggregator.ingest(S.input([], at: S.t0))
        _ = aggregator.ingest(S.input([S.subtask("a", 2)], at: S.t0 + 60_000))
        #expect(aggregator.trackedCount == 1)
        _ = aggregator.ingest(S.input([], at: S.t0 + 60_000 + 660_000))
        #expect(aggregator.trackedCount == 1, "kept exactly up to window plus margin")
        let snapshot = aggregator.ingest(S.input([], at: S.t0 + 60_000 + 661_000))
        #expect(aggregator.trackedCount == 0)
        #expect(snapshot.summary.expiredThisPoll == 1)
        #expect(aggregator.evictionCount == 0)
        #expect(aggregator.completedCount(.succeeded) == 1, "expiry changes no counter")
    }

    @Test func hardCapEvictsOldestAndCountsEvictions() {
        var aggregator = AccountAggregator(account: "prod", configuration: AggregatorConfiguration(maxTrackedSubtasks: 3))
        _ = aggregator.ingest(S.input([S.subtask("old1", 2), S.subtask("old2", 2)], at: S.t0))
        let snapshot = aggregator.ingest(S.input([S.subtask("n1", 2), S.subtask("n2", 2), S.subtask("n3", 2)], at: S.t0 + 60_000))
        #expect(aggregator.trackedCount == 3)
        #expect(aggregator.evictionCount == 2)
        #expect(snapshot.summary.evictedThisPoll == 2)
        #expect(S.value(snapshot, MetricNames.trackedEvictions, [:]) == 2)
        #expect(S.value(snapshot, MetricNames.trackedSubtasks, [:]) == 3)
        // The newest survived: seeing them again counts nothing new.
        _ = aggregator.ingest(S.input([S.subtask("n1", 2), S.subtask("n2", 2), S.subtask("n3", 2)], at: S.t0 + 120_000))
        #expect(aggregator.completedCount(.succeeded) == 3)
    }

    @Test func changedBucketsRestartHistograms() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(S.input([], at: S.t0))
        _ = aggregator.ingest(S.input([S.subtask("a", 2)], at: S.t0 + 60_000))
        aggregator.reconfigure(AggregatorConfiguration(durationBuckets: [1, 2]))
        let snapshot = aggregator.ingest(S.input([], at: S.t0 + 120_000))
        #expect(aggregator.durationHistogram(.succeeded)?.bounds == [1, 2])
        #expect(aggregator.durationHistogram(.succeeded)?.count == 0)
        #expect(aggregator.completedCount(.succeeded) == 1)
        #expect(S.value(snapshot, MetricNames.subtaskDuration + "_bucket", ["status": "succeeded", "le": "2"]) == 0)
    }
}
