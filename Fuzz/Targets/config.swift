import Yams

@testable import SASExporter

// Fuzz target: the configuration file loader, `ConfigLoader.parse(_:file:)`, on any text
// (the input as UTF-8, invalid bytes repaired as every Swift String is). Secret files are
// "read" by a stub that answers a fixed secret for every path, or fails for paths
// containing "missing". The invariants:
//
// 1. It never crashes: a bad file is a `ConfigError`.
// 2. Every refusal carries a location: the file name, and a line and column (1-based,
//    within the text) for everything but the few document-level refusals (an empty file,
//    a reader error of the YAML library).
// 3. Deterministic: the same text gives the same configuration or the same error.
// 4. No secret is echoed: neither an inline `access_key_secret` / `security_token`
//    (accounts[].credentials) nor the stub's file secret appears in the error, in a
//    warning or in the printed configuration, unless the same text also occurs in the
//    file where it is not a secret (a key, another value) or is one of the loader's own
//    words (key names), which an error may legitimately quote. Secrets shorter than 6
//    bytes are not checked: such text occurs in any message.
// 5. What it accepts is within the documented bounds: at least one account, unique names
//    of at most 128 code points, interval ≥ 1s, lookback ≥ 60s, poll timeout and full
//    refresh ≥ interval, positive increasing buckets, batch and page sizes in range.

let fileSecret = "file-secret-7Hq2"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    let loader = ConfigLoader(readsSecretFiles: true) { path in
        if containsBytes(path, "missing") { throw StubReadError() }
        return fileSecret + "\n"
    }
    let first = Result { () throws(ConfigError) in try loader.parseWithWarnings(text, file: "fuzz.yml") }
    let second = Result { () throws(ConfigError) in try loader.parseWithWarnings(text, file: "fuzz.yml") }
    require(sameOutcome(first, second), "not deterministic")

    let document = try? Yams.compose(yaml: text)
    let secrets = inlineSecrets(document) + [fileSecret]
    let exempt = nonSecretTexts(document)
    switch first {
    case .failure(let error):
        require(error.file == "fuzz.yml", "error without the file: \(error)")
        let documentLevel =
            error.message.hasPrefix("the file is empty")
            || (error.message.hasPrefix("invalid YAML") && error.line == nil)
            || error.message == "not valid YAML" || error.message == "invalid YAML"
        checkErrorPosition(
            line: error.line, column: error.column, in: text, documentLevel: documentLevel, error: "\(error)")
        checkNoSecret(in: error.description, secrets: secrets, exempt: exempt, what: "the error")
    case .success(let loaded):
        for warning in loaded.warnings {
            checkNoSecret(in: warning, secrets: secrets, exempt: exempt, what: "a warning")
        }
        checkNoSecret(
            in: "\(loaded.configuration)", secrets: secrets, exempt: exempt, what: "the printed configuration")
        checkNoSecret(
            in: String(reflecting: loaded.configuration), secrets: secrets, exempt: exempt,
            what: "the debug description")
        checkBounds(loaded.configuration)
    }
    return 0
}

struct StubReadError: Error {}

func sameOutcome(_ a: Result<ConfigLoader.Loaded, ConfigError>, _ b: Result<ConfigLoader.Loaded, ConfigError>) -> Bool {
    switch (a, b) {
    case (.success(let x), .success(let y)): x.configuration == y.configuration && x.warnings == y.warnings
    case (.failure(let x), .failure(let y)): x == y
    default: false
    }
}

/// The inline secrets of the text, found with the same YAML library: the scalars at
/// `accounts[*].credentials.access_key_secret` and `.security_token`.
func inlineSecrets(_ document: Node?) -> [String] {
    guard case .mapping(let top)? = document,
        case .sequence(let accounts)? = top["accounts"]
    else { return [] }
    var secrets: [String] = []
    for account in accounts {
        guard case .mapping(let fields) = account, case .mapping(let credentials)? = fields["credentials"] else {
            continue
        }
        for key in ["access_key_secret", "security_token"] {
            if case .scalar(let scalar)? = credentials[key] { secrets.append(scalar.string) }
        }
    }
    return secrets
}

/// Texts an error may quote that are not secrets: every key and scalar of the document
/// except the secrets' own values, and the loader's key names.
func nonSecretTexts(_ document: Node?) -> [String] {
    var texts = Array(ConfigLoader.topLevelKeys) + Array(ConfigLoader.accountKeys) + Array(ConfigLoader.credentialKeys)
    guard let root = document else { return texts }
    func walk(_ node: Node, secretSlot: Bool) {
        switch node {
        case .scalar(let scalar):
            if !secretSlot { texts.append(scalar.string) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                walk(key, secretSlot: false)
                let name = key.scalar?.string ?? ""
                walk(value, secretSlot: name == "access_key_secret" || name == "security_token")
            }
        case .sequence(let sequence):
            for item in sequence { walk(item, secretSlot: false) }
        case .alias:
            break
        }
    }
    walk(root, secretSlot: false)
    return texts
}

func checkNoSecret(in output: String, secrets: [String], exempt: [String], what: String) {
    for secret in secrets where secret.utf8.count >= 6 && containsBytes(output, secret) {
        if exempt.contains(where: { containsBytes($0, secret) }) { continue }
        violated("\(what) shows the secret \"\(secret)\": \(output)")
    }
}

func checkBounds(_ configuration: ExporterConfiguration) {
    require(!configuration.accounts.isEmpty, "a configuration without accounts")
    require(Set(configuration.accounts.map(\.name)).count == configuration.accounts.count, "account names not unique")
    let buckets = configuration.durationBuckets
    require(
        buckets.allSatisfy { $0 > 0 && $0.isFinite } && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 },
        "buckets not positive and increasing: \(buckets)")
    for account in configuration.accounts {
        require(
            !account.name.isEmpty && account.name.unicodeScalars.count <= 128,
            "account name of \(account.name.unicodeScalars.count) code points")
        require(account.interval >= .seconds(1), "interval \(account.interval)")
        require(account.lookback >= .seconds(60), "lookback \(account.lookback)")
        require(
            account.pollTimeout >= account.interval,
            "poll timeout \(account.pollTimeout) below interval \(account.interval)")
        require(
            account.fullRefresh >= account.interval || account.fullRefresh == AccountConfiguration.Defaults.fullRefresh,
            "full refresh \(account.fullRefresh) below interval \(account.interval)")
        require(
            (1...100).contains(account.taskBatchSize) && (1...1000).contains(account.pageSize),
            "batch or page size out of range")
        require(
            (1...64).contains(account.maxConcurrentRequests), "max_concurrent_requests \(account.maxConcurrentRequests)"
        )
        require(
            account.requestsPerSecond > 0 && account.requestsPerSecond <= 1000,
            "requests_per_second \(account.requestsPerSecond)")
        require((1...65_535).contains(account.endpoint.port), "endpoint port \(account.endpoint.port)")
        if let ids = account.taskIds {
            require(!ids.isEmpty && Set(ids).count == ids.count, "task ids empty or repeated")
        }
        if let credentials = account.credentials {
            require(!credentials.accessKeyId.isEmpty && !credentials.accessKeySecret.isEmpty, "empty access key")
        }
    }
}
