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
        let name = host.contains(":") ? "[\(host)]" : host
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
        var rest = Substring(text.trimmed(of: [" ", "\t"]))
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
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw EndpointError(text: text, reason: "unterminated IPv6 literal")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw EndpointError(text: text, reason: "junk after the host") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" || $0 == "?" || $0 == "#" }) else {
            throw EndpointError(text: text, reason: "missing or invalid host")
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw EndpointError(text: text, reason: "invalid port")
            }
            port = value
        }
        self.init(scheme: scheme, host: String(host), port: port)
    }
}

/// An endpoint string that could not be parsed.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid endpoint \"\(text)\": \(reason)" }
}

extension String {
    func trimmed(of set: Set<Character>) -> Substring {
        var view = self[...]
        while let first = view.first, set.contains(first) { view = view.dropFirst() }
        while let last = view.last, set.contains(last) { view = view.dropLast() }
        return view
    }
}
