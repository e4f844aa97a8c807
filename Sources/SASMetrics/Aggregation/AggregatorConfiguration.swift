/// Settings of an `AccountAggregator`.
public struct AggregatorConfiguration: Sendable, Equatable, Codable {
    /// Upper bounds (seconds) of `alibabacloud_sas_subtask_duration_seconds`.
    public var durationBuckets: [Double]
    /// The poll window length in milliseconds (default 24 h).
    public var lookbackMs: Int64
    /// How much longer than the window an entry of the de-duplication state is kept after
    /// it was last seen, in milliseconds (default 1 h).
    public var expiryMarginMs: Int64
    /// The most subtasks the de-duplication state holds; beyond it the least recently
    /// seen are evicted and counted (default 200 000).
    public var maxTrackedSubtasks: Int
    /// The most distinct check ids that get their own series (default 10 000); check ids
    /// first seen beyond it are ignored, so the exposition stays bounded.
    public var maxChecks: Int

    /// Creates a configuration; every argument has the documented default.
    public init(
        durationBuckets: [Double] = Histogram.defaultDurationBounds,
        lookbackMs: Int64 = 86_400_000,
        expiryMarginMs: Int64 = 3_600_000,
        maxTrackedSubtasks: Int = 200_000,
        maxChecks: Int = 10_000
    ) {
        self.durationBuckets = durationBuckets
        self.lookbackMs = max(0, lookbackMs)
        self.expiryMarginMs = max(0, expiryMarginMs)
        self.maxTrackedSubtasks = max(1, maxTrackedSubtasks)
        self.maxChecks = max(0, maxChecks)
    }
}
