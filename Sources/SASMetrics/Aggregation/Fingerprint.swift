/// A stable 128-bit fingerprint of a text: the de-duplication state stores this instead
/// of the `DetailTaskId` itself, so an entry takes a fixed, small amount of memory. Two
/// independent 64-bit FNV-1a variants with a final mix; the chance that two of 200 000
/// ids collide is about 1e-28.
struct Fingerprint: Hashable, Sendable, Comparable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ text: String) {
        var a: UInt64 = 0xCBF2_9CE4_8422_2325
        var b: UInt64 = 0x6C62_272E_07BB_0142
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
        }
        high = Self.mix(a)
        low = Self.mix(b ^ UInt64(text.utf8.count))
    }

    /// The splitmix64 finaliser.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }
}
