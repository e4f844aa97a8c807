/// A small seeded generator (SplitMix64) so the data set is the same in every process.
///
/// Swift's `SystemRandomNumberGenerator` and `Hasher` are seeded per process; the data set
/// must be a pure function of the seed, so it uses this instead.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// A generator for a tuple of keys: mixes each into the seed in turn.
    init(_ keys: UInt64...) {
        var s: UInt64 = 0x9E37_79B9_7F4A_7C15
        for key in keys {
            s = SplitMix64.mix(s ^ key)
        }
        state = s
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser, also a good stateless hash of one word.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<bound` (bound > 0).
    mutating func below(_ bound: UInt64) -> UInt64 {
        next() % bound
    }

    /// A uniform value in `0..<1`.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// Lower-case hex of `digits` nibbles of a fresh value.
    mutating func hex(_ digits: Int) -> String {
        Self.hex(next(), digits: digits)
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - text.count)) + text
        return String(padded.suffix(digits))
    }
}

/// A stable hash of a string (FNV-1a 64), for seeding from text.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01B3
    }
    return hash
}
