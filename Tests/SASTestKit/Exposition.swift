/// Reading `/metrics` text in tests.
public enum Exposition {
    /// `name{labels} value` lines of one family, keyed by the label text.
    public static func samples(_ text: String, _ name: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { continue }
            let tail = line[line.index(after: close)...].drop { $0 == " " }
            guard let value = Double(tail) else { continue }
            out[String(line[line.index(after: open)..<close])] = value
        }
        return out
    }

    /// The first sample whose labels contain every part.
    public static func value(_ samples: [String: Double], containing parts: [String]) -> Double? {
        samples.first { entry in parts.allSatisfy { entry.key.contains($0) } }?.value
    }

    /// The sum of the samples whose labels contain every part.
    public static func sum(_ samples: [String: Double], containing parts: [String]) -> Double {
        samples.filter { entry in parts.allSatisfy { entry.key.contains($0) } }.values.reduce(0, +)
    }
}
