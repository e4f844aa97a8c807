import Foundation
import SASModels

/// What the de-duplication state remembers about one subtask: 5 bytes beside its
/// 16-byte fingerprint.
struct TrackedEntry: Sendable, Equatable {
    /// `terminalSeen`, `seenOpen`, and the `InvalidReason.flag` of each reason already
    /// counted for this subtask.
    var flags: UInt8
    /// When the subtask was created (or first seen, when it has no creation time), epoch
    /// seconds: the entry expires `lookback + margin` after it.
    var createdSeconds: UInt32

    /// Seen in a terminal status (counted, or remembered as a baseline).
    static let terminalSeen: UInt8 = 1 << 0
    static let endBeforeStart: UInt8 = 1 << 1
    static let missingTimes: UInt8 = 1 << 2
    static let unknownStatus: UInt8 = 1 << 3
    static let missingStatus: UInt8 = 1 << 4
    static let missingId: UInt8 = 1 << 5
    static let undecodable: UInt8 = 1 << 6
    /// Seen not yet terminal although created before the coverage horizon: its
    /// completion is observed, so it is counted.
    static let seenOpen: UInt8 = 1 << 7
}

/// The de-duplication state: subtask fingerprints with what was counted for them.
///
/// Entries expire `lookback + margin` after the subtask's creation, so the state spans
/// one window; beyond `maxTrackedSubtasks` the oldest are evicted. Encoded as one base64
/// blob of fixed-size records sorted by fingerprint (21 bytes per entry before base64),
/// so a state file with 200 000 entries stays a few megabytes and encodes the same way
/// every time.
struct TrackedSubtasks: Sendable, Equatable, Codable {
    private(set) var entries: [Fingerprint: TrackedEntry] = [:]

    init() {}

    var count: Int { entries.count }

    subscript(key: Fingerprint) -> TrackedEntry? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    /// Reads and changes the entry of `key` (nil: none; setting nil removes it) with one
    /// lookup (the dictionary's in-place optional subscript); returns what `body` returns.
    mutating func update<Result>(_ key: Fingerprint, _ body: (inout TrackedEntry?) -> Result) -> Result {
        body(&entries[key])
    }

    mutating func removeAll() {
        entries = [:]
    }

    /// Drops entries of subtasks created before `cutoffSeconds`; returns how many.
    mutating func expire(before cutoffSeconds: Int64) -> Int {
        let before = entries.count
        guard entries.values.contains(where: { Int64($0.createdSeconds) < cutoffSeconds }) else { return 0 }
        entries = entries.filter { Int64($0.value.createdSeconds) >= cutoffSeconds }
        return before - entries.count
    }

    /// Evicts the oldest entries by creation (ties: lowest fingerprint) until at most
    /// `limit` remain; returns how many were evicted and the newest creation second among
    /// them.
    mutating func evict(downTo limit: Int) -> (count: Int, newestSeconds: UInt32) {
        let excess = entries.count - limit
        guard excess > 0 else { return (0, 0) }
        let victims = entries.sorted { lhs, rhs in
            lhs.value.createdSeconds != rhs.value.createdSeconds
                ? lhs.value.createdSeconds < rhs.value.createdSeconds
                : lhs.key < rhs.key
        }.prefix(excess)
        var newest: UInt32 = 0
        for victim in victims {
            entries[victim.key] = nil
            newest = max(newest, victim.value.createdSeconds)
        }
        return (excess, newest)
    }

    static func seconds(fromMs ms: Int64) -> UInt32 {
        UInt32(clamping: ms / 1000)
    }

    private static let recordSize = 21

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let data = try container.decode(Data.self)
        guard data.count % Self.recordSize == 0 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "tracked subtasks blob has a partial record"
            )
        }
        let bytes = [UInt8](data)
        entries.reserveCapacity(bytes.count / Self.recordSize)
        var offset = 0
        while offset < bytes.count {
            let high = Self.readInteger(UInt64.self, bytes, offset)
            let low = Self.readInteger(UInt64.self, bytes, offset + 8)
            let seconds = Self.readInteger(UInt32.self, bytes, offset + 16)
            entries[Fingerprint(high: high, low: low)] = TrackedEntry(
                flags: bytes[offset + 20], createdSeconds: seconds)
            offset += Self.recordSize
        }
    }

    func encode(to encoder: any Encoder) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * Self.recordSize)
        for (key, entry) in entries.sorted(by: { $0.key < $1.key }) {
            Self.writeInteger(key.high, to: &bytes)
            Self.writeInteger(key.low, to: &bytes)
            Self.writeInteger(entry.createdSeconds, to: &bytes)
            bytes.append(entry.flags)
        }
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes))
    }

    private static func readInteger<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        var value: T = 0
        for index in 0..<(T.bitWidth / 8) {
            value |= T(bytes[offset + index]) << (8 * index)
        }
        return value
    }

    private static func writeInteger<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        for index in 0..<(T.bitWidth / 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
        }
    }
}
