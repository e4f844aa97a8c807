import SASAPI
import SASMetrics
import SASSigning

/// The runtime configuration: parsed once by `ConfigLoader` (or built by the launcher
/// from the environment), with every default applied, durations as `Duration` and
/// endpoints parsed. Swapped as a whole on reload.
public struct ExporterConfiguration: Sendable, Equatable {
    /// Where counters and de-duplication state are saved; nil keeps them in memory only.
    public var stateFile: String?
    /// Upper bounds of the subtask duration histogram, seconds.
    public var durationBuckets: [Double]
    public var accounts: [AccountConfiguration]

    public init(
        stateFile: String? = nil, durationBuckets: [Double] = Histogram.defaultDurationBounds,
        accounts: [AccountConfiguration]
    ) {
        self.stateFile = stateFile
        self.durationBuckets = durationBuckets
        self.accounts = accounts
    }
}

/// One Security Center account to poll.
public struct AccountConfiguration: Sendable, Equatable {
    /// The `account` label.
    public var name: String
    /// Where its API is served (from `endpoint`, else the region map).
    public var endpoint: Endpoint
    /// Region id, when configured.
    public var region: String?
    public var signature: SignatureVersion
    /// Static credentials from the file; nil uses the default credential chain.
    public var credentials: Credentials?
    /// A role assumed with `credentials` (or the default chain when nil): the
    /// `credentials.role_arn` keys.
    public var role: RoleAssumption?
    /// Task ids to poll (de-duplicated, in order); nil discovers them.
    public var taskIds: [String]?
    /// Task ids per `ListOperationProcessDetail` call.
    public var taskBatchSize: Int
    public var pageSize: Int
    /// `en` or `zh`.
    public var lang: String
    public var interval: Duration
    /// Each poll covers subtasks created in the last `lookback`.
    public var lookback: Duration
    /// How long one poll may run (at least `interval`).
    public var pollTimeout: Duration
    /// How often every task is read again, finished or not.
    public var fullRefresh: Duration
    /// API calls per second for this account.
    public var requestsPerSecond: Double
    /// API calls in flight at once for this account.
    public var maxConcurrentRequests: Int
    /// Size limit of the de-duplication state.
    public var maxTrackedSubtasks: Int

    /// Every default, in one place (the loader, the environment account and tests use these).
    public enum Defaults {
        public static let interval: Duration = .seconds(60)
        public static let lookback: Duration = AggregatorConfiguration.Defaults.lookback
        public static let pollTimeout: Duration = .seconds(600)
        public static let fullRefresh: Duration = .seconds(6 * 3600)
        public static let signature: SignatureVersion = .v3
        public static let taskBatchSize = 10
        public static let pageSize = 100
        public static let lang = "en"
        public static let requestsPerSecond = 10.0
        public static let maxConcurrentRequests = 4
        public static let maxTrackedSubtasks = AggregatorConfiguration.Defaults.maxTrackedSubtasks

        /// The poll timeout when none is configured: 10 minutes, or the interval if longer.
        public static func pollTimeout(interval: Duration) -> Duration { max(pollTimeout, interval) }
    }

    public init(
        name: String, endpoint: Endpoint, region: String? = nil, signature: SignatureVersion = Defaults.signature,
        credentials: Credentials? = nil, role: RoleAssumption? = nil, taskIds: [String]? = nil,
        taskBatchSize: Int = Defaults.taskBatchSize,
        pageSize: Int = Defaults.pageSize, lang: String = Defaults.lang, interval: Duration = Defaults.interval,
        lookback: Duration = Defaults.lookback, pollTimeout: Duration? = nil,
        fullRefresh: Duration = Defaults.fullRefresh,
        requestsPerSecond: Double = Defaults.requestsPerSecond,
        maxConcurrentRequests: Int = Defaults.maxConcurrentRequests,
        maxTrackedSubtasks: Int = Defaults.maxTrackedSubtasks
    ) {
        self.name = name
        self.endpoint = endpoint
        self.region = region
        self.signature = signature
        self.credentials = credentials
        self.role = role
        self.taskIds = taskIds
        self.taskBatchSize = taskBatchSize
        self.pageSize = pageSize
        self.lang = lang
        self.interval = interval
        self.lookback = lookback
        self.pollTimeout = pollTimeout ?? Defaults.pollTimeout(interval: interval)
        self.fullRefresh = fullRefresh
        self.requestsPerSecond = requestsPerSecond
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxTrackedSubtasks = maxTrackedSubtasks
    }

    /// The aggregator's settings for this account.
    public func aggregatorConfiguration(durationBuckets: [Double]) -> AggregatorConfiguration {
        AggregatorConfiguration(
            durationBuckets: durationBuckets, lookback: lookback, maxTrackedSubtasks: maxTrackedSubtasks)
    }

    /// What this account's polls cover (its state starts a new baseline for what is new).
    public var scope: CoverageScope {
        CoverageScope(endpoint: endpoint.baseURL, selection: taskIds.map { .tasks(Set($0)) } ?? .discovery)
    }

    /// The client's settings for this account.
    public func clientConfiguration(userAgent: String) -> SASClientConfiguration {
        SASClientConfiguration(
            endpoint: endpoint, signature: signature, userAgent: userAgent,
            maxConcurrentRequests: maxConcurrentRequests, requestsPerSecond: requestsPerSecond
        )
    }
}
