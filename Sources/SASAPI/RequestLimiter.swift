/// Per-account limits: at most `maxConcurrent` calls in flight and a token bucket of
/// `ratePerSecond` sustained requests with bursts of `burst`.
///
/// Tokens are reserved ahead (each caller learns how long to wait and sleeps outside the
/// actor), so waiting never blocks the actor and a cancelled waiter frees nothing it held.
actor RequestLimiter {
    private let maxConcurrent: Int
    private let ratePerSecond: Double
    private let burst: Double
    private var inFlight = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterId: UInt64 = 0
    private var tokens: Double
    private var lastRefill: ContinuousClock.Instant?

    init(maxConcurrent: Int, ratePerSecond: Double, burst: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.ratePerSecond = ratePerSecond
        self.burst = Double(max(1, burst))
        self.tokens = Double(max(1, burst))
    }

    /// Takes one token and returns how long to wait until it is valid (zero when one was
    /// available). With a non-positive rate there is no rate limit.
    func reserveToken(now: ContinuousClock.Instant) -> Duration {
        guard ratePerSecond > 0 else { return .zero }
        if let lastRefill {
            let elapsed = (now - lastRefill).seconds
            if elapsed > 0 {
                tokens = min(burst, tokens + elapsed * ratePerSecond)
                self.lastRefill = now
            }
        } else {
            lastRefill = now
        }
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / ratePerSecond)
    }

    /// Waits for a concurrency slot; throws `CancellationError` when the task is cancelled.
    func acquireSlot() async throws {
        if inFlight < maxConcurrent {
            inFlight += 1
            return
        }
        let id = nextWaiterId
        nextWaiterId += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a slot back, handing it straight to the oldest waiter.
    func releaseSlot() {
        if waiters.isEmpty {
            inFlight = max(0, inFlight - 1)
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Calls in flight now (tests).
    var currentInFlight: Int { inFlight }
}
