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
    /// Go's names of the TLS 1.3 suites. Go accepts them in `cipher_suites` and ignores them
    /// (TLS 1.3 suites are not configurable); so does this exporter.
    static let tls13Suites: [String: UInt16] = [
        "TLS_AES_128_GCM_SHA256": 0x1301, "TLS_AES_256_GCM_SHA384": 0x1302, "TLS_CHACHA20_POLY1305_SHA256": 0x1303,
    ]

    /// The suites Go's HTTP/2 server requires when a TLS 1.2 suite list is given.
    static let http2RequiredSuites: Set<UInt16> = [0xC02F, 0xC02B]

    /// Go's curve names and their IANA group numbers (what BoringSSL can do).
    static let curves: [String: UInt16] = [
        "CurveP256": 0x17, "CurveP384": 0x18, "CurveP521": 0x19, "X25519": 0x1D, "X25519MLKEM768": 0x11EC,
    ]
    /// Go 1.26 names BoringSSL in swift-nio-ssl cannot negotiate.
    static let unsupportedCurves: Set = ["SecP256r1MLKEM768", "SecP384r1MLKEM1024"]

    /// Parses the section; `http2` is `http_server_config.http2` (its cipher needs are
    /// checked here, as Go's HTTP/2 server checks them at start).
    func parse(_ node: YAMLNodeReader, http2: Bool = true) throws(ConfigError) -> TLSServerConfig? {
        let fields = try node.mapping(allowed: Self.keys)
        guard try Self.enablesTLS(fields) else {
            // As in exporter-toolkit: without a certificate, key, client CA or client auth
            // type the listener serves plain HTTP; the other values are still checked.
            _ = try fields["min_version"].map { (node) throws(ConfigError) in try version(node) }
            _ = try fields["max_version"].map { (node) throws(ConfigError) in try version(node) }
            _ = try fields["cipher_suites"].map { (node) throws(ConfigError) in try cipherSuites(node) }
            _ = try fields["curve_preferences"].map { (node) throws(ConfigError) in try curves(node) }
            _ = try fields["prefer_server_cipher_suites"].map { (node) throws(ConfigError) in try node.bool() }
            return nil
        }
        // Go reads an empty string as an absent setting; so does this parser.
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
            let value =
                text == "RequireClientCert"
                ? TLSServerConfig.ClientAuth.requireAnyClientCert.rawValue
                : text.isEmpty ? TLSServerConfig.ClientAuth.noClientCert.rawValue : text
            guard let auth = TLSServerConfig.ClientAuth(rawValue: value) else {
                let known = TLSServerConfig.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")
                throw authNode.error("invalid client_auth_type \"\(text)\" (one of \(known))")
            }
            config.clientAuth = auth
        }
        if config.clientCA != nil, config.clientAuth == .noClientCert {
            throw node.error("client CAs are configured but client_auth_type is NoClientCert; set a client_auth_type")
        }
        if let minNode = fields["min_version"] { config.minVersion = try version(minNode) }
        if let maxNode = fields["max_version"] { config.maxVersion = try version(maxNode) }
        if config.minVersion > config.maxVersion {
            throw (fields["max_version"] ?? node).error(
                "max_version \(config.maxVersion.rawValue) is below min_version \(config.minVersion.rawValue)")
        }
        if let suitesNode = fields["cipher_suites"] {
            config.cipherSuites = try cipherSuites(suitesNode)
            if http2, !config.cipherSuites.isEmpty, config.minVersion < .tls13,
                Self.http2RequiredSuites.isDisjoint(with: config.cipherSuites)
            {
                throw suitesNode.error(
                    "HTTP/2 (http_server_config.http2, on by default) needs "
                        + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 in "
                        + "cipher_suites; add one or set http2: false"
                )
            }
        }
        if let curvesNode = fields["curve_preferences"] { config.curves = try curves(curvesNode) }
        // Go has ignored prefer_server_cipher_suites since 1.18; accepted for copied files.
        if let preferNode = fields["prefer_server_cipher_suites"] { _ = try preferNode.bool() }
        if let sansNode = fields["client_allowed_sans"], !sansNode.isNull {
            let names = try sansNode.stringList()
            guard !names.isEmpty else {
                throw sansNode.error("list at least one name (an empty list would refuse every client)")
            }
            guard config.clientAuth.requires else {
                throw sansNode.error(
                    "client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or "
                        + "RequireAndVerifyClientCert"
                )
            }
            config.allowedSANs = names
        }
        return config
    }

    /// Whether TLS is on: one of the settings exporter-toolkit's `IsEnabled` looks at is set.
    static func enablesTLS(_ fields: [String: YAMLNodeReader]) throws(ConfigError) -> Bool {
        for key in ["cert", "cert_file", "key", "key_file", "client_ca", "client_ca_file", "client_auth_type"] {
            if let node = fields[key], !node.isNull, !(try node.string()).isEmpty { return true }
        }
        return false
    }

    private func pem(
        _ fields: [String: YAMLNodeReader], inline: String, file: String, in node: YAMLNodeReader
    ) throws(ConfigError) -> TLSServerConfig.PEMSource? {
        switch (fields[inline], fields[file]) {
        case (.some(let text), .some(let path)):
            let inlineText = try text.string()
            let pathText = try path.string()
            if inlineText.isEmpty { return pathText.isEmpty ? nil : .file(resolve(pathText)) }
            if pathText.isEmpty { return .inline(inlineText) }
            throw node.error("give `\(inline)` or `\(file)`, not both")
        case (.some(let text), nil):
            let inlineText = try text.string()
            return inlineText.isEmpty ? nil : .inline(inlineText)
        case (nil, .some(let path)):
            let pathText = try path.string()
            return pathText.isEmpty ? nil : .file(resolve(pathText))
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
            guard let value = Self.cipherSuites[name] ?? Self.tls13Suites[name] else {
                throw item.error("unknown or unsupported cipher: \(name)")
            }
            values.append(value)
        }
        return values
    }

    private func curves(_ node: YAMLNodeReader) throws(ConfigError) -> [UInt16] {
        var values: [UInt16] = []
        for item in try node.sequence() {
            let name = try item.string()
            if Self.unsupportedCurves.contains(name) {
                throw item.error("curve \(name) is not supported by this exporter's TLS library (BoringSSL); remove it")
            }
            guard let value = Self.curves[name] else {
                throw item.error("unknown curve: \(name) (one of \(Self.curves.keys.sorted().joined(separator: ", ")))")
            }
            values.append(value)
        }
        return values
    }
}
