/// How long a `RefreshingCredentialProvider` leaves a failing source alone before asking it
/// again, so that a broken STS or metadata service is not called at the rate of API calls.
///
/// After the `n`-th failure in a row the next attempt waits `d/2 + random·d/2` with
/// `d = min(maxDelay, initialDelay · factor^(n-1))`: 0.5–1 s, 1–2 s, 2–4 s, … up to
/// 30–60 s by default. (alibabacloud-credentials 1.0.12 waits a random 1–10 s after a failed
/// refresh of cached ECS credentials, `max(10 s, 2^(n-1)·100 ms)` at most; credentials-go
/// retries on every call.) During the wait, callers get the cached credentials while they
/// are still valid, else the last error at once.
public struct RefreshBackoff: Sendable {
    public var initialDelay: Duration
    public var factor: Double
    public var maxDelay: Duration
    /// A uniform random number in `0..<1`; injectable for tests.
    public var random: @Sendable () -> Double

    public init(
        initialDelay: Duration = .seconds(1), factor: Double = 2, maxDelay: Duration = .seconds(60),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.initialDelay = initialDelay
        self.factor = max(1, factor)
        self.maxDelay = max(initialDelay, maxDelay)
        self.random = random
    }

    /// The wait after `failures` failures in a row (1 after the first).
    public func delay(afterFailures failures: Int) -> Duration {
        let cap = maxDelay.seconds
        var ceiling = initialDelay.seconds
        for _ in 1..<max(1, failures) where ceiling < cap { ceiling *= factor }
        ceiling = min(ceiling, cap)
        let unit = min(max(random(), 0), 1)
        return .milliseconds(Int64((ceiling / 2 + unit * ceiling / 2) * 1000))
    }
}
