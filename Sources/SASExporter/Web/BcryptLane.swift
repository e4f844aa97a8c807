import NIOPosix
import Synchronization

/// The bcrypt thread and its bounded queue.
///
/// Every bcrypt of a listener runs on its lane's one dedicated thread (the exporter has
/// one listener, so one thread), so a flood of bad passwords takes one core, never the
/// event loops. At most `limit` checks are admitted at once (one running, the rest
/// waiting); a check beyond that is refused at once instead of waiting, so the queue, and
/// the time a fresh login can wait in it, stay bounded.
final class BcryptLane: Sendable {
    /// Checks admitted at once by default: one running and three waiting.
    static let defaultLimit = 4

    let limit: Int
    private let pool: NIOThreadPool
    private let admitted = Mutex(0)

    /// A lane with a thread of its own, stopped when the lane goes.
    init(limit: Int = BcryptLane.defaultLimit) {
        self.limit = max(1, limit)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        self.pool = pool
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// Checks admitted now (running or waiting).
    var load: Int { admitted.withLock { $0 } }

    /// Whether a new check would be refused.
    var isFull: Bool { load >= limit }

    /// Runs `work` on the bcrypt thread and returns its result with the time it took, or
    /// nil at once when `limit` checks are already admitted (or the thread is gone).
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> (value: T, took: Duration)? {
        let entered = admitted.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard entered else { return nil }
        defer { admitted.withLock { $0 -= 1 } }
        return try? await pool.runIfActive {
            let clock = ContinuousClock()
            var value: T?
            let took = clock.measure { value = work() }
            return value.map { ($0, took) }
        }
    }
}
