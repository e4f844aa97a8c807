import SASExporter
import Synchronization

/// A monotonic clock that stands still until a test advances it: the exporter's ticks and
/// poll deadlines then happen exactly when the test says, with no sleeping.
///
/// With `autoAdvance`, a sleep no longer than it (a rate-limit wait, a retry backoff)
/// moves the clock itself and returns at once: a poll of 500 calls at 10 per second then
/// takes 50 s of this clock and a few of the test's. Longer sleeps (the ticks, the poll
/// deadline) still wait for `advance`.
public final class ManualClock: Sendable {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var offset: Duration = .zero
        var sleepers: [UInt64: Sleeper] = [:]
        var nextId: UInt64 = 0
    }

    private let base = ContinuousClock.now
    private let state = Mutex(State())
    private let autoAdvance: Duration

    public init(autoAdvance: Duration = .zero) {
        self.autoAdvance = autoAdvance
    }

    /// Now, on this clock.
    public func now() -> ContinuousClock.Instant {
        base.advanced(by: state.withLock { $0.offset })
    }

    /// Moves time forward and wakes every sleeper whose instant has come.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.offset += duration
            let now = base.advanced(by: state.offset)
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// The instants tasks are sleeping until, earliest first.
    public var sleepingUntil: [ContinuousClock.Instant] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }

    /// Sleeps until the clock reaches `deadline`; throws `CancellationError` when cancelled.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextId += 1 }
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let now = base.advanced(by: state.offset)
                    if now >= deadline { return .success(()) }
                    if deadline - now <= autoAdvance {
                        state.offset += deadline - now
                        return .success(())
                    }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// An exporter clock on this monotonic clock and the given wall clock.
    public func exporterClock(wallMs: @escaping @Sendable () -> Int64) -> ExporterClock {
        ExporterClock(wallMs: wallMs, now: { self.now() }, sleep: { try await self.sleep(until: $0) })
    }
}
