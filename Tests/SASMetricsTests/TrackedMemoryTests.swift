import Foundation
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
            tracked[Fingerprint("id\u{0}\(UUIDLike.make(index))")] = TrackedEntry(flags: 1, lastSeenSeconds: 1_764_403_200)
        }
        let after = Self.residentBytes()
        #expect(tracked.count == count, "no fingerprint collisions among \(count) ids")
        let encoded = try JSONEncoder().encode(tracked)
        if let before, let after {
            print("tracked subtasks: \(count) entries, resident +\(after - before) bytes, \((after - before) / count) bytes per entry")
        }
        let buckets = tracked.entries.capacity
        let tableBytes = buckets * (MemoryLayout<Fingerprint>.stride + MemoryLayout<TrackedEntry>.stride)
        print("tracked subtasks: hash table holds \(buckets) entries, \(tableBytes) bytes of key and value storage, \(tableBytes / count) bytes per entry")
        print("tracked subtasks: encoded state \(encoded.count) bytes, \(encoded.count / count) bytes per entry")
        let decoded = try JSONDecoder().decode(TrackedSubtasks.self, from: encoded)
        #expect(decoded == tracked)
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
