/// How the API reads `StartTime` and `EndTime`: the public page and SDK models leave it
/// open, so the simulator can behave each plausible way.
public enum TimeSemantics: String, Sendable, CaseIterable {
    /// Both bound the creation time (of subtasks, and of tasks).
    case creation
    /// The Java SDK's reading: `StartTime` bounds the creation time, `EndTime` the
    /// completion time, so a query with `EndTime` leaves out everything not finished.
    case creationCompletion = "creation-completion"
}

/// Everything that shapes a simulator: the data set, the keys it accepts, its limits.
public struct SimulatorConfiguration: Sendable {
    /// Seed of the data set; the same seed gives the same data at the same simulated time.
    public var seed: UInt64
    /// About this many tasks are created in any 24 h of simulated time.
    public var tasks: Int
    /// Subtasks of each generated task.
    public var subtasksPerTask: Int
    /// Distinct check items the subtasks draw from: the named catalogue
    /// (`CheckCatalogue.checks`, the default), then generated ids from 1000 on (benchmarks
    /// use 1 000 for an exposition of about 4 000 series).
    public var checkItems: Int
    /// Permanent AccessKeys the API accepts: id → secret.
    public var accessKeys: [String: String]
    /// Keys whose signatures verify but whose API calls answer 403 `NoPermission`.
    public var noPermissionKeys: [String: String]
    /// Largest accepted `PageSize`; above it the API answers `CspmParamIllegal`.
    public var maxPageSize: Int
    /// Per-key request rate limit (token bucket, burst of one second); nil for none.
    public var requestsPerSecondPerKey: Double?
    /// Simulated seconds per real second for the default real-time clock.
    public var timeScale: Double
    /// How far `x-acs-date` / `Timestamp` may be from the wall clock, seconds.
    public var timestampToleranceSeconds: Int64
    /// How long a used nonce is remembered, seconds.
    public var nonceTTLSeconds: Int64
    /// Generated tasks older than this (simulated) are no longer served.
    public var retentionSeconds: Int64
    /// Role ARN the STS endpoints accept for `AssumeRole` (any ARN when nil).
    public var stsRoleArn: String?
    /// Lifetime of STS credentials when `DurationSeconds` is absent.
    public var stsDefaultDurationSeconds: Int
    /// Smallest accepted `DurationSeconds` (the real STS says 900).
    public var stsMinimumDurationSeconds: Int
    /// Role name the ECS metadata service reports.
    public var ecsRoleName: String
    /// Lifetime of credentials handed out by the metadata service, seconds.
    public var ecsCredentialsDurationSeconds: Int
    /// How many recent requests `/admin/requests` keeps.
    public var requestLogCapacity: Int
    /// How `StartTime` and `EndTime` filter.
    public var timeSemantics: TimeSemantics

    public init(
        seed: UInt64 = 1,
        tasks: Int = 20,
        subtasksPerTask: Int = 50,
        checkItems: Int = CheckCatalogue.checks.count,
        accessKeys: [String: String] = ["testid": "testsecret"],
        noPermissionKeys: [String: String] = [:],
        maxPageSize: Int = 100,
        requestsPerSecondPerKey: Double? = nil,
        timeScale: Double = 1,
        timestampToleranceSeconds: Int64 = 15 * 60,
        nonceTTLSeconds: Int64 = 15 * 60,
        retentionSeconds: Int64 = 7 * 86_400,
        stsRoleArn: String? = nil,
        stsDefaultDurationSeconds: Int = 3600,
        stsMinimumDurationSeconds: Int = 900,
        ecsRoleName: String = "sas-exporter-role",
        ecsCredentialsDurationSeconds: Int = 6 * 3600,
        requestLogCapacity: Int = 1000,
        timeSemantics: TimeSemantics = .creation
    ) {
        self.seed = seed
        self.tasks = tasks
        self.subtasksPerTask = subtasksPerTask
        self.checkItems = max(1, checkItems)
        self.accessKeys = accessKeys
        self.noPermissionKeys = noPermissionKeys
        self.maxPageSize = maxPageSize
        self.requestsPerSecondPerKey = requestsPerSecondPerKey
        self.timeScale = timeScale
        self.timestampToleranceSeconds = timestampToleranceSeconds
        self.nonceTTLSeconds = nonceTTLSeconds
        self.retentionSeconds = retentionSeconds
        self.stsRoleArn = stsRoleArn
        self.stsDefaultDurationSeconds = stsDefaultDurationSeconds
        self.stsMinimumDurationSeconds = stsMinimumDurationSeconds
        self.ecsRoleName = ecsRoleName
        self.ecsCredentialsDurationSeconds = ecsCredentialsDurationSeconds
        self.requestLogCapacity = requestLogCapacity
        self.timeSemantics = timeSemantics
    }
}
