import Foundation
import SASExpositionCheck
import SASModels
import Testing

@testable import SASMetrics

/// Fixed API pages through three polls to the exact exposition in both formats, compared
/// byte for byte with the golden files (`SAS_UPDATE_GOLDEN=1` regenerates them).
@Suite struct GoldenTests {
    static let t1: Int64 = 1_764_403_200_000

    static func poll(_ n: Int, at ms: Int64, pages: [String]) throws -> PollInput {
        PollInput(
            polledAtMs: ms, window: PollWindow(startMs: ms - 86_400_000, endMs: ms),
            tasks: try Fixtures.tasks("poll\(n)-tasks.json"), pages: try pages.map { try Fixtures.pages($0)[0] }
        )
    }

    static func exposition(_ snapshot: AccountSnapshot, _ format: ExpositionFormat) -> [UInt8] {
        ExpositionRenderer.render(snapshot.families, format: format) + ExpositionRenderer.terminator(format)
    }

    @Test func threePollsMatchTheGoldenFiles() throws {
        var aggregator = AccountAggregator(account: "prod")
        let first = aggregator.ingest(
            try Self.poll(1, at: Self.t1, pages: ["poll1-subtasks-page1.json", "poll1-subtasks-page2.json"]))
        let second = aggregator.ingest(
            try Self.poll(2, at: Self.t1 + 60_000, pages: ["poll2-subtasks-page1.json", "poll2-subtasks-page2.json"]))
        let third = aggregator.ingest(try Self.poll(3, at: Self.t1 + 120_000, pages: ["poll3-subtasks-page1.json"]))
        for (name, snapshot) in [("poll1", first), ("poll3", third)] {
            try Fixtures.expectGolden(Self.exposition(snapshot, .prometheusText), "golden-\(name).prom")
            try Fixtures.expectGolden(Self.exposition(snapshot, .openMetrics), "golden-\(name).om")
        }
        #expect(first.summary.isBaseline && first.summary.completedThisPoll == 0)
        #expect(second.summary.completedThisPoll == 2)
        #expect(third.summary.completedThisPoll == 2)
        #expect(aggregator.completedCount(.failed) == 1)
        #expect(aggregator.completedCount(.timedOut) == 1)
        #expect(aggregator.completedCount(.succeeded) == 2)
        #expect(aggregator.invalidCount(.duplicate) == 2)
        #expect(aggregator.invalidCount(.endBeforeStart) == 1)
        #expect(aggregator.invalidCount(.missingTimes) == 1)
        #expect(aggregator.invalidCount(.unknownStatus) == 1)
        #expect(aggregator.invalidCount(.missingStatus) == 1)
        #expect(aggregator.invalidCount(.missingId) == 1)
        for snapshot in [first, second, third] {
            for format in ExpositionFormat.allCases {
                let validator = ExpositionValidator.validate(Self.exposition(snapshot, format), format: format)
                #expect(validator.problems.isEmpty, "\(validator.problems)")
            }
        }
        // Rendering the same state again gives the same bytes.
        #expect(Self.exposition(third, .openMetrics) == Self.exposition(third, .openMetrics))
    }

    @Test func awkwardLabelsMatchTheGoldenFilesAndRoundTrip() throws {
        let expectations = try #require(
            try JSONSerialization.jsonObject(with: Fixtures.data("awkward-expectations.json")) as? [String: Any]
        )
        let account = try #require(expectations["account"] as? String)
        let names = try #require(expectations["check_names"] as? [String: String])
        var aggregator = AccountAggregator(account: account)
        _ = aggregator.ingest(Poll.input([], at: Self.t1))
        let snapshot = aggregator.ingest(
            Poll.input(try Fixtures.subtasks("awkward-subtasks.json"), at: Self.t1 + 60_000))
        try Fixtures.expectGolden(Self.exposition(snapshot, .prometheusText), "golden-awkward.prom")
        try Fixtures.expectGolden(Self.exposition(snapshot, .openMetrics), "golden-awkward.om")
        for format in ExpositionFormat.allCases {
            let validator = ExpositionValidator.validate(Self.exposition(snapshot, format), format: format)
            #expect(validator.problems.isEmpty, "\(validator.problems)")
            var found: [String: String] = [:]
            for sample in validator.samples where sample.name == MetricNames.checkInfo {
                let labels = Dictionary(sample.labels, uniquingKeysWith: { a, _ in a })
                #expect(labels["account"] == account)
                if let id = labels["check_id"] { found[id] = labels["check_name"] }
            }
            #expect(found == names)
        }
    }
}
