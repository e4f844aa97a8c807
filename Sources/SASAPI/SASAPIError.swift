import SASModels

/// Every failure of the API client. Descriptions never contain secrets.
public struct SASAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The API answered an error: its `Code` (nil when the body had none), `Message`,
        /// `RequestId` and the HTTP status.
        case api(code: String?, message: String?, requestId: String?, httpStatus: Int)
        /// The call did not finish before its deadline (connect, read or overall).
        case timeout
        /// The poll's deadline left no time to send the request (rate-limit wait, or the
        /// deadline already passed).
        case deadline
        /// The connection failed or broke.
        case transport
        /// A 2xx body that could not be decoded; `path` names the field (`ProcessDetails[0].StartTime`).
        case decode(path: String)
        /// The pages of a listing did not fit together.
        case pagination
        /// No credentials could be obtained.
        case credentials
        /// The response body was larger than the configured cap.
        case bodyTooLarge(limit: Int)
        /// The calling task was cancelled.
        case cancelled
    }

    public let kind: Kind
    /// The action called (`ListOperationProcessDetail`), when known.
    public var action: String?
    /// A human-readable detail without secrets.
    public var detail: String
    /// The minimum wait the server asked for (`x-acs-retry-after`).
    public var retryAfter: Duration?

    public init(_ kind: Kind, action: String? = nil, detail: String = "", retryAfter: Duration? = nil) {
        self.kind = kind
        self.action = action
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// The `code` label of `alibabacloud_sas_api_requests_total`: the API error code,
    /// `timeout`, `deadline`, `transport`, `decode`, `body_too_large`, `pagination`,
    /// `credentials`, `cancelled`; `http_<status>` for an error response without a code.
    public var metricCode: String {
        switch kind {
        case .api(let code, _, _, let status): code.flatMap { $0.isEmpty ? nil : $0 } ?? "http_\(status)"
        case .timeout: "timeout"
        case .deadline: "deadline"
        case .transport: "transport"
        case .decode: "decode"
        case .pagination: "pagination"
        case .credentials: "credentials"
        case .bodyTooLarge: "body_too_large"
        case .cancelled: "cancelled"
        }
    }

    /// The API error code, if this is an API error that carried one.
    public var apiCode: String? {
        if case .api(let code, _, _, _) = kind { return code }
        return nil
    }

    /// The HTTP status of an API error.
    public var httpStatus: Int? {
        if case .api(_, _, _, let status) = kind { return status }
        return nil
    }

    /// Whether the server asked to slow down: a `Throttling*` code, HTTP 429 or 503, or an
    /// `x-acs-retry-after` header.
    public var isThrottling: Bool {
        guard case .api(let code, _, _, let status) = kind else { return false }
        return retryAfter != nil || status == 429 || status == 503 || (code?.hasPrefix("Throttling") ?? false)
    }

    public var description: String {
        let prefix = action.map { "\($0): " } ?? ""
        let body: String
        switch kind {
        case .api(let code, let message, let requestId, let status):
            var text = "API error \(code ?? "(no code)") (HTTP \(status))"
            if let message, !message.isEmpty { text += ": \(message)" }
            if let requestId { text += " [RequestId \(requestId)]" }
            body = text
        case .timeout: body = "timed out"
        case .deadline: body = "no time left before the poll's deadline"
        case .transport: body = "transport error"
        case .decode(let path): body = path.isEmpty ? "undecodable response" : "undecodable response field \(path)"
        case .pagination: body = "inconsistent pagination"
        case .credentials: body = "no credentials"
        case .bodyTooLarge(let limit): body = "response body larger than \(limit) bytes"
        case .cancelled: body = "cancelled"
        }
        return detail.isEmpty ? prefix + body : "\(prefix)\(body): \(detail)"
    }
}
