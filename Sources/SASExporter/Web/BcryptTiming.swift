import Synchronization

/// How long one bcrypt takes on this machine now, from the checks that really ran.
///
/// bcrypt's work doubles with each cost step (2^cost key expansions), so one figure, the
/// time per round, predicts every cost. It is a moving average over the recent checks, so
/// it follows the machine's load; unknown users are answered after this long (see
/// ``BasicAuthVerifier``).
final class BcryptTiming: Sendable {
    /// The highest cost used to take a first measure when no check ran yet (1/16 of cost 10).
    static let calibrationCost = 6
    /// Weight of the newest measure in the moving average.
    static let weight = 0.3

    private let secondsPerRound = Mutex<Double?>(nil)

    /// Adds the duration of one bcrypt at `cost`.
    func record(cost: Int, took: Duration) {
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        let perRound = seconds / Double(1 << cost)
        secondsPerRound.withLock { value in
            value = value.map { $0 * (1 - Self.weight) + perRound * Self.weight } ?? perRound
        }
    }

    /// The expected duration of one bcrypt at `cost`, nil before any measure.
    func estimate(cost: Int) -> Duration? {
        secondsPerRound.withLock { $0 }.map { .nanoseconds(Int64(($0 * Double(1 << cost) * 1e9).rounded())) }
    }
}
