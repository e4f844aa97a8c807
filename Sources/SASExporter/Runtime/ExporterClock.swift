import Foundation

/// The exporter's one clock: wall time for poll windows and timestamps, monotonic time
/// for ticks, deadlines and durations. Injected everywhere, so tests drive time (the
/// simulator's wall clock, a manual monotonic clock) without sleeping.
///
/// The API client's rate limiter and retry backoff run on its monotonic part too (a test
/// clock drives them); request signatures carry the system's real wall time (the server
/// checks it).
public struct ExporterClock: Sendable {
    /// Wall time, epoch milliseconds.
    public var wallMs: @Sendable () -> Int64
    /// Monotonic now.
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Suspends until `now()` reaches the instant; throws when cancelled.
    public var sleep: @Sendable (ContinuousClock.Instant) async throws -> Void

    public init(
        wallMs: @escaping @Sendable () -> Int64,
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleep: @escaping @Sendable (ContinuousClock.Instant) async throws -> Void
    ) {
        self.wallMs = wallMs
        self.now = now
        self.sleep = sleep
    }

    /// The system's clocks.
    public static let system = ExporterClock(
        wallMs: { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
        now: { ContinuousClock.now },
        sleep: { try await Task.sleep(until: $0, clock: .continuous) }
    )

    /// The system's monotonic clock with another wall clock (tests: the simulator's).
    public static func wall(_ wallMs: @escaping @Sendable () -> Int64) -> ExporterClock {
        var clock = ExporterClock.system
        clock.wallMs = wallMs
        return clock
    }

    /// Wall time in seconds, for timestamps in metrics.
    public var wallSeconds: Double { Double(wallMs()) / 1000 }

    /// Seconds elapsed since a monotonic instant.
    public func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = now() - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
