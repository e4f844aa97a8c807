/// An error the simulated API answers with: HTTP status, Alibaba error code and message.
public struct SimulatedAPIError: Error, Sendable, Equatable {
    public let status: Int
    public let code: String
    public let message: String
    /// Extra response headers (such as `x-acs-retry-after`).
    public let headers: [String: String]

    public init(status: Int, code: String, message: String, headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func incompleteSignature(_ detail: String) -> Self {
        .init(
            status: 400, code: "IncompleteSignature",
            message: "The request signature does not conform to Aliyun standards. \(detail)")
    }

    static func missingParameter(_ name: String) -> Self {
        .init(
            status: 400, code: "MissingParameter",
            message: "The input parameter \"\(name)\" that is mandatory for processing this request is not supplied.")
    }

    static let accessKeyNotFound = Self(
        status: 404, code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found.")

    static func signatureMismatch(stringToSign: String) -> Self {
        .init(
            status: 400, code: "SignatureDoesNotMatch",
            message: "Specified signature is not matched with our calculation. server string to sign is:\(stringToSign)"
        )
    }

    static let timestampExpired = Self(
        status: 400, code: "InvalidTimeStamp.Expired",
        message: "Specified time stamp or date value is expired.")
    static let timestampFormat = Self(
        status: 400, code: "InvalidTimeStamp.Format",
        message: "Specified time stamp or date value is not well formatted.")
    static let nonceUsed = Self(
        status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already.")
    static let invalidSignatureMethod = Self(
        status: 400, code: "InvalidSignatureMethod",
        message: "Specified signature method is not supported.")
    static func invalidAction(_ action: String) -> Self {
        .init(
            status: 404, code: "InvalidAction.NotFound",
            message: "Specified api is not found, please check your url and method.")
    }

    static func invalidVersion(_ version: String) -> Self {
        .init(status: 400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
    }

    static let tokenExpired = Self(
        status: 400, code: "InvalidSecurityToken.Expired", message: "Specified SecurityToken is expired.")
    static let tokenMalformed = Self(
        status: 400, code: "InvalidSecurityToken.Malformed", message: "Specified SecurityToken is malformed.")
    static let tokenMismatch = Self(
        status: 400, code: "InvalidSecurityToken.MismatchWithAccessKey",
        message: "Specified SecurityToken mismatch with the AccessKey.")
    static let noPermission = Self(status: 403, code: "NoPermission", message: "caller has no permission")

    static func paramIllegal(_ detail: String) -> Self {
        .init(status: 400, code: "CspmParamIllegal", message: "The parameter is not legal. \(detail).")
    }

    static let serverError = Self(status: 500, code: "ServerError", message: "ServerError")
    static let unavailable = Self(
        status: 503, code: "ServiceUnavailable",
        message: "The request has failed due to a temporary failure of the server.")

    static func throttled(retryAfterMs: Int) -> Self {
        .init(
            status: 400, code: "Throttling.User", message: "Request was denied due to user flow control.",
            headers: ["x-acs-retry-after": String(retryAfterMs)])
    }
}
