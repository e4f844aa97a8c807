import Foundation
import Synchronization

/// The simulator's notion of "now", in epoch milliseconds of simulated time.
///
/// Real-time mode runs `timeScale` simulated seconds per real second from the moment the
/// clock is made; manual mode stands still until `advance(by:)`. Both accept `advance`.
public final class SimulatorClock: Sendable {
    private struct State {
        var offsetMs: Double
    }

    private let startSimulatedMs: Int64
    private let startRealMs: Int64
    private let timeScale: Double
    private let manual: Bool
    private let state = Mutex(State(offsetMs: 0))

    /// A clock that follows the wall clock, `timeScale` simulated seconds per real second,
    /// starting at `startMs` (default: the current wall time).
    public init(timeScale: Double = 1, startMs: Int64? = nil) {
        let now = SimulatorClock.wallClockMs()
        self.startRealMs = now
        self.startSimulatedMs = startMs ?? now
        self.timeScale = timeScale
        self.manual = false
    }

    /// A clock that stands at `startMs` until advanced.
    public static func manual(startMs: Int64) -> SimulatorClock {
        SimulatorClock(manualStartMs: startMs)
    }

    private init(manualStartMs: Int64) {
        self.startRealMs = 0
        self.startSimulatedMs = manualStartMs
        self.timeScale = 0
        self.manual = true
    }

    /// Whether the clock only moves with `advance(by:)`.
    public var isManual: Bool { manual }

    /// Simulated now, epoch milliseconds.
    public var nowMs: Int64 {
        let offset = state.withLock { $0.offsetMs }
        if manual {
            return startSimulatedMs + Int64(offset)
        }
        let elapsed = Double(SimulatorClock.wallClockMs() - startRealMs) * timeScale
        return startSimulatedMs + Int64(elapsed + offset)
    }

    /// Moves simulated time forward (or back, with a negative value).
    public func advance(by seconds: Double) {
        state.withLock { $0.offsetMs += seconds * 1000 }
    }

    /// The real wall clock, epoch milliseconds.
    public static func wallClockMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
