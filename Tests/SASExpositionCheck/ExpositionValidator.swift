import SASMetrics

/// A strict line-format checker for both exposition formats, independent of the renderer:
/// names, escapes, numbers, metadata before samples, families contiguous, no duplicate
/// series, histogram buckets cumulative with `+Inf` equal to `_count`, OpenMetrics suffix
/// and `# EOF` rules. Returns the problems found, empty when valid.
///
/// Its one home: the SASMetrics tests and the exposition fuzzer (Fuzz/) both use this
/// file, so the oracle they trust is the same.
public struct ExpositionValidator {
    /// One sample line as parsed.
    public struct Sample {
        public var name: String
        public var labels: [(String, String)]
        public var value: Double
    }

    public let format: ExpositionFormat
    public private(set) var problems: [String] = []
    public private(set) var samples: [Sample] = []

    public init(format: ExpositionFormat) { self.format = format }

    /// Checks `bytes` (a whole exposition, with `# EOF` in OpenMetrics).
    public static func validate(_ bytes: [UInt8], format: ExpositionFormat) -> ExpositionValidator {
        var validator = ExpositionValidator(format: format)
        validator.run(String(decoding: bytes, as: UTF8.self))
        return validator
    }

    private var familyTypes: [String: String] = [:]
    private var helped: Set<String> = []
    private var finishedFamilies: Set<String> = []
    private var current: String?
    private var seriesSeen: Set<String> = []
    private var buckets: [String: [(Double, Double)]] = [:]
    private var counts: [String: Double] = [:]

    private mutating func fail(_ line: Int, _ message: String) {
        problems.append("line \(line): \(message)")
    }

    private mutating func run(_ text: String) {
        guard text.isEmpty || text.hasSuffix("\n") else { return fail(0, "does not end in a newline") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        if format == .openMetrics {
            guard lines.last == "# EOF" else { return fail(lines.count, "missing # EOF") }
            lines.removeLast()
        }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if line.isEmpty {
                fail(number, "empty line")
                continue
            }
            if line.hasPrefix("#") { metadata(line, number) } else { sample(line, number) }
        }
        for (series, bucketList) in buckets {
            let values = bucketList.map(\.1)
            if zip(values, values.dropFirst()).contains(where: { $0 > $1 }) {
                fail(0, "\(series): buckets not cumulative")
            }
            guard let inf = bucketList.last, inf.0 == .infinity else {
                fail(0, "\(series): no +Inf bucket last")
                continue
            }
            if counts[series] != inf.1 { fail(0, "\(series): _count differs from +Inf bucket") }
        }
    }

    private mutating func metadata(_ line: String, _ number: Int) {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0] == "#" else { return fail(number, "bad comment") }
        let name = parts[2]
        guard Self.isMetricName(name) else { return fail(number, "bad family name \(name)") }
        if let current, current != name { finishedFamilies.insert(current) }
        if finishedFamilies.contains(name) { fail(number, "family \(name) not contiguous") }
        current = name
        switch parts[1] {
        case "HELP":
            guard parts.count == 4 else { return fail(number, "HELP without text") }
            if !helped.insert(name).inserted { fail(number, "second HELP for \(name)") }
            if Self.unescape(parts[3], allowQuote: format == .openMetrics, quoteMustBeEscaped: format == .openMetrics)
                == nil
            {
                fail(number, "bad escape in HELP")
            }
        case "TYPE":
            guard parts.count == 4 else { return fail(number, "TYPE without type") }
            let allowed =
                format == .openMetrics
                ? ["counter", "gauge", "histogram", "info", "unknown", "summary", "stateset", "gaugehistogram"]
                : ["counter", "gauge", "histogram", "untyped", "summary"]
            if !allowed.contains(parts[3]) { fail(number, "bad type \(parts[3])") }
            if familyTypes[name] != nil { fail(number, "second TYPE for \(name)") }
            familyTypes[name] = parts[3]
        default:
            fail(number, "unknown comment \(parts[1])")
        }
    }

    private mutating func sample(_ line: String, _ number: Int) {
        var scalars = Substring(line)
        let name = String(scalars.prefix { $0 != "{" && $0 != " " })
        scalars = scalars.dropFirst(name.count)
        guard Self.isMetricName(name) else { return fail(number, "bad sample name \(name)") }
        var labels: [(String, String)] = []
        if scalars.first == "{" {
            scalars = scalars.dropFirst()
            while scalars.first != "}" {
                let labelName = String(scalars.prefix { $0 != "=" })
                guard Self.isLabelName(labelName) else { return fail(number, "bad label name \(labelName)") }
                scalars = scalars.dropFirst(labelName.count)
                guard scalars.hasPrefix("=\"") else { return fail(number, "label without =\"") }
                scalars = scalars.dropFirst(2)
                var raw = ""
                var escaped = false
                while let c = scalars.first {
                    scalars = scalars.dropFirst()
                    if escaped {
                        raw.append(c)
                        escaped = false
                        continue
                    }
                    if c == "\\" {
                        raw.append(c)
                        escaped = true
                        continue
                    }
                    if c == "\"" { break }
                    raw.append(c)
                }
                guard let value = Self.unescape(raw, allowQuote: true, quoteMustBeEscaped: true) else {
                    return fail(number, "bad label value escape")
                }
                if labels.contains(where: { $0.0 == labelName }) { fail(number, "repeated label \(labelName)") }
                labels.append((labelName, value))
                if scalars.first == "," {
                    scalars = scalars.dropFirst()
                } else if scalars.first != "}" {
                    return fail(number, "label list not closed")
                }
            }
            scalars = scalars.dropFirst()
        }
        guard scalars.first == " " else { return fail(number, "no space before value") }
        let valueText = String(scalars.dropFirst())
        guard let value = Self.parseValue(valueText) else {
            return fail(number, "bad value \(valueText) (timestamps are not allowed)")
        }
        guard let family = current, let type = familyTypes[family] else { return fail(number, "sample before TYPE") }
        guard Self.allowedSuffixes(type: type, format: format).contains(where: { family + $0 == name }) else {
            return fail(number, "sample \(name) does not belong to \(type) family \(family)")
        }
        let key = name + "\u{0}" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
        if !seriesSeen.insert(key).inserted { fail(number, "duplicate series \(name)") }
        let seriesKey =
            family + "\u{0}" + labels.filter { $0.0 != "le" }.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
        if type == "histogram" {
            if name == family + "_bucket" {
                guard let le = labels.first(where: { $0.0 == "le" })?.1, let bound = Self.parseValue(le) else {
                    return fail(number, "bucket without a numeric le")
                }
                if format == .openMetrics, bound.isFinite, !le.contains(".") && !le.contains("e") {
                    fail(number, "le \(le) not canonical")
                }
                buckets[seriesKey, default: []].append((bound, value))
            } else if labels.contains(where: { $0.0 == "le" }) {
                fail(number, "le outside a bucket")
            }
            if name == family + "_count" { counts[seriesKey] = value }
        }
        if (type == "counter" || name.hasSuffix("_count") || name.hasSuffix("_bucket")) && (value < 0 || value.isNaN) {
            fail(number, "negative or NaN count")
        }
        samples.append(Sample(name: name, labels: labels, value: value))
    }

    static func allowedSuffixes(type: String, format: ExpositionFormat) -> [String] {
        switch (type, format) {
        case ("counter", .openMetrics): ["_total", "_created"]
        case ("histogram", .openMetrics): ["_bucket", "_count", "_sum", "_created"]
        case ("histogram", .prometheusText): ["_bucket", "_count", "_sum"]
        case ("info", _): ["_info"]
        default: [""]
        }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == ":"
        }
    }

    static func isLabelName(_ name: String) -> Bool {
        isMetricName(name) && !name.contains(":")
    }

    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    /// Undoes escaping; nil on an unknown escape, an unescaped quote where forbidden, or a
    /// raw control character.
    static func unescape(_ text: String, allowQuote: Bool, quoteMustBeEscaped: Bool) -> String? {
        var out = ""
        var escaped = false
        for c in text.unicodeScalars {
            if escaped {
                switch c {
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "\"" where allowQuote: out.append("\"")
                default: return nil
                }
                escaped = false
                continue
            }
            if c == "\\" {
                escaped = true
                continue
            }
            if c == "\"" && quoteMustBeEscaped { return nil }
            if c.value < 0x20 && c != "\t" || c.value == 0x7F { return nil }
            out.unicodeScalars.append(c)
        }
        return escaped ? nil : out
    }
}
