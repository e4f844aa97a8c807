import SASSigning

/// What is known about a call, filled in as verification proceeds (for the request log).
struct CallContext {
    var action = "unknown"
    var accessKeyId = ""
    var signature = "none"
    var page: Int?
}

/// A call whose signature, date, nonce and token verified.
struct AuthenticatedCall {
    let action: String
    let version: String
    /// Every query parameter (for RPC including the signature ones).
    let parameters: [QueryParameter]
    let accessKeyId: String
    let key: Simulator.KeyKind
}

extension Simulator {
    /// Verifies a V3 (`Authorization: ACS3-HMAC-SHA256 ...`) or RPC (`Signature=` in the
    /// query) request exactly as the server would rebuild it from what arrived.
    ///
    /// Order of checks: required fields (`IncompleteSignature`, `MissingParameter`), the
    /// key (`InvalidAccessKeyId.NotFound`), the date (`InvalidTimeStamp.*`), the signature
    /// (`SignatureDoesNotMatch`), the STS token (`InvalidSecurityToken.*`), the nonce
    /// (`SignatureNonceUsed`). A nonce is only remembered once the signature verified.
    func authenticate(_ request: WireRequest, context: inout CallContext) throws(SimulatedAPIError) -> AuthenticatedCall
    {
        if let authorization = request.header("authorization") {
            context.signature = "v3"
            return try authenticateV3(request, authorization: authorization, context: &context)
        }
        var parameters = request.queryParameters
        if request.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            !request.body.isEmpty
        {
            parameters += QueryString.parse(String(decoding: request.body, as: UTF8.self)[...])
        }
        if parameters.first("Signature") != nil || parameters.first("SignatureMethod") != nil {
            context.signature = "rpc"
            return try authenticateRPC(request, parameters: parameters, context: &context)
        }
        if let action = parameters.first("Action") ?? request.header("x-acs-action") { context.action = action }
        throw .incompleteSignature("Neither an Authorization header nor a Signature parameter was sent.")
    }

    private func authenticateV3(
        _ request: WireRequest, authorization: String, context: inout CallContext
    ) throws(SimulatedAPIError) -> AuthenticatedCall {
        let action = request.header("x-acs-action")
        if let action { context.action = action }
        guard let parsed = ACS3Signer.parseAuthorization(authorization) else {
            throw .incompleteSignature(
                "The Authorization header is not ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=....")
        }
        context.accessKeyId = parsed.accessKeyId
        for name in [
            "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "host",
        ] {
            guard request.header(name) != nil else { throw .incompleteSignature("Header \(name) is missing.") }
        }
        let signed = Set(parsed.signedHeaders.map { $0.lowercased() })
        for header in request.headers
        where (header.name.hasPrefix("x-acs-") || header.name == "host") && !signed.contains(header.name) {
            throw .incompleteSignature("Header \(header.name) must be signed.")
        }
        var signedHeaders: [HTTPHeader] = []
        for name in parsed.signedHeaders {
            guard let value = request.header(name) else {
                throw .incompleteSignature("Signed header \(name) is missing.")
            }
            signedHeaders.append(HTTPHeader(name, value))
        }
        guard let key = key(parsed.accessKeyId) else { throw .accessKeyNotFound }
        try checkTimestamp(request.header("x-acs-date") ?? "")
        let hashedPayload = request.header("x-acs-content-sha256") ?? ""
        let canonical = ACS3Signer.canonicalRequest(
            method: request.method, path: request.path, query: request.queryParameters,
            headers: signedHeaders, hashedPayload: hashedPayload
        )
        let toSign = ACS3Signer.stringToSign(canonicalRequest: canonical)
        let expected = ACS3Signer.signature(stringToSign: toSign, secret: Secret(key.secret))
        guard constantTimeEquals(expected, parsed.signature) else { throw .signatureMismatch(stringToSign: toSign) }
        guard hashedPayload == ACS3Signer.payloadHash(request.body) else {
            throw SimulatedAPIError(
                status: 400, code: "SignatureDoesNotMatch",
                message: "x-acs-content-sha256 does not match the SHA-256 of the request body.")
        }
        try checkToken(request.header("x-acs-security-token"), key: key, accessKeyId: parsed.accessKeyId)
        guard
            useNonce(
                request.header("x-acs-signature-nonce") ?? "", accessKeyId: parsed.accessKeyId,
                nowMs: SimulatorClock.wallClockMs())
        else { throw .nonceUsed }
        return AuthenticatedCall(
            action: action ?? "", version: request.header("x-acs-version") ?? "",
            parameters: request.queryParameters, accessKeyId: parsed.accessKeyId, key: key
        )
    }

    private func authenticateRPC(
        _ request: WireRequest, parameters: [QueryParameter], context: inout CallContext
    ) throws(SimulatedAPIError) -> AuthenticatedCall {
        if let action = parameters.first("Action") { context.action = action }
        if let id = parameters.first("AccessKeyId") { context.accessKeyId = id }
        for name in ["Signature", "AccessKeyId", "SignatureMethod"] where parameters.first(name) == nil {
            throw .incompleteSignature("Parameter \(name) is missing.")
        }
        for name in ["Action", "Version", "Timestamp", "SignatureNonce"] where parameters.first(name) == nil {
            throw .missingParameter(name)
        }
        guard parameters.first("SignatureMethod") == RPCSigner.signatureMethod else { throw .invalidSignatureMethod }
        let accessKeyId = parameters.first("AccessKeyId") ?? ""
        guard let key = key(accessKeyId) else { throw .accessKeyNotFound }
        try checkTimestamp(parameters.first("Timestamp") ?? "")
        let toSign = RPCSigner.stringToSign(method: request.method, parameters: parameters)
        let expected = RPCSigner.signature(stringToSign: toSign, secret: Secret(key.secret))
        guard constantTimeEquals(expected, parameters.first("Signature") ?? "") else {
            throw .signatureMismatch(stringToSign: toSign)
        }
        try checkToken(parameters.first("SecurityToken"), key: key, accessKeyId: accessKeyId)
        guard
            useNonce(
                parameters.first("SignatureNonce") ?? "", accessKeyId: accessKeyId,
                nowMs: SimulatorClock.wallClockMs())
        else { throw .nonceUsed }
        return AuthenticatedCall(
            action: parameters.first("Action") ?? "", version: parameters.first("Version") ?? "",
            parameters: parameters, accessKeyId: accessKeyId, key: key
        )
    }

    /// The date must parse and be within the tolerance of the wall clock (clients sign
    /// with real time whatever the simulated clock says).
    private func checkTimestamp(_ text: String) throws(SimulatedAPIError) {
        guard let seconds = ACSTimestamp.parse(text) else { throw .timestampFormat }
        let now = SimulatorClock.wallClockMs() / 1000
        guard abs(now - seconds) <= configuration.timestampToleranceSeconds else { throw .timestampExpired }
    }

    /// Temporary keys need their own token, unexpired; a token with a permanent key must
    /// be one this STS issued for that key (so: never).
    private func checkToken(_ token: String?, key: KeyKind, accessKeyId: String) throws(SimulatedAPIError) {
        switch key {
        case .temporary(let issued):
            guard let token, !token.isEmpty else { throw .tokenMalformed }
            guard token == issued.securityToken else {
                let owner = state.withLock { s in s.issued.values.contains { $0.securityToken == token } }
                throw owner ? .tokenMismatch : .tokenMalformed
            }
            guard issued.expiresAtMs > SimulatorClock.wallClockMs() else { throw .tokenExpired }
        case .permanent, .noPermission:
            guard let token, !token.isEmpty else { return }
            let known = state.withLock { s in s.issued.values.contains { $0.securityToken == token } }
            throw known ? .tokenMismatch : .tokenMalformed
        }
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
