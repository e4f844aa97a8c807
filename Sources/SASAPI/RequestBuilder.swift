import SASSigning

/// A signed request ready to send: `POST` to `url` with `headers` and an empty body.
public struct PreparedRequest: Sendable, CustomStringConvertible {
    public let url: String
    /// The query part of `url` (without `?`).
    public let wireQuery: String
    /// Headers in sending order; V3 ends with `Authorization`.
    public let headers: [HTTPHeader]

    /// The request for debug logs: no security token, no signature.
    public var description: String {
        let query = QueryString.parse(Substring(wireQuery)).map { parameter -> String in
            switch parameter.name {
            case "SecurityToken", "Signature": "\(parameter.name)=<redacted>"
            default: "\(parameter.name)=\(parameter.value)"
            }
        }
        let shown = headers.map { header -> String in
            switch header.name.lowercased() {
            case "x-acs-security-token": "\(header.name): <redacted>"
            case "authorization": "\(header.name): <redacted>"
            default: "\(header.name): \(header.value)"
            }
        }
        return "POST / query [\(query.joined(separator: "&"))] headers [\(shown.joined(separator: ", "))]"
    }
}

/// Builds and signs requests the way the official SDK does; pure, so tests can check it
/// against the SDK's vectors.
public enum RequestBuilder {
    /// - Parameters:
    ///   - parameters: business parameters in SDK order (see `ProcessDetailQuery.parameters`).
    ///   - epochSeconds: wall time for `x-acs-date` / `Timestamp`.
    public static func build(
        action: String,
        parameters: [QueryParameter],
        configuration: SASClientConfiguration,
        credentials: Credentials,
        epochSeconds: Int64,
        nonce: String
    ) -> PreparedRequest {
        let date = ACSTimestamp.format(epochSeconds: epochSeconds)
        let base = configuration.endpoint.baseURL + "/"
        var plain = [
            HTTPHeader("host", configuration.endpoint.hostHeader),
            HTTPHeader("user-agent", configuration.userAgent),
        ]
        switch configuration.signature {
        case .v3:
            plain.append(HTTPHeader("accept", "application/json"))
            if let provider = configuration.credentialsProviderHeader {
                plain.append(HTTPHeader("x-acs-credentials-provider", provider))
            }
            let signed = ACS3Signer.sign(
                action: action, version: configuration.apiVersion, query: parameters,
                headers: plain, credentials: credentials, date: date, nonce: nonce
            )
            return PreparedRequest(
                url: base + "?" + signed.wireQuery, wireQuery: signed.wireQuery, headers: signed.headers)
        case .rpc:
            let signed = RPCSigner.sign(
                action: action, version: configuration.apiVersion, query: parameters,
                credentials: credentials, timestamp: date, nonce: nonce
            )
            var headers = plain
            headers.insert(
                contentsOf: [
                    HTTPHeader("x-acs-version", configuration.apiVersion), HTTPHeader("x-acs-action", action),
                ], at: 1)
            if let provider = configuration.credentialsProviderHeader {
                headers.append(HTTPHeader("x-acs-credentials-provider", provider))
            }
            headers.append(HTTPHeader("accept", "application/json"))
            let query = signed.wireQuery
            return PreparedRequest(url: base + "?" + query, wireQuery: query, headers: headers)
        }
    }
}
