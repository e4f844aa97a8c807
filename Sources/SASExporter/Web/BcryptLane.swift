import NIOPosix
import Synchronization

/// The bcrypt thread and its bounded queue.
///
/// Every bcrypt of the process runs on one dedicated thread, so a flood of bad passwords
/// takes one core, never the event loops. At most `limit` checks are admitted at once (one
/// running, the rest waiting); a check beyond that is refused at once instead of waiting,
/// so the queue, and the time a fresh login can wait in it, stay bounded.
final class BcryptLane: Sendable {
    /// Checks admitted at once by default: one running and three waiting.
    static let defaultLimit = 4

    let limit: Int
    private let pool: NIOThreadPool
    private let admitted = Mutex(0)

    init(limit: Int = BcryptLane.defaultLimit, pool: NIOThreadPool = BcryptLane.thread) {
        self.limit = max(1, limit)
        self.pool = pool
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

    /// One thread for every bcrypt in the process, started once and kept for its life.
    static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()
}
