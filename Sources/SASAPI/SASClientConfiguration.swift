import Foundation
import SASModels

/// Which request signature the client uses.
public enum SignatureVersion: String, Sendable, CaseIterable {
    /// ACS3-HMAC-SHA256 (the official SDKs' default).
    case v3
    /// RPC HMAC-SHA1 (SignatureVersion 1.0), every parameter in the query.
    case rpc
}

/// Settings of one account's client.
public struct SASClientConfiguration: Sendable {
    /// Where to send requests (see `Endpoint.forRegion` and `Endpoint(parsing:)`).
    public var endpoint: Endpoint
    public var signature: SignatureVersion
    /// API version of Security Center.
    public var apiVersion: String
    public var userAgent: String
    /// Value of the SDK's optional `x-acs-credentials-provider` header (signed in V3);
    /// nil sends no such header.
    public var credentialsProviderHeader: String?
    /// Upper bound of one HTTP attempt, further bounded by the caller's deadline.
    public var attemptTimeout: Duration
    /// Largest response body read; a larger one is a `bodyTooLarge` error.
    public var maxBodyBytes: Int
    /// In-flight calls of this account.
    public var maxConcurrentRequests: Int
    /// Sustained requests per second of this account (token bucket).
    public var requestsPerSecond: Double
    /// Token bucket size (bursts); at least 1.
    public var burst: Int
    public var retry: RetryPolicy
    /// Absolute cap on the pages of one listing.
    public var maxPages: Int

    public init(
        endpoint: Endpoint,
        signature: SignatureVersion = .v3,
        apiVersion: String = SecurityCenterAPI.version,
        userAgent: String = "sas-exporter",
        credentialsProviderHeader: String? = nil,
        attemptTimeout: Duration = .seconds(30),
        maxBodyBytes: Int = 16 * 1024 * 1024,
        maxConcurrentRequests: Int = 4,
        requestsPerSecond: Double = 10,
        burst: Int = 10,
        retry: RetryPolicy = RetryPolicy(),
        maxPages: Int = 10_000
    ) {
        self.endpoint = endpoint
        self.signature = signature
        self.apiVersion = apiVersion
        self.userAgent = userAgent
        self.credentialsProviderHeader = credentialsProviderHeader
        self.attemptTimeout = attemptTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxConcurrentRequests = maxConcurrentRequests
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.retry = retry
        self.maxPages = maxPages
    }
}

/// Receives one report per attempt (for `alibabacloud_sas_api_requests_total` and
/// `alibabacloud_sas_api_request_duration_seconds`), including failures that never
/// reached the wire (credentials, the poll's deadline) and listings whose pages did not
/// fit together.
public protocol APICallObserver: Sendable {
    /// - Parameters:
    ///   - action: `ListOperationProcessDetail` or `ListOperationProcess`.
    ///   - code: `OK` or `SASAPIError.metricCode`.
    ///   - seconds: duration of the HTTP attempt; nil when no request was sent.
    func apiCallFinished(action: String, code: String, seconds: Double?)
}

/// Clock, sleep, wall time and nonce of the client; tests inject fixed ones.
public struct SASClientEnvironment: Sendable {
    /// Monotonic now, for deadlines and durations.
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Sleeps; throws when cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Seconds since the Unix epoch, for `x-acs-date` / `Timestamp`.
    public var epochSeconds: @Sendable () -> Int64
    /// A value never used before, for `x-acs-signature-nonce` / `SignatureNonce`.
    public var nonce: @Sendable () -> String

    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        nonce: @escaping @Sendable () -> String = SASClientEnvironment.randomNonce
    ) {
        self.now = now
        self.sleep = sleep
        self.epochSeconds = epochSeconds
        self.nonce = nonce
    }

    /// The real one.
    public static let live = SASClientEnvironment()

    /// The system's wall clock in whole seconds.
    @Sendable public static func systemEpochSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }

    /// 32 random lower-case hex digits.
    @Sendable public static func randomNonce() -> String {
        // Two draws (one system call each), not one per digit.
        var generator = SystemRandomNumberGenerator()
        return [generator.next(), generator.next()].map { word -> String in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
