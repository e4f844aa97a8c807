/// The two exposition formats the exporter serves.
public enum ExpositionFormat: Sendable, Equatable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case prometheusText
    /// OpenMetrics text format 1.0.0.
    case openMetrics

    /// The `Content-Type` header value of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Chooses the format for a request's `Accept` header.
    ///
    /// Media ranges are ranked by their `q` value (default 1, ties keep header order); the
    /// first acceptable range wins: `application/openmetrics-text` without a version or
    /// with version 1.0.0 or 0.0.1 gives OpenMetrics; `text/plain` (version absent,
    /// 0.0.4 or 1.0.0, which Prometheus 3 sends), `text/*` and `*/*` give the text format. A missing, empty or unmatched header
    /// gives the text format.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var ranges: [(index: Int, q: Double, format: ExpositionFormat)] = []
        for (index, part) in accept.split(separator: ",").enumerated() {
            guard let parsed = MediaRange(part), parsed.q > 0, let format = parsed.format else { continue }
            ranges.append((index, parsed.q, format))
        }
        let best = ranges.min { lhs, rhs in
            lhs.q != rhs.q ? lhs.q > rhs.q : lhs.index < rhs.index
        }
        return best?.format ?? .prometheusText
    }
}

/// One media range of an `Accept` header.
private struct MediaRange {
    var type: String
    var version: String?
    var q: Double = 1

    init?(_ text: Substring) {
        let pieces = text.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = pieces.first else { return nil }
        type = first.trimmed.lowercased()
        guard !type.isEmpty else { return nil }
        for parameter in pieces.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmed.lowercased()
            var value = pair[1].trimmed
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            switch key {
            case "q": q = Double(value).map { min(max($0, 0), 1) } ?? 0
            case "version": version = value
            default: break
            }
        }
    }

    var format: ExpositionFormat? {
        switch type {
        case "application/openmetrics-text":
            switch version {
            case nil, "1.0.0", "0.0.1": .openMetrics
            default: nil
            }
        case "text/plain":
            // 1.0.0 is the same format with optional UTF-8 names; ours are all legacy names.
            version == nil || version == "0.0.4" || version == "1.0.0" ? .prometheusText : nil
        case "text/*", "*/*":
            .prometheusText
        default:
            nil
        }
    }
}

extension Substring {
    fileprivate var trimmed: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
