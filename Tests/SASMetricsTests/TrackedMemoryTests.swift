import Foundation
import SASModels
import Testing

@testable import SASMetrics

/// Measures the memory of the de-duplication state. The figures are printed (and written
/// in docs/metrics.md), not asserted, since the resident size of a test process is noisy.
@Suite struct TrackedMemoryTests {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * 4096
    }

    @Test func hundredThousandEntries() throws {
        let count = 100_000
        let before = Self.residentBytes()
        var tracked = TrackedSubtasks()
        for index in 0..<count {
            tracked[Fingerprint("id\u{0}\(UUIDLike.make(index))")] = TrackedEntry(
                flags: 1, createdSeconds: 1_764_403_200)
        }
        let after = Self.residentBytes()
        #expect(tracked.count == count, "no fingerprint collisions among \(count) ids")
        let encoded = try JSONEncoder().encode(tracked)
        if let before, let after {
            print(
                "tracked subtasks: \(count) entries, resident +\(after - before) bytes, "
                    + "\((after - before) / count) bytes per entry"
            )
        }
        let buckets = tracked.entries.capacity
        let tableBytes = buckets * (MemoryLayout<Fingerprint>.stride + MemoryLayout<TrackedEntry>.stride)
        print(
            "tracked subtasks: hash table holds \(buckets) entries, \(tableBytes) bytes of key and value "
                + "storage, \(tableBytes / count) bytes per entry"
        )
        print("tracked subtasks: encoded state \(encoded.count) bytes, \(encoded.count / count) bytes per entry")
        let decoded = try JSONDecoder().decode(TrackedSubtasks.self, from: encoded)
        #expect(decoded == tracked)
    }
}

extension TrackedMemoryTests {
    /// Times one poll of 100 000 subtasks after the baseline (debug build; printed).
    @Test func ingestOfAHundredThousandSubtasks() {
        var aggregator = AccountAggregator(account: "prod")
        _ = aggregator.ingest(Poll.input([], at: Poll.t0))
        let subtasks = (0..<100_000).map { index in
            Poll.subtask(
                UUIDLike.make(index), 2 + index % 3,
                checks: [CheckItem(checkId: Int64(index % 50), checkShowName: "check \(index % 50)")],
                created: Poll.afterFirstPoll
            )
        }
        let clock = ContinuousClock()
        var snapshot: AccountSnapshot?
        let ingest = clock.measure { snapshot = aggregator.ingest(Poll.input(subtasks, at: Poll.t0 + 60_000)) }
        var bytes: [UInt8] = []
        let render = clock.measure { bytes = ExpositionRenderer.render(snapshot?.families ?? [], format: .openMetrics) }
        print("ingest of 100000 subtasks: \(ingest); render: \(render), \(bytes.count) bytes")
        #expect(snapshot?.summary.completedThisPoll == 100_000)
        #expect(aggregator.trackedCount == 100_000)
    }
}

/// Ids shaped like the API's DetailTaskId (a UUID).
enum UUIDLike {
    static func make(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "fb4bcd41-a916-46bc-ab1a-\(padded)"
    }
}
