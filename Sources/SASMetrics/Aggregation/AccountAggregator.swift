import SASModels

/// Turns complete polls of one account into snapshots, keeping the counters, histograms,
/// coverage and de-duplication state behind them.
///
/// A value type: the exporter owns one per account; a poll starts with `beginPoll`, folds
/// its pages into the `PendingPoll`, and ends with `commit` when it is complete. It may be
/// encoded (`Codable`) to a state file and decoded on start. See docs/metrics.md for the
/// counting rules.
public struct AccountAggregator: Sendable, Codable {
    /// The `account` label of every series.
    public let account: String
    /// The settings in force.
    public private(set) var configuration: AggregatorConfiguration
    /// Complete polls committed so far, restored ones included.
    public internal(set) var pollCount: Int

    var coverage = Coverage.empty
    var tracked = TrackedSubtasks()
    /// Keyed by terminal status code text ("2", "3", "4").
    var completed: [String: CounterSeries] = [:]
    var durations: [String: HistogramSeries] = [:]
    /// Counted completions whose duration was not observed, by status code text.
    var unsoundDurations: [String: UInt64] = [:]
    /// Keyed by check id (the state file keys them by its text).
    var checks: [Int64: CheckSeries] = [:]
    /// Keyed by `InvalidReason` raw value.
    var invalid: [String: CounterSeries] = [:]
    /// Keyed by `EvictionReason` raw value.
    var evictions: [String: CounterSeries] = [:]
    /// Completions whose check had no series because of `maxChecks`.
    var checksDropped: CounterSeries?

    static let currentFormatVersion = 2

    /// Creates an aggregator with no history: what its first poll sees is the baseline.
    public init(account: String, configuration: AggregatorConfiguration = AggregatorConfiguration()) {
        self.account = account
        self.configuration = configuration
        pollCount = 0
    }

    /// Applies new settings (after a config reload or to a restored state). Changed
    /// bucket bounds restart the duration histograms (new `_created`); a lower size limit
    /// evicts at the next poll.
    public mutating func reconfigure(_ configuration: AggregatorConfiguration) {
        if configuration.durationBuckets != self.configuration.durationBuckets {
            durations = [:]
            unsoundDurations = [:]
        }
        self.configuration = configuration
    }

    /// Starts a poll of `scope` over `window`.
    public func beginPoll(window: PollWindow, scope: CoverageScope) -> PendingPoll {
        PendingPoll(window: window, scope: scope)
    }

    // MARK: Read access for logs and tests

    /// Subtasks held in the de-duplication state.
    public var trackedCount: Int { tracked.count }

    /// `alibabacloud_sas_subtasks_completed_total` for a terminal status.
    public func completedCount(_ status: SubtaskStatus) -> UInt64 {
        completed[String(status.rawValue)]?.value ?? 0
    }

    /// The duration histogram of a terminal status, if created.
    public func durationHistogram(_ status: SubtaskStatus) -> Histogram? {
        durations[String(status.rawValue)]?.histogram
    }

    /// Counted completions of a status whose duration was not observed (missing times or
    /// `EndTime < StartTime`): `completedCount - durationHistogram.count`.
    public func unsoundDurationCount(_ status: SubtaskStatus) -> UInt64 {
        unsoundDurations[String(status.rawValue)] ?? 0
    }

    /// `alibabacloud_sas_invalid_subtasks_total` for a reason.
    public func invalidCount(_ reason: InvalidReason) -> UInt64 {
        invalid[reason.rawValue]?.value ?? 0
    }

    /// `alibabacloud_sas_tracked_subtask_evictions_total` for a reason.
    public func evictionCount(_ reason: EvictionReason) -> UInt64 {
        evictions[reason.rawValue]?.value ?? 0
    }

    /// `alibabacloud_sas_checks_dropped_total`.
    public var checksDroppedCount: UInt64 { checksDropped?.value ?? 0 }

    /// The check counters (completions, failed, timed out) and latest name of a check id.
    public func checkCounts(_ checkId: Int64) -> (completions: UInt64, failed: UInt64, timedOut: UInt64, name: String?)?
    {
        checks[checkId].map { ($0.completions, $0.failed, $0.timedOut, $0.name) }
    }

    /// The creation time from which subtasks of `taskId` are covered (for tests and logs).
    public func coverageHorizon(task taskId: String?) -> Int64 {
        coverage.horizon(task: taskId)
    }

    /// Bounds the coverage of state restored from a first-version file saved at
    /// `savedAtMs`: that version remembered only the subtasks of its window, so nothing
    /// created before `savedAtMs - lookback` (the lookback it ran with) is known. A
    /// longer lookback after the upgrade brings that history in as a baseline, never as
    /// completions. Does nothing to state of this version.
    public mutating func adoptFirstVersionSave(savedAtMs: Int64) {
        guard coverage == .legacy else { return }
        coverage.forget(before: savedAtMs - configuration.lookbackMs)
    }

    // MARK: Codable

    enum CodingKeys: String, CodingKey {
        case formatVersion, account, configuration, pollCount, coverage, tracked, completed, durations
        case unsoundDurations, checks, invalid, evictions, checksDropped
    }

    /// Decodes a saved state of this version or of the first one; throws on another
    /// version or inconsistent data.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .formatVersion)
        guard version == 1 || version == Self.currentFormatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: c, debugDescription: "unsupported state format version \(version)"
            )
        }
        account = try c.decode(String.self, forKey: .account)
        configuration = try c.decode(AggregatorConfiguration.self, forKey: .configuration)
        pollCount = try c.decode(Int.self, forKey: .pollCount)
        tracked = try c.decode(TrackedSubtasks.self, forKey: .tracked)
        completed = try c.decode([String: CounterSeries].self, forKey: .completed)
        durations = try c.decode([String: HistogramSeries].self, forKey: .durations)
        unsoundDurations = try c.decode([String: UInt64].self, forKey: .unsoundDurations)
        var checks: [Int64: CheckSeries] = [:]
        for (text, series) in try c.decode([String: CheckSeries].self, forKey: .checks) {
            guard let checkId = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .checks, in: c, debugDescription: "check id \(text) is not an integer")
            }
            checks[checkId] = series
        }
        self.checks = checks
        invalid = try c.decode([String: CounterSeries].self, forKey: .invalid)
        if version == 1 {
            // The first version kept one eviction counter (the cap), entries timed by when
            // they were last seen (taken as their creation: they expire later, never
            // sooner), and no coverage: it counted whatever it had not seen terminal.
            if let legacy = try c.decodeIfPresent(CounterSeries.self, forKey: .evictions) {
                evictions[EvictionReason.cap.rawValue] = legacy
            }
            coverage = pollCount > 0 ? .legacy : .empty
        } else {
            evictions = try c.decode([String: CounterSeries].self, forKey: .evictions)
            coverage = try c.decode(Coverage.self, forKey: .coverage)
            checksDropped = try c.decodeIfPresent(CounterSeries.self, forKey: .checksDropped)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.currentFormatVersion, forKey: .formatVersion)
        try c.encode(account, forKey: .account)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(pollCount, forKey: .pollCount)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(tracked, forKey: .tracked)
        try c.encode(completed, forKey: .completed)
        try c.encode(durations, forKey: .durations)
        try c.encode(unsoundDurations, forKey: .unsoundDurations)
        try c.encode(Dictionary(uniqueKeysWithValues: checks.map { (String($0.key), $0.value) }), forKey: .checks)
        try c.encode(invalid, forKey: .invalid)
        try c.encode(evictions, forKey: .evictions)
        try c.encodeIfPresent(checksDropped, forKey: .checksDropped)
    }
}

/// A counter value and when its series was created.
struct CounterSeries: Sendable, Codable, Equatable {
    var value: UInt64
    var createdMs: Int64
}

/// A histogram and when its series was created.
struct HistogramSeries: Sendable, Codable, Equatable {
    var histogram: Histogram
    var createdMs: Int64
}

/// The counters and name of one check id; its three series share `createdMs`.
struct CheckSeries: Sendable, Codable, Equatable {
    var name: String?
    var completions: UInt64 = 0
    var failed: UInt64 = 0
    var timedOut: UInt64 = 0
    var createdMs: Int64
}
