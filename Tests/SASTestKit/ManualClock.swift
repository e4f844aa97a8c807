import SASExporter
import Synchronization

/// A monotonic clock that stands still until a test advances it: the exporter's ticks and
/// poll deadlines then happen exactly when the test says, with no sleeping.
///
/// A sleep shorter than `autoAdvance` (a rate-limit wait, a short retry backoff; default
/// 2 s, keep it below every tick interval of the test) moves the clock itself, wakes whatever became due, and returns at once: a poll
/// of 500 calls at 10 per second then takes 50 s of this clock and a few of the test's.
/// Longer sleeps (the ticks, the poll deadline) wait for `advance`.
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

    public init(autoAdvance: Duration = .seconds(2)) {
        self.autoAdvance = autoAdvance
    }

    /// Now, on this clock.
    public func now() -> ContinuousClock.Instant {
        base.advanced(by: state.withLock { $0.offset })
    }

    /// Moves time forward and wakes every sleeper whose instant has come.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state in
            state.offset += duration
            return Self.due(&state, now: base.advanced(by: state.offset))
        }
        for continuation in woken { continuation.resume() }
    }

    /// Removes and returns the sleepers whose instant has come.
    private static func due(_ state: inout State, now: ContinuousClock.Instant) -> [CheckedContinuation<
        Void, any Error
    >] {
        let due = state.sleepers.filter { $0.value.deadline <= now }
        for id in due.keys { state.sleepers[id] = nil }
        return due.values.map(\.continuation)
    }

    /// The instants tasks are sleeping until, earliest first.
    public var sleepingUntil: [ContinuousClock.Instant] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }

    /// Waits (bounded, in real time) until exactly `count` tasks sleep on this clock, all
    /// until no later than `within` from now: pollers idle on their next tick, no poll
    /// running (a running poll's deadline timer sleeps much longer).
    public func idle(sleepers count: Int, within: Duration, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout) {
            let sleeping = sleepingUntil
            return sleeping.count == count && sleeping.allSatisfy { $0 <= now().advanced(by: within) }
        }
    }

    /// Sleeps until the clock reaches `deadline`; throws `CancellationError` when cancelled.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextId += 1 }
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                var woken: [CheckedContinuation<Void, any Error>] = []
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let now = base.advanced(by: state.offset)
                    if now >= deadline { return .success(()) }
                    if deadline - now < autoAdvance {
                        state.offset += deadline - now
                        woken = Self.due(&state, now: deadline)
                        return .success(())
                    }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                for other in woken { other.resume() }
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
