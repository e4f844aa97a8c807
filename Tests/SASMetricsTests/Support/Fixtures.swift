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
        try names.flatMap { try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: data($0)).processDetails }
    }

    static func tasks(_ name: String) throws -> [OperationProcess] {
        try ResponseDecoder.decode(ListOperationProcessResponse.self, from: data(name)).processes
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["SAS_UPDATE_GOLDEN"] == "1" }

    /// Compares `bytes` with a golden file byte for byte, or rewrites it when updating.
    static func expectGolden(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if updating {
            try Data(bytes).write(to: url)
            return
        }
        let expected = try [UInt8](Data(contentsOf: url))
        if expected != bytes {
            let actual = String(decoding: bytes, as: UTF8.self)
            let firstDifference = zip(actual.split(separator: "\n", omittingEmptySubsequences: false),
                                      String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false))
                .enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record(
                "\(name) differs (run with SAS_UPDATE_GOLDEN=1 to regenerate); first differing line \(firstDifference.map { "\($0.offset + 1): got \($0.element.0) expected \($0.element.1)" } ?? "(length)")",
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

/// Shorthands for building polls in tests.
enum Poll {
    static let t0: Int64 = 1_764_403_200_000

    static func input(_ subtasks: [ProcessDetail], at ms: Int64, tasks: [OperationProcess]? = nil, account: String = "prod") -> PollInput {
        PollInput(account: account, polledAtMs: ms, windowStartMs: ms - 86_400_000, windowEndMs: ms, tasks: tasks, subtasks: subtasks)
    }

    static func subtask(_ id: String?, _ status: Int?, start: Int64? = t0 - 60_000, end: Int64? = t0 - 1_000, checks: [CheckItem] = []) -> ProcessDetail {
        let terminal = (status ?? 0) >= 2 && (status ?? 0) <= 4
        return ProcessDetail(
            taskId: "task", detailTaskId: id, statusCode: status, createTime: t0 - 120_000,
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
