import AsyncHTTPClient
import SASModels
import SASSigning

/// Chooses the proxy for an endpoint from the process environment, as curl does
/// (async-http-client reads none of these variables itself).
///
/// `HTTPS_PROXY`/`https_proxy` serve `https` endpoints, `HTTP_PROXY`/`http_proxy` serve
/// `http` ones (upper case wins). `NO_PROXY`/`no_proxy` is a comma-separated list of
/// `*` (no proxy at all), host names (`example.com` also matches `a.example.com`),
/// `.suffix` forms, IP addresses and `host:port` forms (matching that port only).
/// Loopback endpoints follow the same rules (curl's): set `NO_PROXY=127.0.0.1,localhost`
/// to reach a local simulator directly. Proxy credentials (`user:password@`) are used
/// for basic authorization and never logged.
public enum ProxySelection {
    /// The proxy to use for `endpoint`, nil for a direct connection.
    public static func proxy(for endpoint: Endpoint, environment: [String: String]) -> HTTPClient.Configuration.Proxy? {
        guard let setting = proxySetting(for: endpoint, environment: environment),
            let parsed = parseProxyURL(setting)
        else { return nil }
        if bypasses(endpoint, noProxy: value(environment, "NO_PROXY", "no_proxy")) { return nil }
        if let user = parsed.user {
            return .server(
                host: parsed.host, port: parsed.port,
                authorization: .basic(username: user, password: parsed.password ?? ""))
        }
        return .server(host: parsed.host, port: parsed.port)
    }

    static func proxySetting(for endpoint: Endpoint, environment: [String: String]) -> String? {
        endpoint.scheme == "https"
            ? value(environment, "HTTPS_PROXY", "https_proxy")
            : value(environment, "HTTP_PROXY", "http_proxy")
    }

    private static func value(_ environment: [String: String], _ upper: String, _ lower: String) -> String? {
        for name in [upper, lower] {
            if let value = environment[name]?.trimmingBlanks, !value.isEmpty { return String(value) }
        }
        return nil
    }

    /// Whether `NO_PROXY` exempts the endpoint.
    static func bypasses(_ endpoint: Endpoint, noProxy: String?) -> Bool {
        guard let noProxy else { return false }
        let host = endpoint.host.lowercased()
        for rawEntry in noProxy.split(separator: ",") {
            var entry = String(String(rawEntry).trimmingBlanks).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" { return true }
            var port: Int?
            if let parsed = try? HostPort(parsing: entry) {
                entry = parsed.host
                port = parsed.port
            }
            if let port, port != endpoint.port { continue }
            if entry.hasPrefix("*.") { entry = String(entry.dropFirst()) }
            if entry.hasPrefix(".") {
                if host.hasSuffix(entry) || host == String(entry.dropFirst()) { return true }
            } else if host == entry || host.hasSuffix("." + entry) {
                return true
            }
        }
        return false
    }

    struct ParsedProxy: Equatable {
        var host: String
        var port: Int
        var user: String?
        var password: String?
    }

    /// `[http://][user[:password]@]host[:port][/]`; the port defaults to 80 (1080 would be
    /// SOCKS, which is not supported here). Returns nil for anything unusable.
    static func parseProxyURL(_ text: String) -> ParsedProxy? {
        var rest = Substring(text)
        if let range = rest.firstRange(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else { return nil }
            rest = rest[range.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                user = PercentEncoding.decode(info[..<colon], plusAsSpace: false)
                password = PercentEncoding.decode(info[info.index(after: colon)...], plusAsSpace: false)
            } else {
                user = PercentEncoding.decode(info, plusAsSpace: false)
            }
        }
        guard let endpoint = try? Endpoint(parsing: "http://" + rest) else { return nil }
        return ParsedProxy(host: endpoint.host, port: endpoint.port, user: user, password: password)
    }
}
