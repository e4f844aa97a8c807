/// Renders metric families as Prometheus text 0.0.4 or OpenMetrics 1.0.0.
///
/// The output for a given set of families is byte-identical on every call: families are
/// merged by name and sorted by name, series are sorted by their label names and values
/// (byte order, `le` excluded), and a series that appears twice keeps its first samples.
/// Families without samples are left out; clashing families are dropped (see `merged`). Metric and label names are sanitised, label
/// values pass through `ExpositionText.exposedLabelValue` (control characters replaced,
/// length capped) and are escaped, so any text the API sends gives a valid exposition.
///
/// Sample timestamps are never written. `_created` samples are written in OpenMetrics
/// only; the text format leaves them out, as Prometheus 2 would store them as separate
/// gauge series.
public enum ExpositionRenderer {
    /// Renders `families` without the OpenMetrics `# EOF` line, so callers can append
    /// more families (rendered separately) before `terminator(format)`.
    public static func render(_ families: [MetricFamily], format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 200 + $1.samples.count * 120 })
        for family in merged(families) where !family.samples.isEmpty {
            appendFamily(family, format: format, to: &out)
        }
        return out
    }

    /// The end of an exposition: `# EOF\n` for OpenMetrics, nothing for the text format.
    public static func terminator(_ format: ExpositionFormat) -> [UInt8] {
        format == .openMetrics ? Array("# EOF\n".utf8) : []
    }

    /// Families with sanitised names, sorted by name. Families with the same name and
    /// type are merged; a later family whose OpenMetrics family name clashes with an
    /// earlier one of another name or type (a gauge `x` and a counter `x_total`) is dropped.
    static func merged(_ families: [MetricFamily]) -> [MetricFamily] {
        var byFamilyName: [String: Int] = [:]
        var result: [MetricFamily] = []
        for family in families {
            let sanitized = MetricFamily(
                name: ExpositionText.sanitizedMetricName(family.name), help: family.help,
                type: family.type, samples: family.samples
            )
            if let index = byFamilyName[sanitized.openMetricsName] {
                if result[index].type == sanitized.type, result[index].name == sanitized.name {
                    result[index].samples += sanitized.samples
                }
                continue
            }
            byFamilyName[sanitized.openMetricsName] = result.count
            result.append(sanitized)
        }
        return result.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    private struct PreparedSample {
        var suffix: String
        var labels: [MetricLabel]
        var value: Double
        var created: Double?
    }

    private struct Series {
        var key: SeriesKey
        var firstIndex: Int
        var samples: [PreparedSample] = []
        var identities: Set<String> = []
    }

    private static func appendFamily(_ family: MetricFamily, format: ExpositionFormat, to out: inout [UInt8]) {
        appendHeader(family, format: format, to: &out)
        appendSamples(family, format: format, to: &out)
    }

    /// The `# HELP` and `# TYPE` lines of a (sanitised) family.
    static func appendHeader(_ family: MetricFamily, format: ExpositionFormat, to out: inout [UInt8]) {
        let metadataName = format == .openMetrics ? family.openMetricsName : family.name
        out.append(contentsOf: "# HELP \(metadataName) ".utf8)
        ExpositionText.appendEscapedHelp(family.help, format: format, to: &out)
        out.append(0x0A)
        out.append(contentsOf: "# TYPE \(metadataName) \(typeName(family.type, format: format))\n".utf8)
    }

    /// The sample lines of a (sanitised) family, series sorted.
    static func appendSamples(_ family: MetricFamily, format: ExpositionFormat, to out: inout [UInt8]) {
        let createdName = family.type == .counter ? family.openMetricsName + "_created" : family.name + "_created"
        for series in groupedSeries(family, format: format) {
            for sample in series.samples {
                appendLine(name: family.name + sample.suffix, labels: sample.labels, value: sample.value, to: &out)
                if format == .openMetrics, let created = sample.created {
                    let labels = sample.labels.filter { $0.name != "le" }
                    appendLine(name: createdName, labels: labels, value: created, to: &out)
                }
            }
        }
    }

    private static func groupedSeries(_ family: MetricFamily, format: ExpositionFormat) -> [Series] {
        var seriesByKey: [SeriesKey: Int] = [:]
        var series: [Series] = []
        for (index, sample) in family.samples.enumerated() {
            var prepared = PreparedSample(
                suffix: sample.suffix, labels: [], value: sample.value, created: sample.created)
            prepared.labels.reserveCapacity(sample.labels.count)
            var key: [UInt8] = []
            var bound = ""
            for label in sample.labels {
                let name = ExpositionText.sanitizedLabelName(label.name)
                // A repeated label name keeps its first value (a sample has a few labels).
                guard !prepared.labels.contains(where: { $0.name == name }) else { continue }
                var value = ExpositionText.exposedLabelValue(label.value)
                if name == "le", family.type == .histogram {
                    value = canonicalBound(value, format: format)
                    bound = value
                } else {
                    key.append(contentsOf: name.utf8)
                    key.append(0)
                    key.append(contentsOf: value.utf8)
                    key.append(0)
                }
                prepared.labels.append(MetricLabel(name, value))
            }
            let slot: Int
            let seriesKey = SeriesKey(bytes: key)
            if let existing = seriesByKey[seriesKey] {
                slot = existing
            } else {
                slot = series.count
                seriesByKey[seriesKey] = slot
                series.append(Series(key: seriesKey, firstIndex: index))
            }
            // A repeated sample (same suffix and bound) of a series keeps its first value.
            if series[slot].identities.insert(prepared.suffix + "\u{0}" + bound).inserted {
                series[slot].samples.append(prepared)
            }
        }
        return series.sorted { lhs, rhs in
            let order = lhs.key.compare(rhs.key)
            return order == 0 ? lhs.firstIndex < rhs.firstIndex : order < 0
        }
    }

    private static func canonicalBound(_ text: String, format: ExpositionFormat) -> String {
        let value: Double?
        switch text {
        case "+Inf", "Inf", "+inf", "inf": value = .infinity
        default: value = Double(text)
        }
        guard let value else { return text }
        return ExpositionText.formatBound(value, format: format)
    }

    private static func appendLine(name: String, labels: [MetricLabel], value: Double, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            out.append(0x7B)
            for (index, label) in labels.enumerated() {
                if index > 0 { out.append(0x2C) }
                out.append(contentsOf: label.name.utf8)
                out.append(contentsOf: "=\"".utf8)
                ExpositionText.appendEscapedLabelValue(label.value, to: &out)
                out.append(0x22)
            }
            out.append(0x7D)
        }
        out.append(0x20)
        out.append(contentsOf: ExpositionText.formatValue(value).utf8)
        out.append(0x0A)
    }

    private static func typeName(_ type: MetricType, format: ExpositionFormat) -> String {
        switch (type, format) {
        case (.gauge, _): "gauge"
        case (.counter, _): "counter"
        case (.histogram, _): "histogram"
        case (.info, .prometheusText): "gauge"
        case (.info, .openMetrics): "info"
        case (.unknown, .prometheusText): "untyped"
        case (.unknown, .openMetrics): "unknown"
        }
    }
}

/// The label names and values of a series as bytes: hashed in one pass (an array of
/// bytes hashes byte by byte) and ordered as bytes.
struct SeriesKey: Hashable {
    let bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Byte order: negative, zero or positive as `self` sorts before, with or after `other`.
    func compare(_ other: SeriesKey) -> Int {
        bytes.withUnsafeBufferPointer { lhs in
            other.bytes.withUnsafeBufferPointer { rhs in
                let count = min(lhs.count, rhs.count)
                var index = 0
                while index < count {
                    if lhs[index] != rhs[index] { return Int(lhs[index]) - Int(rhs[index]) }
                    index += 1
                }
                return lhs.count - rhs.count
            }
        }
    }
}
