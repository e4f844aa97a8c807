import Foundation
import SASModels
import Testing

@testable import SASMetrics

/// Reads fixtures from, and writes regenerated golden files to, the Fixtures directory in
/// the source tree (`SAS_UPDATE_GOLDEN=1` regenerates).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func subtasks(_ names: String...) throws -> [ProcessDetail] {
        try names.flatMap {
            try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: data($0)).processDetails
        }
    }

    /// The pages of fixture files, decoded as the exporter decodes them.
    static func pages(_ names: String...) throws -> [SubtaskPage] {
        try names.map { try DetailPageDecoder.decode([UInt8](data($0))) }
    }

    static func tasks(_ name: String) throws -> [OperationProcess] {
        try ProcessPageDecoder.decode([UInt8](data(name))).processes
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["SAS_UPDATE_GOLDEN"] == "1" }

    /// Compares `bytes` with a golden file byte for byte, or rewrites it when updating.
    static func expectGolden(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let url = directory.appendingPathComponent(name)
        if updating {
            try Data(bytes).write(to: url)
            return
        }
        let expected = try [UInt8](Data(contentsOf: url))
        if expected != bytes {
            let actual = String(decoding: bytes, as: UTF8.self)
            let firstDifference = zip(
                actual.split(separator: "\n", omittingEmptySubsequences: false),
                String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            )
            .enumerated().first { $0.element.0 != $0.element.1 }
            let difference = firstDifference.map { "\($0.offset + 1): got \($0.element.0) expected \($0.element.1)" }
            let regenerate = "run with SAS_UPDATE_GOLDEN=1 to regenerate"
            Issue.record(
                "\(name) differs (\(regenerate)); first differing line \(difference ?? "(length)")",
                sourceLocation: sourceLocation
            )
        }
    }
}

/// A small deterministic PRNG (splitmix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Everything one complete poll read, as tests write it.
struct PollInput {
    var polledAtMs: Int64
    var window: PollWindow
    var scope = CoverageScope(endpoint: "https://test", selection: .discovery)
    var tasks: [OperationProcess]?
    var pages: [SubtaskPage]
}

extension AccountAggregator {
    /// Begins, fills and commits one poll.
    mutating func ingest(_ input: PollInput) -> AccountSnapshot {
        var poll = beginPoll(window: input.window, scope: input.scope)
        for page in input.pages { poll.add(page, listing: .init(batch: 0, attempt: 1)) }
        return commit(poll, polledAtMs: input.polledAtMs, tasks: input.tasks.map { TaskCounts($0) })
    }
}

/// Shorthands for building polls in tests.
enum Poll {
    static let t0: Int64 = 1_764_403_200_000
    /// When test subtasks are created unless told otherwise: before the first poll at `t0`,
    /// so what the first poll sees of them is its baseline.
    static let created = t0 - 120_000
    /// A creation time after a first poll at `t0`: such subtasks are new, and counted.
    static let afterFirstPoll = t0 + 30_000

    static func input(
        _ subtasks: [ProcessDetail], at ms: Int64, tasks: [OperationProcess]? = nil, lookbackMs: Int64 = 86_400_000,
        scope: CoverageScope = CoverageScope(endpoint: "https://test", selection: .discovery)
    ) -> PollInput {
        PollInput(
            polledAtMs: ms, window: PollWindow(startMs: ms - lookbackMs, endMs: ms), scope: scope, tasks: tasks,
            pages: [SubtaskPage(details: subtasks)]
        )
    }

    static func subtask(
        _ id: String?, _ status: Int?, start: Int64? = t0 - 60_000, end: Int64? = t0 - 1_000, checks: [CheckItem] = [],
        created: Int64 = created, task: String = "task"
    ) -> ProcessDetail {
        let terminal = (status ?? 0) >= 2 && (status ?? 0) <= 4
        return ProcessDetail(
            taskId: task, detailTaskId: id, statusCode: status, createTime: created,
            startTime: (status ?? 0) >= 1 ? start : nil, endTime: terminal ? end : nil, checks: checks
        )
    }

    /// The rendered value of a sample with the given name and labels, if present.
    static func value(_ snapshot: AccountSnapshot, _ name: String, _ labels: [String: String]) -> Double? {
        for family in snapshot.families {
            for sample in family.samples where family.name + sample.suffix == name {
                let dict = Dictionary(sample.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                if labels.allSatisfy({ dict[$0.key] == $0.value }) { return sample.value }
            }
        }
        return nil
    }
}
