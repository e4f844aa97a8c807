import SASModels

/// Where the API is served: scheme, host and port.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// `https` or `http`.
    public var scheme: String
    public var host: String
    public var port: Int

    public init(scheme: String = "https", host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == "http" ? 80 : 443)
    }

    /// Whether the port is the scheme's default (and so left out of the `Host` header).
    public var hasDefaultPort: Bool {
        (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
    }

    /// The `host` header value: the host, with `:port` when it is not the default.
    public var hostHeader: String {
        // Bytes, not Foundation's substring search: this runs for every request.
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return hasDefaultPort ? name : "\(name):\(port)"
    }

    /// `scheme://host[:port]` without a trailing slash.
    public var baseURL: String { "\(scheme)://\(hostHeader)" }

    public var description: String { baseURL }

    /// The Security Center endpoint of a region.
    ///
    /// Mainland China (`cn-*`, including `cn-hongkong` and the finance and government
    /// regions) uses `tds.cn-shanghai.aliyuncs.com`; `ap-*`, `eu-*`, `us-*` and `me-*` use
    /// `tds.ap-southeast-1.aliyuncs.com`; any other region `sas.<region>.aliyuncs.com`.
    public static func forRegion(_ region: String) -> Endpoint {
        let id = region.lowercased()
        if id.hasPrefix("cn-") {
            return Endpoint(host: "tds.cn-shanghai.aliyuncs.com")
        }
        if ["ap-", "eu-", "us-", "me-"].contains(where: { id.hasPrefix($0) }) {
            return Endpoint(host: "tds.ap-southeast-1.aliyuncs.com")
        }
        return Endpoint(host: "sas.\(id).aliyuncs.com")
    }

    /// Parses an explicit endpoint: `host`, `host:port`, `scheme://host[:port][/]`.
    /// Without a scheme it is `https`; `[::1]:8443` takes an IPv6 literal.
    public init(parsing text: String) throws(EndpointError) {
        var rest = Substring(text.trimmingBlanks)
        var scheme = "https"
        if let range = rest.firstRange(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = rest[range.upperBound...]
            guard scheme == "http" || scheme == "https" else {
                throw EndpointError(text: text, reason: "scheme must be http or https")
            }
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                throw EndpointError(text: text, reason: "a path is not allowed")
            }
            rest = rest[..<slash]
        }
        let parsed: HostPort
        do {
            parsed = try HostPort(parsing: rest)
        } catch {
            throw EndpointError(text: text, reason: error.reason)
        }
        let host = parsed.host
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" || $0 == "?" || $0 == "#" }) else {
            throw EndpointError(text: text, reason: "missing or invalid host")
        }
        if let port = parsed.port, port == 0 { throw EndpointError(text: text, reason: "invalid port") }
        let port = parsed.port
        self.init(scheme: scheme, host: host, port: port)
    }
}

/// An endpoint string that could not be parsed.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid endpoint \"\(text)\": \(reason)" }
}
