import Yams

@testable import SASExporter

// Fuzz target: the exporter-toolkit web configuration loader, `WebConfigLoader.parse`
// (with its parsers: WebTLSParser, GoDuration, BcryptHash), on any text, as read from
// /etc/sas-exporter/web.yml (so relative certificate paths resolve there). The invariants:
//
// 1. It never crashes: a bad file is a `ConfigError`.
// 2. Every refusal names the file, and a line and column (1-based, within the text) for
//    everything but the document-level refusals of the YAML library.
// 3. Deterministic: the same text gives the same configuration or the same error.
// 4. No secret is echoed: the inline private key (`tls_server_config.key`) and the bcrypt
//    hashes of `basic_auth_users` (offline-crackable) do not appear in an error, unless
//    the same text occurs in the file where it is not such a secret (as in the config
//    target; 6 bytes or longer).
// 5. What it accepts is sound: every user name non-empty without ':', every hash a
//    well-formed bcrypt hash of cost 4–31; only the allowed headers, values without
//    control characters, no header twice; a rate limit has an interval above zero and a
//    burst ≥ 0; with TLS, min_version ≤ max_version, certificate files as absolute paths
//    (relative ones under the file's directory), a client CA only with a client auth type,
//    allowed SANs non-empty and only with a client auth type that requires a certificate.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    let loader = WebConfigLoader { _ in "" }
    let first = Result { () throws(ConfigError) in
        try loader.parse(text, file: "web.yml", directory: "/etc/sas-exporter")
    }
    let second = Result { () throws(ConfigError) in
        try loader.parse(text, file: "web.yml", directory: "/etc/sas-exporter")
    }
    require(first == second, "not deterministic")
    switch first {
    case .failure(let error):
        require(error.file == "web.yml", "error without the file: \(error)")
        let documentLevel =
            error.line == nil && (error.message.hasPrefix("invalid YAML") || error.message == "not valid YAML")
        checkErrorPosition(
            line: error.line, column: error.column, in: text, documentLevel: documentLevel, error: "\(error)")
        let document = try? Yams.compose(yaml: text)
        let (secrets, exempt) = webSecrets(document)
        for secret in secrets where secret.utf8.count >= 6 && containsBytes(error.description, secret) {
            if exempt.contains(where: { containsBytes($0, secret) }) { continue }
            violated("the error shows the secret \"\(secret)\": \(error)")
        }
    case .success(let configuration):
        checkSound(configuration)
    }
    return 0
}

/// The inline key and the bcrypt hashes of the document, and every other key and scalar.
func webSecrets(_ document: Node?) -> (secrets: [String], exempt: [String]) {
    var secrets: [String] = []
    var exempt = Array(WebTLSParser.keys) + Array(WebConfigLoader.topLevelKeys)
    func walk(_ node: Node, path: [String]) {
        switch node {
        case .scalar(let scalar):
            let secret = path == ["tls_server_config", "key"] || (path.count == 2 && path[0] == "basic_auth_users")
            if secret { secrets.append(scalar.string) } else { exempt.append(scalar.string) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                walk(key, path: ["<key>"])
                walk(value, path: path + [key.scalar?.string ?? "<complex key>"])
            }
        case .sequence(let sequence):
            for item in sequence { walk(item, path: path + ["[]"]) }
        case .alias:
            break
        }
    }
    if let document { walk(document, path: []) }
    return (secrets, exempt)
}

func checkSound(_ configuration: WebConfiguration) {
    for (user, hash) in configuration.users {
        require(!user.isEmpty && !user.contains(":"), "user name \"\(user)\"")
        require(
            BcryptHash(hash.text) == hash && (4...31).contains(hash.cost) && hash.text.unicodeScalars.count == 60,
            "user \(user): not a well-formed bcrypt hash")
        require(!"\(hash)".contains(hash.text), "a bcrypt hash prints itself")
    }
    var names = Set<String>()
    for header in configuration.headers {
        require(WebConfigLoader.allowedHeaders[header.name] != nil, "header \(header.name) is not allowed")
        require(names.insert(header.name).inserted, "header \(header.name) twice")
        require(
            !header.value.unicodeScalars.contains { $0.properties.generalCategory == .control },
            "control character in header \(header.name)")
    }
    if let limit = configuration.rateLimit {
        require(limit.interval > .zero && limit.burst >= 0, "rate limit \(limit)")
    }
    guard let tls = configuration.tls else { return }
    require(tls.minVersion <= tls.maxVersion, "min_version \(tls.minVersion) above max_version \(tls.maxVersion)")
    for source in [tls.certificate, tls.key] + (tls.clientCA.map { [$0] } ?? []) {
        switch source {
        case .file(let path): require(path.hasPrefix("/"), "relative certificate path \(path)")
        case .inline(let text): require(!text.isEmpty, "empty inline PEM")
        }
    }
    if tls.clientCA != nil { require(tls.clientAuth != .noClientCert, "client CA without a client auth type") }
    if let sans = tls.allowedSANs {
        require(!sans.isEmpty && tls.clientAuth.requires, "allowed SANs \(sans) with \(tls.clientAuth)")
    }
}
