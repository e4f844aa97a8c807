/// The exporter's own view of one account's polling: what `alibabacloud_sas_up` and the
/// poll families report. Part of the account's state, owned by its poller.
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
    /// One-line summary of the last failure (never a secret), for the landing page.
    public var lastError: String?
    /// Subtasks in the window at the last complete poll.
    public var lastSubtaskCount: Int?
    /// When these series were created, seconds since the epoch (OpenMetrics `_created`).
    public var createdSeconds: Double

    public init(createdSeconds: Double) {
        self.createdSeconds = createdSeconds
    }
}

/// Exporter-wide facts: configuration reloads, the state file and the build.
public struct ExporterHealth: Sendable, Equatable {
    public var reloadSuccessful = true
    public var reloadSuccessSeconds: Double
    /// State files found unusable at start (moved aside).
    public var stateFileLoadErrors: UInt64 = 0
    /// State saves that failed.
    public var stateFileSaveErrors: UInt64 = 0
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
