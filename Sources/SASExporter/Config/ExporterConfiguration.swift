import SASAPI
import SASSigning

/// The validated runtime configuration: defaults applied, secrets read, every account
/// complete. Built by `ConfigLoader`; swapped atomically on reload.
public struct ExporterConfiguration: Sendable, Equatable {
    /// Default poll interval, milliseconds.
    public var intervalMs: Int64
    /// Default look-back window, milliseconds.
    public var lookbackMs: Int64
    /// Where counters and de-duplication state are saved; nil keeps them in memory only.
    public var stateFile: String?
    /// Upper bounds of the subtask duration histogram, seconds.
    public var durationBuckets: [Double]
    public var accounts: [AccountConfiguration]

    public static let defaultIntervalMs: Int64 = 60_000
    public static let defaultLookbackMs: Int64 = 86_400_000
    public static let defaultDurationBuckets: [Double] = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600]

    public init(
        intervalMs: Int64 = Self.defaultIntervalMs,
        lookbackMs: Int64 = Self.defaultLookbackMs,
        stateFile: String? = nil,
        durationBuckets: [Double] = Self.defaultDurationBuckets,
        accounts: [AccountConfiguration]
    ) {
        self.intervalMs = intervalMs
        self.lookbackMs = lookbackMs
        self.stateFile = stateFile
        self.durationBuckets = durationBuckets
        self.accounts = accounts
    }
}

/// One Security Center account to poll.
public struct AccountConfiguration: Sendable, Equatable {
    /// The `account` label.
    public var name: String
    /// Region id; chooses the endpoint when `endpoint` is nil.
    public var region: String?
    /// Explicit endpoint (`host`, `host:port` or `scheme://host:port`).
    public var endpoint: String?
    /// `v3` (ACS3-HMAC-SHA256) or `rpc` (HMAC-SHA1).
    public var signature: SignatureChoice
    /// Static credentials from the file; nil uses the default credential chain.
    public var credentials: Credentials?
    /// A role assumed with `credentials` (or the default chain when nil): the
    /// `credentials.role_arn` keys.
    public var role: RoleAssumption?
    /// Task ids to poll; nil discovers them with `ListOperationProcess`.
    public var taskIds: [String]?
    /// Task ids per `ListOperationProcessDetail` call.
    public var taskBatchSize: Int
    public var pageSize: Int
    /// `en` or `zh`.
    public var lang: String
    public var intervalMs: Int64
    public var lookbackMs: Int64
    /// Deadline of one poll, milliseconds.
    public var pollTimeoutMs: Int64
    /// API calls per second for this account.
    public var requestsPerSecond: Double
    /// API calls in flight at once for this account.
    public var maxConcurrentRequests: Int

    public init(
        name: String, region: String? = nil, endpoint: String? = nil, signature: SignatureChoice = .v3,
        credentials: Credentials? = nil, taskIds: [String]? = nil, taskBatchSize: Int = 10, pageSize: Int = 100,
        lang: String = "en", intervalMs: Int64 = ExporterConfiguration.defaultIntervalMs,
        lookbackMs: Int64 = ExporterConfiguration.defaultLookbackMs, pollTimeoutMs: Int64? = nil,
        requestsPerSecond: Double = 10, maxConcurrentRequests: Int = 4
    ) {
        self.name = name
        self.region = region
        self.endpoint = endpoint
        self.signature = signature
        self.credentials = credentials
        self.taskIds = taskIds
        self.taskBatchSize = taskBatchSize
        self.pageSize = pageSize
        self.lang = lang
        self.intervalMs = intervalMs
        self.lookbackMs = lookbackMs
        self.pollTimeoutMs = pollTimeoutMs ?? Self.defaultPollTimeout(intervalMs: intervalMs)
        self.requestsPerSecond = requestsPerSecond
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// A poll may use most of its interval, at least 10 s and at most 5 minutes.
    public static func defaultPollTimeout(intervalMs: Int64) -> Int64 {
        min(max(intervalMs * 9 / 10, 10_000), 300_000)
    }
}

/// The signature version an account uses.
public enum SignatureChoice: String, Sendable, Equatable, CaseIterable {
    case v3
    case rpc
}
