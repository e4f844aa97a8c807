import Foundation
import Yams

/// Reads the exporter-toolkit web configuration file strictly: an unknown key, a wrong
/// type or a setting this exporter cannot honour is a ``ConfigError`` with file, line,
/// column and key path, never silently ignored.
public struct WebConfigLoader: Sendable {
    /// Reads the file; injectable for tests.
    public var readFile: @Sendable (String) throws -> String

    public init(
        readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) {
        self.readFile = readFile
    }

    /// Loads and checks the file at `path`. Relative certificate paths are taken from the
    /// file's directory, as exporter-toolkit does.
    public func load(path: String) throws(ConfigError) -> WebConfiguration {
        let text = try YAMLDocument.read(path, what: "web configuration file", with: readFile)
        return try parse(text, file: path, directory: (path as NSString).deletingLastPathComponent)
    }

    /// Parses YAML text; `file` names it in errors, `directory` anchors relative paths.
    public func parse(_ text: String, file: String, directory: String = "") throws(ConfigError) -> WebConfiguration {
        guard let reader = try YAMLDocument.root(text, file: file) else { return WebConfiguration() }
        let top = try reader.mapping(allowed: Self.topLevelKeys)
        var config = WebConfiguration()
        if let node = top["http_server_config"], !node.isNull { try httpServerConfig(node, into: &config) }
        if let node = top["tls_server_config"], !node.isNull {
            config.tls = try WebTLSParser(directory: directory).parse(node, http2: config.http2)
        }
        if let node = top["rate_limit"], !node.isNull { config.rateLimit = try rateLimit(node) }
        if let node = top["basic_auth_users"], !node.isNull { config.users = try users(node) }
        return config
    }

    static let topLevelKeys: Set = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]

    /// The headers exporter-toolkit allows, with the values it allows (nil: any value).
    static let allowedHeaders: [String: Set<String>?] = [
        "Strict-Transport-Security": nil,
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": nil,
        "Content-Security-Policy": nil,
    ]

    /// `rate_limit`: `interval` (a Go duration; 0 or absent turns the limit off) and `burst`.
    private func rateLimit(_ node: YAMLNodeReader) throws(ConfigError) -> WebConfiguration.RateLimit? {
        let fields = try node.mapping(allowed: ["interval", "burst"])
        var interval = Duration.zero
        if let intervalNode = fields["interval"], !intervalNode.isNull {
            let text = try intervalNode.string()
            guard let value = GoDuration.parse(text) else {
                throw intervalNode.error(
                    "\"\(text)\" is not a duration (use forms such as 1s, 500ms, 1m; 0 turns the limit off)")
            }
            interval = value
        }
        var burst = 0
        if let burstNode = fields["burst"], !burstNode.isNull { burst = try burstNode.int(in: 0...1_000_000) }
        return interval == .zero ? nil : WebConfiguration.RateLimit(interval: interval, burst: burst)
    }

    private func httpServerConfig(_ node: YAMLNodeReader, into config: inout WebConfiguration) throws(ConfigError) {
        let fields = try node.mapping(allowed: ["headers", "http2"])
        if let http2 = fields["http2"], !http2.isNull { config.http2 = try http2.bool() }
        config.headers = try headers(fields["headers"])
    }

    private func headers(_ node: YAMLNodeReader?) throws(ConfigError) -> [WebConfiguration.ResponseHeader] {
        guard let headersNode = node, !headersNode.isNull else { return [] }
        guard case .mapping(let mapping) = headersNode.node else {
            throw headersNode.error("expected a mapping of header names to values")
        }
        var headers: [WebConfiguration.ResponseHeader] = []
        for (keyNode, valueNode) in mapping {
            let name = try YAMLNodeReader(file: headersNode.file, node: keyNode, path: headersNode.path).string()
            let entry = YAMLNodeReader(file: headersNode.file, node: valueNode, path: "\(headersNode.path).\(name)")
            guard let allowedValues = Self.allowedHeaders[name] else {
                let known = Self.allowedHeaders.keys.sorted().joined(separator: ", ")
                throw entry.error("HTTP header \"\(name)\" can not be configured (allowed: \(known))", at: keyNode)
            }
            let value = entry.isNull ? "" : try entry.string()
            // exporter-toolkit: a blank value leaves the header unset (where any value is allowed).
            if value.isEmpty, allowedValues == nil { continue }
            if let allowedValues, !allowedValues.contains(value.lowercased()) {
                throw entry.error(
                    "invalid value \"\(value)\", expected one of: \(allowedValues.sorted().joined(separator: ", "))")
            }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw entry.error("header values cannot contain control characters")
            }
            guard !headers.contains(where: { $0.name == name }) else {
                throw entry.error("header given twice", at: keyNode)
            }
            headers.append(.init(name: name, value: value))
        }
        return headers
    }

    private func users(_ node: YAMLNodeReader) throws(ConfigError) -> [String: BcryptHash] {
        guard case .mapping(let mapping) = node.node else {
            throw node.error("expected a mapping of user names to bcrypt hashes")
        }
        var users: [String: BcryptHash] = [:]
        for (keyNode, valueNode) in mapping {
            let user = try YAMLNodeReader(file: node.file, node: keyNode, path: node.path).string()
            let entry = YAMLNodeReader(file: node.file, node: valueNode, path: "\(node.path).\(user)")
            guard !user.isEmpty, !user.contains(":") else {
                throw entry.error("user names must be non-empty and cannot contain ':'", at: keyNode)
            }
            guard users[user] == nil else { throw entry.error("user given twice", at: keyNode) }
            guard let hash = BcryptHash(try entry.string()) else {
                throw entry.error(
                    "not a bcrypt hash: expected $2y$, $2b$ or $2a$, a cost from 04 to 31 and 53 more "
                        + "characters, as `htpasswd -nBC 10 USER` prints"
                )
            }
            users[user] = hash
        }
        return users
    }
}

extension YAMLNodeReader {
    /// A YAML boolean: `true` or `false` (any case).
    func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true": return true
        case "false": return false
        case let other: throw error("expected true or false, found \"\(other)\"")
        }
    }
}
