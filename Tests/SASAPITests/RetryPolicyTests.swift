import Synchronization
import Testing

@testable import SASAPI

/// A manual clock: `sleep` records the wait and moves time forward.
final class ManualClock: Sendable {
    let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)
    private let slept = Mutex<[Duration]>([])

    var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
    var sleeps: [Duration] { slept.withLock { $0 } }

    func sleep(_ duration: Duration) {
        slept.withLock { $0.append(duration) }
        offset.withLock { $0 += duration }
    }
}

func apiError(_ code: String?, _ status: Int, retryAfter: Duration? = nil) -> SASAPIError {
    SASAPIError(.api(code: code, message: nil, requestId: nil, httpStatus: status), retryAfter: retryAfter)
}

@Suite("Retry policy")
struct RetryPolicyTests {
    static let policy = RetryPolicy(random: { 0.5 })

    @Test func retryableErrors() {
        let p = Self.policy
        #expect(p.isRetryable(apiError("Throttling", 400)))
        #expect(p.isRetryable(apiError("Throttling.User", 400)))
        #expect(p.isRetryable(apiError("Throttling.Api", 400)))
        #expect(p.isRetryable(apiError(nil, 429)))
        #expect(p.isRetryable(apiError("ServiceUnavailable", 503)))
        #expect(p.isRetryable(apiError("ServerError", 500)))
        #expect(p.isRetryable(apiError(nil, 502)))
        #expect(p.isRetryable(apiError("Whatever", 400, retryAfter: .milliseconds(10))))
        #expect(p.isRetryable(SASAPIError(.timeout)))
        #expect(p.isRetryable(SASAPIError(.transport)))
    }

    @Test func nonRetryableErrors() {
        let p = Self.policy
        #expect(!p.isRetryable(apiError("CspmParamIllegal", 400)))
        #expect(!p.isRetryable(apiError("NoPermission", 403)))
        #expect(!p.isRetryable(apiError("SignatureDoesNotMatch", 400)))
        #expect(!p.isRetryable(apiError("InvalidAccessKeyId.NotFound", 404)))
        #expect(!p.isRetryable(SASAPIError(.decode(path: "x"))))
        #expect(!p.isRetryable(SASAPIError(.bodyTooLarge(limit: 1))))
        #expect(!p.isRetryable(SASAPIError(.credentials)))
        #expect(!p.isRetryable(SASAPIError(.cancelled)))
    }

    @Test func fullJitterBackoff() {
        let error = SASAPIError(.transport)
        let waits = (1...8).map { Self.policy.delay(afterFailures: $0, error: error) }
        #expect(
            waits == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                .milliseconds(1600), .milliseconds(3200), .milliseconds(5000), .milliseconds(5000),
            ])
        let zero = RetryPolicy(random: { 0 })
        #expect(zero.delay(afterFailures: 3, error: error) == .zero)
    }

    @Test func equalAndNoJitter() {
        let error = SASAPIError(.transport)
        let equal = RetryPolicy(jitter: .equal, random: { 0.5 })
        #expect(equal.delay(afterFailures: 1, error: error) == .milliseconds(150))
        #expect(equal.delay(afterFailures: 20, error: error) == .milliseconds(7500))
        let none = RetryPolicy(jitter: .none)
        #expect(none.delay(afterFailures: 2, error: error) == .milliseconds(400))
    }

    @Test func retryAfterIsTheMinimumWait() {
        let throttled = apiError("Throttling.User", 400, retryAfter: .milliseconds(3000))
        #expect(Self.policy.delay(afterFailures: 1, error: throttled) == .seconds(3))
        let short = apiError("Throttling.User", 400, retryAfter: .milliseconds(10))
        #expect(Self.policy.delay(afterFailures: 1, error: short) == .milliseconds(100))
        let hostile = apiError(nil, 429, retryAfter: .seconds(86_400))
        #expect(Self.policy.delay(afterFailures: 1, error: hostile) == .seconds(60))
    }

    @Test func stopsAtMaxAttempts() async {
        let clock = ManualClock()
        let attempts = Mutex(0)
        var thrown: SASAPIError?
        do {
            _ = try await Self.policy.run(deadline: nil, now: { clock.now }, sleep: { clock.sleep($0) }) {
                _ throws(SASAPIError) -> Int in
                attempts.withLock { $0 += 1 }
                throw apiError("ServerError", 500)
            }
        } catch {
            thrown = error
        }
        #expect(attempts.withLock { $0 } == 4)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        #expect(thrown?.apiCode == "ServerError")
    }

    @Test func throttlingIsRetriedUntilTheDeadlineNotJustMaxAttempts() async {
        let clock = ManualClock()
        let attempts = Mutex(0)
        let deadline = clock.now.advanced(by: .seconds(30))
        do {
            _ = try await Self.policy.run(deadline: deadline, now: { clock.now }, sleep: { clock.sleep($0) }) {
                _ throws(SASAPIError) -> Int in
                attempts.withLock { $0 += 1 }
                throw apiError("Throttling.User", 400)
            }
            Issue.record("a call throttled forever cannot succeed")
        } catch {
            #expect(error.apiCode == "Throttling.User")
        }
        let made = attempts.withLock { $0 }
        #expect(made > Self.policy.maxAttempts, "throttling gets more attempts than other failures")
        #expect(made <= Self.policy.maxThrottledAttempts)
        #expect(clock.now <= deadline, "and never waits past the deadline")
    }

    @Test func succeedsAfterRetries() async throws {
        let clock = ManualClock()
        let attempts = Mutex(0)
        let value = try await Self.policy.run(deadline: nil, now: { clock.now }, sleep: { clock.sleep($0) }) {
            attempt throws(SASAPIError) -> Int in
            attempts.withLock { $0 += 1 }
            if attempt < 3 { throw apiError("Throttling.User", 400) }
            return attempt
        }
        #expect(value == 3)
        #expect(clock.sleeps.count == 2)
    }

    @Test func noRetryOnClientErrors() async {
        for error in [apiError("CspmParamIllegal", 400), apiError("NoPermission", 403)] {
            let clock = ManualClock()
            let attempts = Mutex(0)
            let thrown = await caught {
                try await Self.policy.run(deadline: nil, now: { clock.now }, sleep: { clock.sleep($0) }) {
                    _ throws(SASAPIError) -> Int in
                    attempts.withLock { $0 += 1 }
                    throw error
                }
            }
            #expect(thrown == error)
            #expect(attempts.withLock { $0 } == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test func neverSleepsPastTheDeadline() async {
        let clock = ManualClock()
        let deadline = clock.start + .milliseconds(250)
        let attempts = Mutex(0)
        do {
            _ = try await Self.policy.run(deadline: deadline, now: { clock.now }, sleep: { clock.sleep($0) }) {
                _ throws(SASAPIError) -> Int in
                attempts.withLock { $0 += 1 }
                throw SASAPIError(.timeout)
            }
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .timeout)
        }
        // 100 ms, then 200 ms would end at 300 ms > 250 ms: stop after two attempts.
        #expect(attempts.withLock { $0 } == 2)
        #expect(clock.sleeps == [.milliseconds(100)])
        #expect(clock.now <= deadline)
    }

    @Test func retryAfterBeyondTheDeadlineIsNotSlept() {
        let now = ContinuousClock.now
        let error = apiError("Throttling", 400, retryAfter: .seconds(5))
        #expect(Self.policy.nextWait(afterFailures: 1, error: error, now: now, deadline: now + .seconds(4)) == nil)
        #expect(
            Self.policy.nextWait(afterFailures: 1, error: error, now: now, deadline: now + .seconds(6)) == .seconds(5))
    }
}
