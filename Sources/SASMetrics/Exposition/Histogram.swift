/// A cumulative histogram: fixed upper bounds, counts, sum. A value type; the aggregator
/// uses it for subtask durations and the exporter can use it for API latency.
public struct Histogram: Sendable, Equatable, Codable {
    /// Upper bounds of the finite buckets, ascending; the `+Inf` bucket is implicit.
    public let bounds: [Double]
    /// Observations per bucket (not cumulative); the last entry is the `+Inf` bucket.
    public private(set) var bucketCounts: [UInt64]
    /// Sum of all observed values.
    public private(set) var sum: Double
    /// Number of observations.
    public private(set) var count: UInt64

    /// The default bounds of `alibabacloud_sas_subtask_duration_seconds`, in seconds.
    public static let defaultDurationBounds: [Double] = [
        1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
    ]

    /// Creates an empty histogram. Bounds are sorted, de-duplicated, and non-finite
    /// bounds are dropped.
    public init(bounds: [Double]) {
        self.bounds = Array(Set(bounds.filter(\.isFinite))).sorted()
        bucketCounts = Array(repeating: 0, count: self.bounds.count + 1)
        sum = 0
        count = 0
    }

    enum CodingKeys: String, CodingKey {
        case bounds, bucketCounts, sum, count
    }

    /// Decodes a histogram, rejecting one whose bucket counts do not match its bounds.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let decodedBounds = try c.decode([Double].self, forKey: .bounds)
        bounds = decodedBounds
        bucketCounts = try c.decode([UInt64].self, forKey: .bucketCounts)
        sum = try c.decode(Double.self, forKey: .sum)
        count = try c.decode(UInt64.self, forKey: .count)
        let sorted =
            decodedBounds.allSatisfy(\.isFinite) && zip(decodedBounds, decodedBounds.dropFirst()).allSatisfy { $0 < $1 }
        guard sorted, bucketCounts.count == bounds.count + 1,
            bucketCounts.reduce(0, &+) == count
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .bucketCounts, in: c, debugDescription: "histogram buckets do not match its bounds and count"
            )
        }
    }

    /// Records one observation. NaN is ignored.
    public mutating func observe(_ value: Double) {
        guard !value.isNaN else { return }
        // Bucket i holds values <= bounds[i]; binary search for the first such bound.
        var low = 0
        var high = bounds.count
        while low < high {
            let mid = (low + high) / 2
            if value <= bounds[mid] { high = mid } else { low = mid + 1 }
        }
        bucketCounts[low] &+= 1
        sum += value
        count &+= 1
    }

    /// Cumulative counts per bucket, the last one (`+Inf`) equal to `count`.
    public var cumulativeCounts: [UInt64] {
        var total: UInt64 = 0
        return bucketCounts.map {
            total &+= $0
            return total
        }
    }

    /// The samples of one series: `_bucket` per bound and `+Inf` (labels plus `le`),
    /// `_count`, then `_sum` carrying `created`.
    public func samples(labels: [MetricLabel], created: Double? = nil) -> [MetricSample] {
        var result: [MetricSample] = []
        result.reserveCapacity(bounds.count + 3)
        for (bound, cumulative) in zip(bounds + [.infinity], cumulativeCounts) {
            result.append(
                MetricSample(
                    suffix: "_bucket",
                    labels: labels + [MetricLabel("le", ExpositionText.formatValue(bound))],
                    value: Double(cumulative)
                ))
        }
        result.append(MetricSample(suffix: "_count", labels: labels, value: Double(count)))
        result.append(MetricSample(suffix: "_sum", labels: labels, value: sum, created: created))
        return result
    }
}
