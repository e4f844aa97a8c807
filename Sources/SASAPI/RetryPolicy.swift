import Foundation
import SASModels

/// When and how long to wait before trying a failed call again.
///
/// Retried: throttling (`Throttling*` codes, HTTP 429 and 503, any `x-acs-retry-after`),
/// other 5xx, transport errors and timeouts. Never retried: other 4xx (`CspmParamIllegal`,
/// `NoPermission`, signature errors), decode errors, oversized bodies, cancellation.
///
/// The wait before attempt `n + 1` (after `n` failures) is exponential backoff with
/// **full jitter** by default: a uniform value in `0...min(cap, base * factor^(n-1))`
/// (`equal` jitter keeps half of it fixed). An `x-acs-retry-after` value is the minimum
/// wait. A wait that would end after the deadline is not slept: the last error is returned.
///
/// Throttling has its own, larger attempt budget (`maxThrottledAttempts`): being asked to
/// slow down is no sign of a broken call, so it is retried for as long as the deadline
/// allows, while other failures give up after `maxAttempts`.
public struct RetryPolicy: Sendable {
    /// How the random part of the wait is drawn.
    public enum Jitter: String, Sendable {
        /// `random(0...d)`: spreads clients best (AWS "full jitter").
        case full
        /// `d/2 + random(0...d/2)`: never waits less than half.
        case equal
        /// Exactly `d` (tests, deterministic demos).
        case none
    }

    /// Attempts in all, including the first; at least 1.
    public var maxAttempts: Int
    /// Attempts in all when the failures are throttling; at least `maxAttempts`.
    public var maxThrottledAttempts: Int
    public var baseDelay: Duration
    public var factor: Double
    public var maxDelay: Duration
    public var jitter: Jitter
    /// The longest `x-acs-retry-after` honoured (a hostile value cannot stall a poll forever).
    public var maxRetryAfter: Duration
    /// A uniform random number in `0..<1`; injectable for tests.
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 4,
        maxThrottledAttempts: Int = 16,
        baseDelay: Duration = .milliseconds(200),
        factor: Double = 2,
        maxDelay: Duration = .seconds(10),
        jitter: Jitter = .full,
        maxRetryAfter: Duration = .seconds(60),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxThrottledAttempts = max(self.maxAttempts, maxThrottledAttempts)
        self.baseDelay = baseDelay
        self.factor = factor
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.random = random
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1, maxThrottledAttempts: 1)

    /// Whether an error is worth another attempt.
    public func isRetryable(_ error: SASAPIError) -> Bool {
        switch error.kind {
        case .timeout, .transport: return true
        case .api(_, _, _, let status): return error.isThrottling || (500...599).contains(status)
        case .deadline, .decode, .pagination, .credentials, .bodyTooLarge, .cancelled: return false
        }
    }

    /// The wait after `failures` failed attempts (1 after the first), before the deadline
    /// check: backoff with jitter, at least the server's `x-acs-retry-after`.
    public func delay(afterFailures failures: Int, error: SASAPIError) -> Duration {
        let exponent = Double(max(0, failures - 1))
        let raw = baseDelay.seconds * pow(factor, exponent)
        let ceiling = min(maxDelay.seconds, raw.isFinite ? raw : maxDelay.seconds)
        let unit = min(max(random(), 0), 1)
        let seconds: Double
        switch jitter {
        case .full: seconds = ceiling * unit
        case .equal: seconds = ceiling / 2 + ceiling / 2 * unit
        case .none: seconds = ceiling
        }
        // Whole nanoseconds: no attosecond noise in logs and comparisons.
        var wait = Duration.nanoseconds(Int64((seconds * 1e9).rounded()))
        if let after = error.retryAfter {
            wait = max(wait, min(after, maxRetryAfter))
        }
        return wait
    }

    /// Decides what follows a failure: the wait before the next attempt, or nil to give up
    /// (not retryable, attempts used up, or the wait would pass the deadline).
    public func nextWait(
        afterFailures failures: Int, error: SASAPIError,
        now: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) -> Duration? {
        let budget = error.isThrottling ? maxThrottledAttempts : maxAttempts
        guard isRetryable(error), failures < budget else { return nil }
        let wait = delay(afterFailures: failures, error: error)
        if let deadline, now + wait >= deadline { return nil }
        return wait
    }

    /// Runs `operation` until it succeeds, fails for good, or the deadline is near.
    ///
    /// - Parameters:
    ///   - operation: one attempt; gets the attempt number (1-based).
    ///   - sleep: waits between attempts; a cancelled sleep ends the loop with `.cancelled`.
    public func run<T>(
        deadline: ContinuousClock.Instant?,
        now: @Sendable () -> ContinuousClock.Instant,
        sleep: @Sendable (Duration) async throws -> Void,
        operation: (Int) async throws(SASAPIError) -> T
    ) async throws(SASAPIError) -> T {
        var failures = 0
        while true {
            do {
                return try await operation(failures + 1)
            } catch {
                failures += 1
                guard let wait = nextWait(afterFailures: failures, error: error, now: now(), deadline: deadline) else {
                    throw error
                }
                do {
                    try await sleep(wait)
                } catch {
                    throw SASAPIError(.cancelled, action: nil, detail: "cancelled while waiting to retry")
                }
            }
        }
    }
}
