import Foundation

/// Parses `tls_server_config`. Names follow Go's `crypto/tls`, as exporter-toolkit does;
/// what swift-nio-ssl (BoringSSL) cannot do is rejected with a reason.
struct WebTLSParser {
    /// Directory of the web configuration file, for relative paths.
    let directory: String

    static let keys: Set = [
        "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
        "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites", "client_allowed_sans",
    ]

    /// Go's names of the TLS 1.2 suites BoringSSL can be configured with (IANA numbers).
    static let cipherSuites: [String: UInt16] = [
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
        "TLS_RSA_WITH_AES_128_GCM_SHA256": 0x009C,
        "TLS_RSA_WITH_AES_256_GCM_SHA384": 0x009D,
        "TLS_RSA_WITH_AES_128_CBC_SHA": 0x002F,
        "TLS_RSA_WITH_AES_256_CBC_SHA": 0x0035,
    ]
    static let tls13Suites: Set = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]

    /// Go's curve names and their IANA group numbers.
    static let curves: [String: UInt16] = ["CurveP256": 0x17, "CurveP384": 0x18, "CurveP521": 0x19, "X25519": 0x1D]

    func parse(_ node: YAMLNodeReader) throws(ConfigError) -> TLSServerConfig? {
        let fields = try node.mapping(allowed: Self.keys)
        if fields.isEmpty { return nil }
        guard let certificate = try pem(fields, inline: "cert", file: "cert_file", in: node) else {
            throw node.error("missing one of `cert` or `cert_file`")
        }
        guard let key = try pem(fields, inline: "key", file: "key_file", in: node) else {
            throw node.error("missing one of `key` or `key_file`")
        }
        var config = TLSServerConfig(certificate: certificate, key: key)
        config.clientCA = try pem(fields, inline: "client_ca", file: "client_ca_file", in: node)
        if let authNode = fields["client_auth_type"] {
            let text = try authNode.string()
            let value = text == "RequireClientCert" ? TLSServerConfig.ClientAuth.requireAnyClientCert.rawValue : text
            guard let auth = TLSServerConfig.ClientAuth(rawValue: value) else {
                let known = TLSServerConfig.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")
                throw authNode.error("invalid client_auth_type \"\(text)\" (one of \(known))")
            }
            config.clientAuth = auth
        }
        if config.clientCA != nil, config.clientAuth == .noClientCert {
            throw node.error("client CAs are configured but client_auth_type is NoClientCert; set a client_auth_type")
        }
        if config.clientAuth.verifies, config.clientCA == nil {
            throw node.error("client_auth_type \(config.clientAuth.rawValue) needs `client_ca_file` (or `client_ca`)")
        }
        if let minNode = fields["min_version"] { config.minVersion = try version(minNode) }
        if let maxNode = fields["max_version"] { config.maxVersion = try version(maxNode) }
        if config.minVersion > config.maxVersion {
            throw (fields["max_version"] ?? node).error("max_version \(config.maxVersion.rawValue) is below min_version \(config.minVersion.rawValue)")
        }
        if let suitesNode = fields["cipher_suites"] { config.cipherSuites = try cipherSuites(suitesNode) }
        if let curvesNode = fields["curve_preferences"] { config.curves = try curves(curvesNode) }
        // Go has ignored prefer_server_cipher_suites since 1.18; accepted for copied files.
        if let preferNode = fields["prefer_server_cipher_suites"] { _ = try preferNode.bool() }
        if let sansNode = fields["client_allowed_sans"] {
            // BoringSSL's chain check and a SAN check cannot be combined through
            // swift-nio-ssl (a custom callback replaces the chain check).
            throw sansNode.error("client_allowed_sans is not supported by sas-exporter; restrict clients with client_ca_file instead")
        }
        return config
    }

    private func pem(
        _ fields: [String: YAMLNodeReader], inline: String, file: String, in node: YAMLNodeReader
    ) throws(ConfigError) -> TLSServerConfig.PEMSource? {
        switch (fields[inline], fields[file]) {
        case (.some, .some): throw node.error("give `\(inline)` or `\(file)`, not both")
        case (.some(let text), nil): return .inline(try text.nonEmptyString())
        case (nil, .some(let path)): return .file(resolve(try path.nonEmptyString()))
        case (nil, nil): return nil
        }
    }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }

    private func version(_ node: YAMLNodeReader) throws(ConfigError) -> TLSServerConfig.Version {
        let text = try node.string()
        guard let version = TLSServerConfig.Version(rawValue: text) else {
            throw node.error("unknown TLS version \"\(text)\" (one of TLS10, TLS11, TLS12, TLS13)")
        }
        return version
    }

    private func cipherSuites(_ node: YAMLNodeReader) throws(ConfigError) -> [UInt16] {
        var values: [UInt16] = []
        for item in try node.sequence() {
            let name = try item.string()
            if Self.tls13Suites.contains(name) {
                throw item.error("TLS 1.3 cipher suites cannot be configured (list only TLS 1.2 suites)")
            }
            guard let value = Self.cipherSuites[name] else { throw item.error("unknown or unsupported cipher: \(name)") }
            values.append(value)
        }
        return values
    }

    private func curves(_ node: YAMLNodeReader) throws(ConfigError) -> [UInt16] {
        var values: [UInt16] = []
        for item in try node.sequence() {
            let name = try item.string()
            guard let value = Self.curves[name] else {
                throw item.error("unknown curve: \(name) (one of \(Self.curves.keys.sorted().joined(separator: ", ")))")
            }
            values.append(value)
        }
        return values
    }
}
