import NIOCore
import Synchronization

/// The listener's open connections, and the cap on their number.
///
/// At the cap, a new connection evicts the connection that has waited longest without a
/// request in progress (an idle keep-alive connection, or one still trickling its request
/// head): the oldest such connection is the one most likely to be abuse, and a scrape's own
/// connection is busy from its first packet. When all are busy, the new one is closed.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        var busy: Bool
        var since: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var evicted = 0
        var refused = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Registers a new connection; at the cap, first closes the longest-waiting connection
    /// without a request in progress. False when there was none: close the new one.
    func admit(_ channel: any Channel, now: ContinuousClock.Instant = .now) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admitted, victim): (Bool, (any Channel)?) = state.withLock { state in
            var victim: (any Channel)?
            if state.entries.count >= limit {
                guard let oldest = state.entries.filter({ !$0.value.busy }).min(by: { $0.value.since < $1.value.since })
                else {
                    state.refused += 1
                    return (false, nil)
                }
                state.entries[oldest.key] = nil
                state.evicted += 1
                victim = oldest.value.channel
            }
            state.entries[id] = Entry(channel: channel, busy: false, since: now)
            return (true, victim)
        }
        victim?.close(promise: nil)
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in remove(id) }
        return true
    }

    /// Records whether the connection has a request in progress (and since when not).
    func update(_ channel: any Channel, busy: Bool, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard state.entries[ObjectIdentifier(channel)] != nil else { return }
            state.entries[ObjectIdentifier(channel)]?.busy = busy
            if !busy { state.entries[ObjectIdentifier(channel)]?.since = now }
        }
    }

    private func remove(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Connections open now.
    var count: Int { state.withLock { $0.entries.count } }
    /// Connections closed to make room, and new ones refused, since start.
    var evictions: (evicted: Int, refused: Int) { state.withLock { ($0.evicted, $0.refused) } }
}
