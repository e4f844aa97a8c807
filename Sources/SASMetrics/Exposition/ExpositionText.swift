/// Escaping, capping and number formatting shared by both exposition formats.
public enum ExpositionText {
    /// Label values longer than this many Unicode scalars are cut to
    /// `labelValueLimit - 1` scalars followed by `…`, so one odd value cannot make the
    /// exposition grow without bound.
    public static let labelValueLimit = 256

    /// The label value as it will be exposed: control characters other than tab and line
    /// feed (NUL, escape, DEL, ...) become U+FFFD, and values over `labelValueLimit`
    /// scalars are cut and end in `…`. Escaping happens later, in the renderer.
    public static func exposedLabelValue(_ value: String) -> String {
        var needsWork = false
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            if isReplacedControl(scalar) || count > labelValueLimit {
                needsWork = true
                break
            }
        }
        guard needsWork else { return value }
        let scalars = Array(value.unicodeScalars)
        let cut = scalars.count > labelValueLimit
        var out = String.UnicodeScalarView()
        for scalar in cut ? scalars.prefix(labelValueLimit - 1) : scalars[...] {
            out.append(isReplacedControl(scalar) ? "\u{FFFD}" : scalar)
        }
        if cut { out.append("…") }
        return String(out)
    }

    static func isReplacedControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n") || scalar.value == 0x7F
    }

    /// A metric name with every character outside `[a-zA-Z0-9_:]` replaced by `_`, and
    /// `_` put in front of a leading digit or an empty name.
    public static func sanitizedMetricName(_ name: String) -> String {
        sanitizedName(name, allowColon: true)
    }

    /// A label name with every character outside `[a-zA-Z0-9_]` replaced by `_`, and `_`
    /// put in front of a leading digit or an empty name.
    public static func sanitizedLabelName(_ name: String) -> String {
        sanitizedName(name, allowColon: false)
    }

    private static func sanitizedName(_ name: String, allowColon: Bool) -> String {
        if isValidName(name, allowColon: allowColon) { return name }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars {
            let v = scalar.value
            let ok =
                (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
                || v == 0x5F || (allowColon && v == 0x3A)
            bytes.append(ok ? UInt8(v) : 0x5F)
        }
        if bytes.isEmpty || (bytes[0] >= 0x30 && bytes[0] <= 0x39) { bytes.insert(0x5F, at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a name is already valid (most are): a non-empty run of `[a-zA-Z0-9_]`
    /// (and `:`) not starting with a digit.
    private static func isValidName(_ name: String, allowColon: Bool) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok =
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F
                || (allowColon && byte == 0x3A) || (!first && byte >= 0x30 && byte <= 0x39)
            guard ok else { return false }
            first = false
        }
        return !first
    }

    /// Appends a label value escaped for both formats: `\` as `\\`, `"` as `\"`, line
    /// feed as `\n`.
    static func appendEscapedLabelValue(_ value: String, to out: inout [UInt8]) {
        // Most values need no escape: one copy.
        if !value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) {
            out.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x5C:
                out.append(0x5C)
                out.append(0x5C)
            case 0x22:
                out.append(0x5C)
                out.append(0x22)
            case 0x0A:
                out.append(0x5C)
                out.append(0x6E)
            default: out.append(byte)
            }
        }
    }

    /// Appends HELP text escaped for `format`: `\` and line feed in both, `"` as well in
    /// OpenMetrics. Other control characters become spaces.
    static func appendEscapedHelp(_ help: String, format: ExpositionFormat, to out: inout [UInt8]) {
        for byte in help.utf8 {
            switch byte {
            case 0x5C:
                out.append(0x5C)
                out.append(0x5C)
            case 0x0A:
                out.append(0x5C)
                out.append(0x6E)
            case 0x22 where format == .openMetrics:
                out.append(0x5C)
                out.append(0x22)
            case 0x00..<0x20, 0x7F: out.append(0x20)
            default: out.append(byte)
            }
        }
    }

    /// A sample value: `NaN`, `+Inf`, `-Inf`; integral values below 1e15 in plain digits
    /// (`1`, `1730335622`); anything else in Swift's shortest round-trip form (`0.5`,
    /// `1730335622.123`, `1e-05`).
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// A bucket bound for the `le` label: as `formatValue` in the text format; in
    /// OpenMetrics the canonical form, where integral values end in `.0` (`1.0`, `+Inf`).
    public static func formatBound(_ value: Double, format: ExpositionFormat) -> String {
        let text = formatValue(value)
        guard format == .openMetrics, value.isFinite, value == value.rounded(), abs(value) < 1e15 else {
            return text
        }
        return text + ".0"
    }
}
