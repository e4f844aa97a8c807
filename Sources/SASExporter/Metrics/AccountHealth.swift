import SASMetrics

/// The exporter's own view of one account's polling: what `alibabacloud_sas_up` and the
/// poll and API families report. A value the poller updates and publishes after each poll.
public struct AccountHealth: Sendable, Equatable {
    /// Whether the last poll was complete.
    public var up = false
    /// Whether any poll has finished (complete or not): `/-/ready` waits for this.
    public var hasFinishedPoll = false
    /// End of the last complete poll, seconds since the epoch.
    public var lastSuccessSeconds: Double?
    /// Duration of the last poll, seconds.
    public var lastPollDurationSeconds: Double?
    public var pollsTotal: UInt64 = 0
    public var pollFailuresTotal: UInt64 = 0
    /// Ticks skipped because the previous poll was still running.
    public var pollsSkippedTotal: UInt64 = 0
    /// API calls by action and outcome code.
    public var apiRequests: [APICallKey: UInt64] = [:]
    /// API call latency by action.
    public var apiLatency: [String: Histogram] = [:]
    /// One-line summary of the last failure (never a secret), for the landing page.
    public var lastError: String?
    /// Subtasks in the window at the last complete poll.
    public var lastSubtaskCount: Int?
    /// When these series were created, seconds since the epoch (OpenMetrics `_created`).
    public var createdSeconds: Double

    /// Buckets of `alibabacloud_sas_api_request_duration_seconds`.
    public static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    public init(createdSeconds: Double) {
        self.createdSeconds = createdSeconds
    }

    /// Counts one API call attempt.
    public mutating func recordCall(action: String, code: String, seconds: Double) {
        apiRequests[APICallKey(action: action, code: code), default: 0] += 1
        apiLatency[action, default: Histogram(bounds: Self.latencyBounds)].observe(seconds)
    }
}

/// The labels of `alibabacloud_sas_api_requests_total`.
public struct APICallKey: Sendable, Hashable {
    public var action: String
    public var code: String
}

/// Exporter-wide facts: configuration reloads and the build.
public struct ExporterHealth: Sendable, Equatable {
    public var reloadSuccessful = true
    public var reloadSuccessSeconds: Double
    /// State files found unusable at start (moved aside).
    public var stateFileErrors: UInt64 = 0
    public var version: String
    public var revision: String
    public var swiftVersion: String

    public init(reloadSuccessSeconds: Double, version: String, revision: String, swiftVersion: String) {
        self.reloadSuccessSeconds = reloadSuccessSeconds
        self.version = version
        self.revision = revision
        self.swiftVersion = swiftVersion
    }
}
