import Synchronization

/// Collects API call outcomes as the client reports them, so the poller can publish
/// them with the poll. Thread-safe: the client reports from concurrent calls.
public final class APICallRecorder: Sendable {
    private let calls = Mutex<[(action: String, code: String, seconds: Double)]>([])

    public init() {}

    /// Records one call attempt.
    public func record(action: String, code: String, seconds: Double) {
        calls.withLock { $0.append((action, code, seconds)) }
    }

    /// Moves the recorded calls into `health`; returns how many there were (every page of
    /// every call, retries included).
    @discardableResult
    func drain(into health: inout AccountHealth) -> Int {
        let taken = calls.withLock { calls in
            defer { calls.removeAll(keepingCapacity: true) }
            return calls
        }
        for call in taken { health.recordCall(action: call.action, code: call.code, seconds: call.seconds) }
        return taken.count
    }
}
