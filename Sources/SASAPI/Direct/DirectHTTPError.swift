/// Why an exchange of `DirectHTTPClient` failed before a complete response.
public enum DirectHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection within the connect timeout.
    case connectTimeout
    /// No response bytes for the read timeout while a response was awaited.
    case readTimeout
    /// The exchange's deadline passed.
    case deadlineExceeded
    /// The body grew past the cap (bytes).
    case bodyTooLarge(limit: Int)
    /// The connection closed before the response ended.
    case connectionClosed
    /// The caller's task was cancelled.
    case cancelled
    /// A kept connection failed before any byte of the response arrived (most likely the
    /// server closed it while it was idle): send the request again, signed anew, on a new
    /// connection (`post(..., reuse: false)`). Carries the underlying error's text.
    case staleConnection(String)

    public var description: String {
        switch self {
        case .connectTimeout: "connectTimeout: no connection within the connect timeout"
        case .readTimeout: "readTimeout: no response bytes within the read timeout"
        case .deadlineExceeded: "deadlineExceeded: the attempt's deadline passed"
        case .bodyTooLarge(let limit): "the response body is over \(limit) bytes"
        case .connectionClosed: "the connection closed before the response ended"
        case .cancelled: "cancelled"
        case .staleConnection(let cause): "a kept connection failed before the response: \(cause)"
        }
    }
}
