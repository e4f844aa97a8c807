import SASAPI
import SASMetrics
import Synchronization

/// One account's API call counters and latency histograms
/// (`alibabacloud_sas_api_requests_total`, `alibabacloud_sas_api_request_duration_seconds`).
///
/// The account's client reports to it directly (it is the client's observer); it belongs
/// to the account's state and is handed to the client of a poller restarted by a reload,
/// so the counters never reset.
public final class APICallMetrics: APICallObserver {
    /// The labels of `alibabacloud_sas_api_requests_total`.
    public struct Key: Sendable, Hashable {
        public var action: String
        public var code: String
    }

    /// Counts and histograms at one moment.
    public struct Snapshot: Sendable, Equatable {
        public var requests: [Key: UInt64] = [:]
        public var latency: [String: Histogram] = [:]

        /// Every attempt so far, all outcomes.
        public var total: UInt64 { requests.values.reduce(0, &+) }
    }

    /// Buckets of `alibabacloud_sas_api_request_duration_seconds`.
    public static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private let state = Mutex(Snapshot())

    public init() {}

    public func apiCallFinished(action: String, code: String, seconds: Double?) {
        state.withLock { state in
            state.requests[Key(action: action, code: code), default: 0] &+= 1
            if let seconds {
                state.latency[action, default: Histogram(bounds: Self.latencyBounds)].observe(seconds)
            }
        }
    }

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }
}
