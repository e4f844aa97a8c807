import Synchronization

/// A bounded set of (user, stored hash, password digest) triples that bcrypt already
/// accepted, so a scrape every few seconds does not pay bcrypt each time. Only successes
/// are kept; when full, the oldest entry leaves.
final class VerificationCache: Sendable {
    struct Key: Hashable, Sendable {
        let user: String
        let storedHash: String
        /// HMAC-SHA256 of the password under a per-process random key (never the password).
        let passwordDigest: [UInt8]
    }

    private struct State {
        var entries: Set<Key> = []
        var order: [Key] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func contains(_ key: Key) -> Bool {
        state.withLock { $0.entries.contains(key) }
    }

    func insert(_ key: Key) {
        state.withLock { state in
            guard state.entries.insert(key).inserted else { return }
            state.order.append(key)
            while state.order.count > capacity {
                state.entries.remove(state.order.removeFirst())
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
