import Foundation
import SASMetrics
import SASModels

/// Deterministic inputs shaped like the simulator's data set: UUID-like ids, 1 to 3 check
/// items per subtask with English names, subtasks created across a 24 h window, most of
/// them finished. The same index always gives the same subtask.
public enum Fixtures {
    /// The end of every fixture window (2025-11-30T00:00:00Z).
    public static let windowEndMs: Int64 = 1_764_460_800_000
    /// The poll window of the fixtures.
    public static let window = PollWindow(startMs: windowEndMs - 86_400_000, endMs: windowEndMs)
    /// What the fixtures' polls cover.
    public static let scope = CoverageScope(endpoint: "http://127.0.0.1:18080", selection: .discovery)
    /// Subtasks per task and per page.
    public static let pageSize = 100

    /// Subtask `index` of a data set whose checks are drawn from `checkCount` ids.
    /// `settled`: every subtask has finished (a later poll); otherwise one in ten is still
    /// running or waiting.
    public static func detail(_ index: Int, checkCount: Int, settled: Bool) -> ProcessDetail {
        var random = Mixer(UInt64(index))
        let task = index / pageSize
        let createMs = windowEndMs - 1_000 - Int64(index) * 800
        let startMs = createMs + 1_000 + Int64(random.next() % 600_000)
        let endMs = startMs + 2_000 + Int64(random.next() % 2_400_000)
        let roll = random.next() % 100
        let status: Int
        switch roll {
        case ..<6 where !settled: status = 0
        case ..<10 where !settled: status = 1
        case ..<16: status = 4
        case ..<22: status = 3
        default: status = 2
        }
        var checks: [CheckItem] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let id = 100 + Int64(random.next() % UInt64(max(1, checkCount)))
            guard !checks.contains(where: { $0.checkId == id }) else { continue }
            checks.append(
                CheckItem(checkId: id, checkShowName: "Check item \(id): baseline configuration of the asset"))
        }
        return ProcessDetail(
            taskId: uuid(UInt64(task) &* 0x9E37_79B9 &+ 7, variant: "a"),
            detailTaskId: uuid(UInt64(index), variant: "b"),
            statusCode: status, assetVendor: Int(random.next() % 3), assetType: 1, assetSubType: Int(random.next() % 3),
            createTime: createMs, startTime: status == 0 ? nil : startMs, endTime: status >= 2 ? endMs : nil,
            checks: checks
        )
    }

    /// Page `number` (0-based) of `pageSize` subtasks.
    public static func details(page number: Int, checkCount: Int, settled: Bool) -> [ProcessDetail] {
        (number * pageSize..<(number + 1) * pageSize).map { detail($0, checkCount: checkCount, settled: settled) }
    }

    /// The JSON body of a page as the simulator sends it (sorted keys).
    public static func body(page number: Int, checkCount: Int) -> [UInt8] {
        let response = ListOperationProcessDetailResponse(
            requestId: "7B2E5F3A-1C4D-4E6F-8A9B-0C1D2E3F4A5B",
            pageInfo: PageInfo(
                currentPage: number + 1, pageSize: pageSize, totalCount: pageSize * (number + 1), count: pageSize),
            processDetails: details(page: number, checkCount: checkCount, settled: false)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(response))) ?? []
    }

    /// `subtasks` subtasks as decoded pages (the form the client hands to `PendingPoll`).
    public static func pages(subtasks: Int, checkCount: Int, settled: Bool) -> [SubtaskPage] {
        (0..<(subtasks + pageSize - 1) / pageSize).map { number in
            SubtaskPage(details: details(page: number, checkCount: checkCount, settled: settled))
        }
    }

    /// A UUID-like text from a number (`8-4-4-4-12` hex digits).
    static func uuid(_ seed: UInt64, variant: Character) -> String {
        var random = Mixer(seed ^ 0x5DEE_CE66_D)
        let a = random.next()
        let b = random.next()
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var position = 0
        for (word, count) in [(a >> 32, 8), (a >> 16, 4), (a, 4), (b >> 48, 4), (b, 12)] {
            for shift in (0..<count).reversed() {
                bytes[position] = digits[Int((word >> UInt64(4 * shift)) & 15)]
                position += 1
            }
            position += 1
        }
        bytes[14] = UInt8(ascii: "4")
        bytes[19] = variant.asciiValue ?? UInt8(ascii: "b")
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// SplitMix64 (`StableHash.mix64` over a counter): a small deterministic generator.
struct Mixer {
    private var state: UInt64

    init(_ seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return StableHash.mix64(state)
    }
}
