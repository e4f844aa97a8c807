/// The ECS instance metadata service's RAM-role endpoints.
///
/// `PUT /latest/api/token` (header `X-aliyun-ecs-metadata-token-ttl-seconds`, 1...21600)
/// gives a token; the two `GET`s below need it in `X-aliyun-ecs-metadata-token` (403
/// without a valid one).
extension Simulator {
    func metadataToken(_ request: WireRequest) -> WireResponse {
        let response: WireResponse
        if let text = request.header("x-aliyun-ecs-metadata-token-ttl-seconds"), let ttl = Int(text),
            (1...21_600).contains(ttl)
        {
            var rng = SystemRandomNumberGenerator()
            let token = (0..<4).map { _ in SplitMix64.hex(rng.next(), digits: 16) }.joined()
            let expiry = SimulatorClock.wallClockMs() + Int64(ttl) * 1000
            state.withLock { s in
                let now = SimulatorClock.wallClockMs()
                if s.metadataTokens.count > 10_000 { s.metadataTokens = s.metadataTokens.filter { $0.value > now } }
                s.metadataTokens[token] = expiry
            }
            response = .text(200, token)
        } else {
            response = .text(400, "missing or invalid X-aliyun-ecs-metadata-token-ttl-seconds")
        }
        recordMetadata("MetadataToken", response)
        return response
    }

    func metadataRoleName(_ request: WireRequest) -> WireResponse {
        let response: WireResponse =
            validMetadataToken(request) ? .text(200, configuration.ecsRoleName) : .text(403, "Forbidden")
        recordMetadata("MetadataRoleName", response)
        return response
    }

    func metadataCredentials(_ request: WireRequest, role: String) -> WireResponse {
        let response: WireResponse
        if !validMetadataToken(request) {
            response = .text(403, "Forbidden")
        } else if role != configuration.ecsRoleName {
            response = .text(404, "Not Found")
        } else {
            let now = SimulatorClock.wallClockMs()
            let current = state.withLock { s in
                s.issued.values.filter { $0.sessionName == "ecs-metadata" && $0.expiresAtMs - now > 30 * 60_000 }
                    .max { $0.expiresAtMs < $1.expiresAtMs }
            }
            let issued =
                current
                ?? issueTemporaryCredentials(
                    durationSeconds: configuration.ecsCredentialsDurationSeconds,
                    roleArn: "acs:ram::1234567890123456:role/\(role)", sessionName: "ecs-metadata"
                )
            let body = MetadataCredentials(
                code: "Success", accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret,
                securityToken: issued.securityToken, expiration: issued.expiration,
                lastUpdated: ACSTimestampFormat.format(ms: now)
            )
            response = .json(200, encodeJSON(body))
        }
        recordMetadata("MetadataCredentials", response)
        return response
    }

    private func validMetadataToken(_ request: WireRequest) -> Bool {
        guard let token = request.header("x-aliyun-ecs-metadata-token") else { return false }
        let now = SimulatorClock.wallClockMs()
        return state.withLock { ($0.metadataTokens[token] ?? 0) > now }
    }

    private func recordMetadata(_ action: String, _ response: WireResponse) {
        record(
            RequestRecord(
                timeMs: SimulatorClock.wallClockMs(), action: action, accessKeyId: "", signature: "none",
                code: response.status == 200 ? "OK" : String(response.status), httpStatus: response.status,
                requestId: "", page: nil
            ))
    }
}

/// The metadata service's credentials document (Codable: the tests read it back).
struct MetadataCredentials: Codable {
    var code: String
    var accessKeyId: String
    var accessKeySecret: String
    var securityToken: String
    var expiration: String
    var lastUpdated: String
    enum CodingKeys: String, CodingKey {
        case code = "Code"
        case accessKeyId = "AccessKeyId"
        case accessKeySecret = "AccessKeySecret"
        case securityToken = "SecurityToken"
        case expiration = "Expiration"
        case lastUpdated = "LastUpdated"
    }
}
