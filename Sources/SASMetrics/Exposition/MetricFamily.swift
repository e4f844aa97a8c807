/// The type of a metric family, as both exposition formats name it.
public enum MetricType: String, Sendable, Codable, CaseIterable {
    /// A value that can go up and down.
    case gauge
    /// A monotonically increasing count; its sample name ends in `_total`.
    case counter
    /// Cumulative buckets with `_bucket{le}`, `_count` and `_sum` samples.
    case histogram
    /// A gauge of value 1 whose labels carry facts; its name ends in `_info`. Rendered as
    /// `gauge` in the text format and as `info` in OpenMetrics.
    case info
    /// No type information (`untyped` in the text format).
    case unknown
}

/// One label of a sample. Label order in a sample is the order of the exposition.
public struct MetricLabel: Sendable, Hashable, Codable {
    /// The label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
    public var name: String
    /// The label value, any text; the renderer escapes and caps it.
    public var value: String

    /// Creates a label.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One sample line of a family.
public struct MetricSample: Sendable, Equatable {
    /// Appended to the family name to make the sample name: empty for gauges, counters and
    /// info metrics, `_bucket`, `_count` or `_sum` for histograms.
    public var suffix: String
    /// Labels in exposition order (`le` last for buckets).
    public var labels: [MetricLabel]
    /// The sample value.
    public var value: Double
    /// Seconds since the epoch when the series was created; OpenMetrics renders it as a
    /// `<family>_created` sample right after this one. Set it on a counter's sample and on
    /// the last sample (`_sum`) of a histogram series.
    public var created: Double?

    /// Creates a sample.
    public init(suffix: String = "", labels: [MetricLabel], value: Double, created: Double? = nil) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
        self.created = created
    }

    /// Creates a sample from `(name, value)` label pairs.
    public init(suffix: String = "", labels: [(String, String)], value: Double, created: Double? = nil) {
        self.init(suffix: suffix, labels: labels.map { MetricLabel($0.0, $0.1) }, value: value, created: created)
    }
}

/// A metric family: name, help, type and samples.
public struct MetricFamily: Sendable, Equatable {
    /// The name as queried in PromQL: a counter's name ends in `_total` and an info
    /// metric's in `_info` (the initializer appends the suffix when missing); a histogram's
    /// is the base name of its `_bucket`, `_count` and `_sum` samples.
    public let name: String
    /// One sentence or more saying what the value means.
    public var help: String
    /// The family type.
    public let type: MetricType
    /// The samples, in any order; the renderer sorts series by label values.
    public var samples: [MetricSample]

    /// Creates a family, normalising the name suffix of counters (`_total`) and info
    /// metrics (`_info`).
    public init(name: String, help: String, type: MetricType, samples: [MetricSample]) {
        switch type {
        case .counter where !name.hasSuffix("_total"): self.name = name + "_total"
        case .info where !name.hasSuffix("_info"): self.name = name + "_info"
        default: self.name = name
        }
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// The family name of the OpenMetrics `TYPE` and `HELP` lines: without `_total` for
    /// counters and without `_info` for info metrics.
    public var openMetricsName: String {
        switch type {
        case .counter: String(name.dropLast("_total".count))
        case .info: String(name.dropLast("_info".count))
        default: name
        }
    }
}
