import SASModels

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
        var s: UInt64 = StableHash.goldenGamma
        for key in keys {
            s = SplitMix64.mix(s ^ key)
        }
        state = s
    }

    mutating func next() -> UInt64 {
        state &+= StableHash.goldenGamma
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser, also a good stateless hash of one word.
    static func mix(_ value: UInt64) -> UInt64 {
        StableHash.finalize(value)
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
