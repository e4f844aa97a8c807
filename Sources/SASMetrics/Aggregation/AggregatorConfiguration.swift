import SASModels

/// Settings of an `AccountAggregator`.
public struct AggregatorConfiguration: Sendable, Equatable, Codable {
    /// Upper bounds (seconds) of `alibabacloud_sas_subtask_duration_seconds`.
    public var durationBuckets: [Double]
    /// The poll window: subtasks created in the last `lookback`.
    public var lookback: Duration
    /// How much longer than the window an entry of the de-duplication state is kept after
    /// the subtask's creation.
    public var expiryMargin: Duration
    /// The most subtasks the de-duplication state holds; beyond it the oldest (by
    /// creation) are forgotten and counted as `cap` evictions.
    public var maxTrackedSubtasks: Int
    /// The most distinct check ids that get their own series; completions carrying a
    /// check id first seen beyond it are counted in `checks_dropped_total` instead.
    public var maxChecks: Int

    /// The defaults, in one place.
    public enum Defaults {
        public static let lookback: Duration = .seconds(86_400)
        public static let expiryMargin: Duration = .seconds(3600)
        public static let maxTrackedSubtasks = 200_000
        public static let maxChecks = 10_000
    }

    /// Creates a configuration; every argument has the documented default.
    public init(
        durationBuckets: [Double] = Histogram.defaultDurationBounds,
        lookback: Duration = Defaults.lookback,
        expiryMargin: Duration = Defaults.expiryMargin,
        maxTrackedSubtasks: Int = Defaults.maxTrackedSubtasks,
        maxChecks: Int = Defaults.maxChecks
    ) {
        self.durationBuckets = durationBuckets
        self.lookback = max(.zero, lookback)
        self.expiryMargin = max(.zero, expiryMargin)
        self.maxTrackedSubtasks = max(1, maxTrackedSubtasks)
        self.maxChecks = max(0, maxChecks)
    }

    var lookbackMs: Int64 { lookback.milliseconds }
    var expiryMarginMs: Int64 { expiryMargin.milliseconds }

    // The state file stores milliseconds under the keys of its first version.
    enum CodingKeys: String, CodingKey {
        case durationBuckets, lookbackMs, expiryMarginMs, maxTrackedSubtasks, maxChecks
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            durationBuckets: try c.decode([Double].self, forKey: .durationBuckets),
            lookback: .milliseconds(try c.decode(Int64.self, forKey: .lookbackMs)),
            expiryMargin: .milliseconds(try c.decode(Int64.self, forKey: .expiryMarginMs)),
            maxTrackedSubtasks: try c.decode(Int.self, forKey: .maxTrackedSubtasks),
            maxChecks: try c.decode(Int.self, forKey: .maxChecks)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(durationBuckets, forKey: .durationBuckets)
        try c.encode(lookbackMs, forKey: .lookbackMs)
        try c.encode(expiryMarginMs, forKey: .expiryMarginMs)
        try c.encode(maxTrackedSubtasks, forKey: .maxTrackedSubtasks)
        try c.encode(maxChecks, forKey: .maxChecks)
    }
}
