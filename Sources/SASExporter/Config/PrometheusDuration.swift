/// Durations in the Prometheus notation (`1h30m`, `90s`, `500ms`, `1d`, `1w`, `1y`).
public enum PrometheusDuration {
    private static let units: [(String, Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ("w", 604_800_000), ("y", 31_536_000_000),
    ]

    /// Parses a duration into milliseconds; nil when the text is not one. Units must
    /// appear from largest to smallest, each at most once, as Prometheus requires.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes == Array("0".utf8) { return 0 }
        var index = 0
        var total: Int64 = 0
        var lastRank = Int.max
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                number = plus
                index += 1
            }
            guard index > start else { return nil }
            guard let (rank, unit) = matchUnit(bytes, at: index) else { return nil }
            guard rank < lastRank else { return nil }
            lastRank = rank
            index += unit.0.utf8.count
            let (value, overflow) = number.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            let (sum, overflowSum) = total.addingReportingOverflow(value)
            guard !overflowSum else { return nil }
            total = sum
        }
        return total
    }

    /// Parses a duration; nil when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        parseMilliseconds(text).map { .milliseconds($0) }
    }

    /// Formats a duration the way Prometheus prints durations (whole milliseconds).
    public static func format(_ duration: Duration) -> String {
        format(milliseconds: duration.milliseconds)
    }

    /// Formats milliseconds the way Prometheus prints durations (`1h30m`, `500ms`, `0s`).
    public static func format(milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var rest = milliseconds
        var out = ""
        for (name, size) in units.reversed() where rest >= size {
            out += "\(rest / size)\(name)"
            rest %= size
        }
        return out
    }

    /// Rank orders units from smallest (0, ms) to largest.
    private static func matchUnit(_ bytes: [UInt8], at index: Int) -> (Int, (String, Int64))? {
        // "ms" must be tried before "m".
        let order = [0, 1, 2, 3, 4, 5, 6]
        for rank in order {
            let unit = units[rank]
            let name = Array(unit.0.utf8)
            if index + name.count <= bytes.count, Array(bytes[index..<(index + name.count)]) == name {
                if rank == 2, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") { continue }
                return (rank, unit)
            }
        }
        return nil
    }
}
