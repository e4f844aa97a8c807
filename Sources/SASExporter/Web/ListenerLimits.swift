#if canImport(Glibc)
    import Glibc
#endif

/// The numbers that keep slow, idle, oversized or numerous clients from starving the
/// listener (and Prometheus's scrapes). docs/web-config.md lists them with measurements.
public struct ListenerLimits: Sendable {
    /// Connections open at once. A new connection at the limit closes the connection that
    /// has waited longest without a request in progress (idle, or still sending its request
    /// head); when every connection is busy, the new one is closed instead.
    public var maxConnections = 1024
    /// A connection with no request in progress and nothing sent is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// A request head (TLS handshake included, for the first request of a connection) must
    /// arrive complete within this of its first byte (of the connection's start); slow
    /// senders (slowloris) are closed then.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// Bytes of one header line (name and value); beyond, the answer is 431.
    public var maxHeaderFieldSize = 16 * 1024
    /// Bytes of all header lines of a request; beyond, the answer is 431.
    public var maxHeaderListSize = 64 * 1024
    /// Header lines in a request; beyond, the answer is 431.
    public var maxHeaderFieldCount = 100
    /// Bytes of request body accepted on ``reloadPath`` (and ignored); every other path
    /// accepts none. A larger or unexpected body is answered 413.
    public var maxReloadBodySize = 1024

    /// The only path that takes a request body (`POST`/`PUT /-/reload`).
    public static let reloadPath = "/-/reload"

    public init() {}

    /// ``maxConnections``, lowered so that connections leave at least 64 descriptors of
    /// the process's soft `RLIMIT_NOFILE` for everything else.
    var effectiveMaxConnections: Int {
        #if os(Linux)
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
                return maxConnections
            }
            return max(1, min(maxConnections, Int(clamping: limit.rlim_cur) - 64))
        #else
            return maxConnections
        #endif
    }
}
