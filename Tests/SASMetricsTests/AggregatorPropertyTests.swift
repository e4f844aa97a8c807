import Foundation
import SASExpositionCheck
import SASModels
import Testing

@testable import SASMetrics

/// Hundreds of random poll sequences (seeded, so reproducible) checked against a simple
/// reference model and against the exposition validator.
@Suite struct AggregatorPropertyTests {
    static let names = [
        "Agent status", "弱口令 \"weak\" \\ check", "line\nbreak", "🔥", "", String(repeating: "x", count: 400), "nul\u{0}",
    ]

    /// One subtask's life: it advances through not started, running, then one terminal
    /// status; some records are made odd.
    struct Life {
        var id: String?
        /// Before the first poll (its first sight is a baseline unless seen open) or after.
        var created: Int64
        var status: Int?
        var start: Int64?
        var end: Int64?
        var checks: [CheckItem]
        var terminal: Int
    }

    /// The counting rules, written plainly: a subtask counts once, when first seen
    /// terminal, if it was created after the first poll (the coverage horizon) or was
    /// seen open before.
    struct Model {
        static let horizon = Poll.t0 + 1
        var seenTerminal = Set<String>()
        var seenOpen = Set<String>()
        var completed: [Int: UInt64] = [2: 0, 3: 0, 4: 0]
        var unsound: [Int: UInt64] = [2: 0, 3: 0, 4: 0]

        static func rank(_ status: Int?) -> Int {
            switch status {
            case 0: 1
            case 1: 2
            case 2, 3, 4: 3
            default: 0
            }
        }

        mutating func ingest(_ records: [ProcessDetail]) {
            var chosen: [String: ProcessDetail] = [:]
            var order: [String] = []
            for record in records {
                guard let id = record.detailTaskId, !id.isEmpty else { continue }
                if let existing = chosen[id] {
                    if Self.rank(record.statusCode) >= Self.rank(existing.statusCode) { chosen[id] = record }
                } else {
                    chosen[id] = record
                    order.append(id)
                }
            }
            for id in order {
                guard let record = chosen[id], let code = record.statusCode else { continue }
                let preHorizon = (record.createTime ?? .max) < Self.horizon
                if (0...1).contains(code), preHorizon { seenOpen.insert(id) }
                guard (2...4).contains(code), seenTerminal.insert(id).inserted, !preHorizon || seenOpen.contains(id)
                else { continue }
                completed[code, default: 0] += 1
                if let start = record.startTime, let end = record.endTime, start > 0, end > 0, end >= start {
                } else {
                    unsound[code, default: 0] += 1
                }
            }
        }
    }

    static func records(_ lives: [Life], rng: inout SeededGenerator, now: Int64) -> [ProcessDetail] {
        var result: [ProcessDetail] = []
        for life in lives where life.created <= now && Double.random(in: 0..<1, using: &rng) < 0.75 {
            let record = ProcessDetail(
                taskId: "t\(Int.random(in: 0..<3, using: &rng))", detailTaskId: life.id, statusCode: life.status,
                createTime: life.created, startTime: life.start, endTime: life.end, checks: life.checks
            )
            result.append(record)
            if Double.random(in: 0..<1, using: &rng) < 0.1 { result.append(record) }
        }
        result.shuffle(using: &rng)
        return result
    }

    static func advance(_ life: inout Life, rng: inout SeededGenerator, now: Int64) {
        guard let status = life.status, (0...1).contains(status), Double.random(in: 0..<1, using: &rng) < 0.4 else {
            return
        }
        if status == 0 {
            life.status = 1
            life.start = now - Int64.random(in: 1_000...100_000, using: &rng)
        } else {
            life.status = life.terminal
            let roll = Int.random(in: 0..<10, using: &rng)
            life.end = roll == 0 ? nil : (roll == 1 ? (life.start ?? now) - 5_000 : now)
        }
    }

    @Test func randomSequencesKeepTheInvariants() throws {
        var rng = SeededGenerator(seed: 20_251_129)
        for sequence in 0..<300 {
            var lives: [Life] = (0..<Int.random(in: 1...25, using: &rng)).map { index in
                let checkCount = Int.random(in: 0...2, using: &rng)
                let checks = (0..<checkCount).map { _ in
                    CheckItem(
                        checkId: Int64.random(in: 1...6, using: &rng),
                        checkShowName: Self.names.randomElement(using: &rng))
                }
                let oddity = Int.random(in: 0..<20, using: &rng)
                let created =
                    Bool.random(using: &rng)
                    ? Poll.t0 - 1_000_000 : Poll.t0 + Int64.random(in: 1_000...400_000, using: &rng)
                return Life(
                    id: oddity == 0 ? nil : "s\(sequence)-\(index)", created: created,
                    status: oddity == 1
                        ? nil : (oddity == 2 ? Int.random(in: 5...9, using: &rng) : Int.random(in: 0...4, using: &rng)),
                    start: nil, end: nil, checks: checks, terminal: Int.random(in: 2...4, using: &rng)
                )
            }
            for index in lives.indices where (2...4).contains(lives[index].status ?? -1) {
                lives[index].start = Poll.t0 - 50_000
                lives[index].end = Int.random(in: 0..<8, using: &rng) == 0 ? Poll.t0 - 60_000 : Poll.t0 - 1_000
            }
            var aggregator = AccountAggregator(account: "acct-\(sequence % 3)")
            var model = Model()
            var previous: [String: Double] = [:]
            for poll in 0..<8 {
                let now = Poll.t0 + Int64(poll) * 60_000
                for index in lives.indices { Self.advance(&lives[index], rng: &rng, now: now) }
                let input = Self.records(lives, rng: &rng, now: now)
                model.ingest(input)
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    aggregator = try JSONDecoder().decode(
                        AccountAggregator.self, from: JSONEncoder().encode(aggregator))
                }
                let snapshot = aggregator.ingest(Poll.input(input, at: now))
                for status in SubtaskStatus.terminal {
                    #expect(
                        aggregator.completedCount(status) == model.completed[status.rawValue],
                        "sequence \(sequence) poll \(poll)")
                    #expect(aggregator.unsoundDurationCount(status) == model.unsound[status.rawValue])
                    let observed = aggregator.durationHistogram(status)?.count ?? 0
                    #expect(observed + aggregator.unsoundDurationCount(status) == aggregator.completedCount(status))
                }
                var current: [String: Double] = [:]
                for format in ExpositionFormat.allCases {
                    let bytes =
                        ExpositionRenderer.render(snapshot.families, format: format)
                        + ExpositionRenderer.terminator(format)
                    let validator = ExpositionValidator.validate(bytes, format: format)
                    #expect(
                        validator.problems.isEmpty,
                        "sequence \(sequence) poll \(poll) \(format): \(validator.problems.prefix(3))")
                    if format == .prometheusText {
                        for sample in validator.samples
                        where sample.name.hasSuffix("_total") || sample.name.hasSuffix("_count")
                            || sample.name.hasSuffix("_bucket")
                        {
                            current[sample.name + "\(sample.labels.map { "\($0.0)=\($0.1)" })"] = sample.value
                        }
                    }
                }
                for (series, value) in previous {
                    let latest = try #require(current[series], "series \(series) disappeared")
                    #expect(latest >= value, "counter \(series) decreased")
                }
                previous = current
            }
        }
    }
}
