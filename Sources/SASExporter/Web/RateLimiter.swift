import Synchronization

/// `rate_limit`: one token bucket for the whole listener, as exporter-toolkit's
/// (`golang.org/x/time/rate`, checked before authentication): it holds `burst` tokens,
/// starts full, gains one every `interval`; a request that finds it empty is answered 429.
/// A changed `rate_limit` in the file starts a new, full bucket.
final class RateLimiter: Sendable {
    private struct State {
        var limit: WebConfiguration.RateLimit?
        var tokens: Double = 0
        var last: ContinuousClock.Instant
    }

    private let state: Mutex<State>

    init(now: ContinuousClock.Instant = .now) {
        state = Mutex(State(limit: nil, last: now))
    }

    /// Whether a request may pass now under `limit` (always, when nil).
    func allow(_ limit: WebConfiguration.RateLimit?, now: ContinuousClock.Instant = .now) -> Bool {
        guard let limit else { return true }
        return state.withLock { state in
            if state.limit != limit {
                state = State(limit: limit, tokens: Double(limit.burst), last: now)
            }
            let elapsed = now - state.last
            state.last = max(state.last, now)
            state.tokens = min(Double(limit.burst), state.tokens + elapsed / limit.interval)
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
    }
}
