/// Go's `time.ParseDuration` grammar, which exporter-toolkit's `rate_limit.interval` uses
/// (YAML decodes it into a `time.Duration`): a sequence of decimal numbers, each with an
/// optional fraction and a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such as `1s`,
/// `1.5s`, `300ms` or `1h30m`. A bare integer is nanoseconds, as YAML v2 decodes it into a
/// `time.Duration` (so `0` is zero). Negative values are not accepted here.
enum GoDuration {
    static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// The duration `text` means, or nil when it is not one.
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        if !rest.isEmpty, rest.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Int64(rest).map { .nanoseconds($0) }
        }
        if rest.hasPrefix("+") { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        var seconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1,
                let value = Double(number.hasPrefix(".") ? "0" + number : number)
            else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else {
                return nil
            }
            rest = rest.dropFirst(unit.count)
            seconds += value * scale
        }
        guard seconds.isFinite, seconds < 9.2e9 else { return nil }
        let nanoseconds = (seconds * 1e9).rounded()
        return .nanoseconds(Int64(nanoseconds))
    }
}
