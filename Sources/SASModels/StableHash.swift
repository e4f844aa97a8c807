/// Hash functions whose values never change between processes, platforms or releases
/// (Swift's `Hasher` is seeded per process): used for state saved to disk, shard
/// assignment and the simulator's deterministic data.
public enum StableHash {
    /// FNV-1a, 64-bit, over bytes.
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// SplitMix64's increment, 2^64 divided by the golden ratio.
    public static let goldenGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 finaliser: every output bit depends on every input bit.
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One SplitMix64 step from `value`: the increment added, then the finaliser.
    public static func mix64(_ value: UInt64) -> UInt64 {
        finalize(value &+ goldenGamma)
    }
}

/// A stable 128-bit fingerprint of a text: the de-duplication state stores this instead
/// of the `DetailTaskId` itself, so an entry takes a fixed, small amount of memory. Two
/// independent 64-bit FNV-1a variants with a final mix; the chance that two of 200 000
/// ids collide is about 1e-28.
public struct Fingerprint: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of a text's UTF-8 bytes.
    public init(_ text: String) {
        var hasher = Hasher128()
        hasher.add(text.utf8)
        self = hasher.finish()
    }

    /// One word is enough for a hash table: the fingerprint is already a good hash.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(low)
    }

    /// The hash tables' hash without SipHash: `low` is already mixed (`mix64`), so the
    /// table's seed is mixed in once more and that is all. (Sets and dictionaries keyed by
    /// fingerprint are the aggregation's hot path: several lookups per subtask per poll.)
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.mix64(low ^ UInt64(UInt(bitPattern: seed))))
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }

    /// Builds a fingerprint from bytes given in pieces; the result equals
    /// `Fingerprint(text)` for the concatenated text.
    public struct Hasher128 {
        private var a: UInt64 = 0xCBF2_9CE4_8422_2325
        private var b: UInt64 = 0x6C62_272E_07BB_0142
        private var count: UInt64 = 0

        public init() {}

        /// Adds bytes.
        public mutating func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { add(byte) }
        }

        /// Adds one byte.
        @inline(__always)
        public mutating func add(_ byte: UInt8) {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
            count &+= 1
        }

        /// Adds the eight little-endian bytes of a word.
        public mutating func add(word: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }

        /// Adds the decimal text of an integer (as `String(value)` would write it).
        public mutating func add(decimal value: Int64) {
            add(String(value).utf8)
        }

        /// The fingerprint of everything added.
        public func finish() -> Fingerprint {
            Fingerprint(high: StableHash.mix64(a), low: StableHash.mix64(b ^ count))
        }
    }
}
