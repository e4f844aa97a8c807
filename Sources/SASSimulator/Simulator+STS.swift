import SASSigning

/// STS (`AssumeRole`, `AssumeRoleWithOIDC`) and the temporary keys it issues.
extension Simulator {
    static let stsVersion = "2015-04-01"

    /// Issues temporary credentials valid until `expiresAtMs` (wall clock; a past time
    /// gives credentials that are already expired, for tests).
    @discardableResult
    public func issueTemporaryCredentials(
        expiresAtMs: Int64, roleArn: String = "acs:ram::1234567890123456:role/sas-exporter",
        sessionName: String = "sas-simulator"
    ) -> IssuedCredentials {
        var rng = SystemRandomNumberGenerator()
        let issued = IssuedCredentials(
            accessKeyId: "STS." + randomToken(24, using: &rng),
            accessKeySecret: randomToken(40, using: &rng),
            securityToken: "CAIS" + randomToken(200, using: &rng),
            expiresAtMs: expiresAtMs, roleArn: roleArn, sessionName: sessionName
        )
        state.withLock { s in
            let now = SimulatorClock.wallClockMs()
            if s.issued.count > 10_000 { s.issued = s.issued.filter { $0.value.expiresAtMs > now } }
            s.issued[issued.accessKeyId] = issued
        }
        return issued
    }

    /// Makes the simulator accept credentials issued elsewhere (replayed SDK requests in
    /// tests), as if its STS had issued them.
    public func registerTemporaryCredentials(_ issued: IssuedCredentials) {
        state.withLock { $0.issued[issued.accessKeyId] = issued }
    }

    /// The temporary credentials issued under `accessKeyId`, while the simulator keeps them.
    public func issuedCredentials(accessKeyId: String) -> IssuedCredentials? {
        state.withLock { $0.issued[accessKeyId] }
    }

    /// Every temporary key issued for `roleArn` and still kept, oldest first.
    public func issuedCredentials(roleArn: String) -> [IssuedCredentials] {
        state.withLock { s in s.issued.values.filter { $0.roleArn == roleArn } }
            .sorted { ($0.issuedAtMs, $0.accessKeyId) < ($1.issuedAtMs, $1.accessKeyId) }
    }

    /// Issues temporary credentials valid for `durationSeconds` from now.
    @discardableResult
    public func issueTemporaryCredentials(
        durationSeconds: Int, roleArn: String = "acs:ram::1234567890123456:role/sas-exporter",
        sessionName: String = "sas-simulator"
    ) -> IssuedCredentials {
        issueTemporaryCredentials(
            expiresAtMs: SimulatorClock.wallClockMs() + Int64(durationSeconds) * 1000,
            roleArn: roleArn, sessionName: sessionName
        )
    }

    func handleSTS(_ request: WireRequest) -> WireResponse {
        var context = CallContext()
        let requestId = nextRequestId()
        let response: WireResponse
        do throws(SimulatedAPIError) {
            response = try answerSTS(request, requestId: requestId, context: &context)
        } catch {
            response = errorResponse(error, requestId: requestId)
        }
        record(
            RequestRecord(
                timeMs: SimulatorClock.wallClockMs(), action: context.action, accessKeyId: context.accessKeyId,
                signature: context.signature, code: response.status == 200 ? "OK" : stsErrorCode(response),
                httpStatus: response.status, requestId: requestId, page: nil
            ))
        return response
    }

    private func answerSTS(_ request: WireRequest, requestId: String, context: inout CallContext)
        throws(SimulatedAPIError) -> WireResponse
    {
        var parameters = request.queryParameters
        let action = parameters.first("Action") ?? ""
        context.action = action
        if faults.stsDown { throw .unavailable }
        if action == "AssumeRole" {
            let call = try authenticate(request, context: &context)
            parameters = call.parameters
        } else {
            for name in ["OIDCProviderArn", "OIDCToken"] where (parameters.first(name) ?? "").isEmpty {
                throw .missingParameter(name)
            }
        }
        guard parameters.first("Version") == Self.stsVersion else {
            throw .invalidVersion(parameters.first("Version") ?? "")
        }
        guard let roleArn = parameters.first("RoleArn"), !roleArn.isEmpty else { throw .missingParameter("RoleArn") }
        if let expected = configuration.stsRoleArn, expected != roleArn {
            throw SimulatedAPIError(
                status: 404, code: "EntityNotExist.Role", message: "The role not exists: \(roleArn).")
        }
        let session = parameters.first("RoleSessionName") ?? "sas-simulator"
        if action == "AssumeRole", session.isEmpty { throw .missingParameter("RoleSessionName") }
        var duration = configuration.stsDefaultDurationSeconds
        if let text = parameters.first("DurationSeconds") {
            guard let value = Int(text), value >= configuration.stsMinimumDurationSeconds, value <= 43_200 else {
                throw SimulatedAPIError(
                    status: 400, code: "InvalidParameter.DurationSeconds",
                    message: "The parameter DurationSeconds is out of range.")
            }
            duration = value
        }
        let issued = issueTemporaryCredentials(durationSeconds: duration, roleArn: roleArn, sessionName: session)
        let body = STSResponse(
            requestId: requestId,
            credentials: .init(
                accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret,
                securityToken: issued.securityToken, expiration: issued.expiration),
            assumedRoleUser: .init(arn: "\(roleArn)/\(session)", assumedRoleId: "300000000000000000:\(session)")
        )
        return .json(200, encodeJSON(body), headers: ["x-acs-request-id": requestId])
    }

    private func stsErrorCode(_ response: WireResponse) -> String {
        struct Body: Decodable {
            var code: String?
            enum CodingKeys: String, CodingKey { case code = "Code" }
        }
        return (try? JSONDecoderBox.decode(Body.self, response.body))?.code ?? "unknown"
    }
}

private func randomToken(_ length: Int, using rng: inout SystemRandomNumberGenerator) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    return String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
}

/// `AssumeRole`'s answer (Codable: the tests read it back with the same type).
struct STSResponse: Codable {
    struct Creds: Codable {
        var accessKeyId: String
        var accessKeySecret: String
        var securityToken: String
        var expiration: String
        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyId"
            case accessKeySecret = "AccessKeySecret"
            case securityToken = "SecurityToken"
            case expiration = "Expiration"
        }
    }

    struct RoleUser: Codable {
        var arn: String
        var assumedRoleId: String
        enum CodingKeys: String, CodingKey {
            case arn = "Arn"
            case assumedRoleId = "AssumedRoleId"
        }
    }

    var requestId: String
    var credentials: Creds
    var assumedRoleUser: RoleUser
    enum CodingKeys: String, CodingKey {
        case requestId = "RequestId"
        case credentials = "Credentials"
        case assumedRoleUser = "AssumedRoleUser"
    }
}
