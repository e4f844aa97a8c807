import Foundation
import SASAPI
import SASSigning
import Yams

/// Reads, checks and defaults the YAML configuration file.
///
/// Strict: an unknown key, a wrong type, a bad duration or a missing required key is a
/// `ConfigError` naming the file, line and key path. Secret files are read here, so a
/// missing secret file is reported at load (and at reload) time.
public struct ConfigLoader: Sendable {
    /// Reads files named in the configuration (secret files); injectable for tests.
    public var readFile: @Sendable (String) throws -> String
    /// Whether secret files are read (at start and reload). `--config.check` turns it off
    /// so a file can be checked where its secrets are not mounted (CI, a laptop).
    public var readsSecretFiles: Bool

    public init(
        readsSecretFiles: Bool = true,
        readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) {
        self.readsSecretFiles = readsSecretFiles
        self.readFile = readFile
    }

    /// A loaded configuration and what the loader noticed without refusing it.
    public struct Loaded: Sendable {
        public var configuration: ExporterConfiguration
        /// One line each, to be logged (for example task ids given twice).
        public var warnings: [String]
    }

    /// Loads the file at `path`.
    public func load(path: String) throws(ConfigError) -> ExporterConfiguration {
        try read(path: path).configuration
    }

    /// Loads the file at `path`, with its warnings.
    public func read(path: String) throws(ConfigError) -> Loaded {
        try parseWithWarnings(YAMLDocument.read(path, what: "configuration file", with: readFile), file: path)
    }

    /// Parses YAML text; `file` names it in errors.
    public func parse(_ text: String, file: String) throws(ConfigError) -> ExporterConfiguration {
        try parseWithWarnings(text, file: file).configuration
    }

    /// Parses YAML text, with its warnings.
    public func parseWithWarnings(_ text: String, file: String) throws(ConfigError) -> Loaded {
        guard let root = try YAMLDocument.root(text, file: file) else {
            throw ConfigError(file: file, message: "the file is empty: it needs at least an `accounts` list")
        }
        var warnings: [String] = []
        let configuration = try build(root, warnings: &warnings)
        return Loaded(configuration: configuration, warnings: warnings)
    }

    static let topLevelKeys: Set = ["interval", "lookback", "state_file", "duration_buckets", "accounts"]
    static let accountKeys: Set = [
        "name", "region", "endpoint", "signature", "credentials", "task_ids", "task_batch_size", "page_size",
        "lang", "interval", "lookback", "poll_timeout", "full_refresh", "requests_per_second",
        "max_concurrent_requests",
        "max_tracked_subtasks",
    ]
    static let credentialKeys: Set<String> = Set([
        "access_key_id", "access_key_secret", "access_key_secret_file", "security_token", "security_token_file",
    ]).union(roleKeys)
    /// The per-account role keys (all but `role_arn` need `role_arn`).
    static let roleKeys: Set = ["role_arn", "role_session_name", "external_id", "duration", "sts_endpoint"]

    /// Defaults of the file's top level, handed to every account.
    private struct TopLevel {
        var interval = AccountConfiguration.Defaults.interval
        var lookback = AccountConfiguration.Defaults.lookback
    }

    private func build(_ root: YAMLNodeReader, warnings: inout [String]) throws(ConfigError) -> ExporterConfiguration {
        let top = try root.mapping(allowed: Self.topLevelKeys)
        var config = ExporterConfiguration(accounts: [])
        var defaults = TopLevel()
        if let node = top["interval"] { defaults.interval = try node.duration(minimum: .seconds(1)) }
        if let node = top["lookback"] { defaults.lookback = try node.duration(minimum: .seconds(60)) }
        if let node = top["state_file"], !node.isNull { config.stateFile = try node.nonEmptyString() }
        if let node = top["duration_buckets"] { config.durationBuckets = try buckets(node) }
        guard let accountsNode = top["accounts"] else {
            throw root.error("missing required key `accounts` (a list of accounts to poll)")
        }
        let items = try accountsNode.sequence()
        guard !items.isEmpty else { throw accountsNode.error("needs at least one account") }
        var names: Set<String> = []
        for item in items {
            let account = try self.account(item, defaults: defaults, warnings: &warnings)
            guard names.insert(account.name).inserted else {
                throw item.error("account name \"\(account.name)\" is used twice; names must be unique")
            }
            config.accounts.append(account)
        }
        return config
    }

    private func buckets(_ node: YAMLNodeReader) throws(ConfigError) -> [Double] {
        var values: [Double] = []
        for item in try node.sequence() {
            let value = try item.double()
            guard value > 0 else { throw item.error("bucket bounds must be positive") }
            if let last = values.last, value <= last { throw item.error("bucket bounds must increase") }
            values.append(value)
        }
        guard !values.isEmpty else { throw node.error("needs at least one bucket bound") }
        return values
    }

    private func account(
        _ node: YAMLNodeReader, defaults: TopLevel, warnings: inout [String]
    ) throws(ConfigError) -> AccountConfiguration {
        let fields = try node.mapping(allowed: Self.accountKeys)
        guard let nameNode = fields["name"] else { throw node.error("missing required key `name` (the account label)") }
        let name = try nameNode.nonEmptyString()
        // Counted in Unicode scalars, not characters: the exposition cuts label values at
        // 256 scalars, and two names cut to the same value would give duplicate series (a
        // character may hold any number of combining scalars). At most 128, no control
        // character: the `account` label is exposed exactly as written.
        guard name.unicodeScalars.count <= 128,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw nameNode.error("must be at most 128 Unicode code points with no control characters")
        }
        let region = try fields["region"]?.nonEmptyString()
        let endpoint: Endpoint
        if let node = fields["endpoint"] {
            let text = try node.nonEmptyString()
            do {
                endpoint = try Endpoint(parsing: text)
            } catch {
                throw node.error(error.reason)
            }
        } else if let region {
            endpoint = Endpoint.forRegion(region)
        } else {
            throw node.error("account \"\(name)\" needs `region` or `endpoint`")
        }
        var account = AccountConfiguration(
            name: name, endpoint: endpoint, region: region, interval: defaults.interval, lookback: defaults.lookback
        )
        if let node = fields["signature"] {
            let text = try node.string()
            guard let choice = SignatureVersion(rawValue: text) else { throw node.error("must be `v3` or `rpc`") }
            account.signature = choice
        }
        if let node = fields["credentials"] {
            let fields = try node.mapping(allowed: Self.credentialKeys)
            account.role = try role(fields, in: node, account: name)
            // With a role, the account's own key is optional: the default chain assumes it.
            let ownKey = fields.keys.contains { !Self.roleKeys.contains($0) }
            if account.role == nil || ownKey { account.credentials = try credentials(fields, in: node) }
        }
        if let node = fields["task_ids"] {
            let ids = try node.stringList()
            guard !ids.isEmpty else {
                throw node.error("must list at least one task id, or be left out to discover tasks")
            }
            var seen = Set<String>()
            let unique = ids.filter { seen.insert($0).inserted }
            if unique.count < ids.count {
                warnings.append(
                    "\(node.error("").location): \(ids.count - unique.count) task id(s) listed more than once; "
                        + "each is polled once"
                )
            }
            account.taskIds = unique
        }
        if let node = fields["task_batch_size"] { account.taskBatchSize = try node.int(in: 1...100) }
        if let node = fields["page_size"] { account.pageSize = try node.int(in: 1...1000) }
        if let node = fields["lang"] {
            let lang = try node.string()
            guard lang == "en" || lang == "zh" else { throw node.error("must be `en` or `zh`") }
            account.lang = lang
        }
        if let node = fields["interval"] { account.interval = try node.duration(minimum: .seconds(1)) }
        if let node = fields["lookback"] { account.lookback = try node.duration(minimum: .seconds(60)) }
        account.pollTimeout = AccountConfiguration.Defaults.pollTimeout(interval: account.interval)
        if let node = fields["poll_timeout"] {
            account.pollTimeout = try node.duration(minimum: account.interval, what: "the interval")
        }
        if let node = fields["full_refresh"] {
            account.fullRefresh = try node.duration(minimum: account.interval, what: "the interval")
        }
        if let node = fields["requests_per_second"] {
            let value = try node.double()
            guard value > 0, value <= 1000 else { throw node.error("must be above 0 and at most 1000") }
            account.requestsPerSecond = value
        }
        if let node = fields["max_concurrent_requests"] { account.maxConcurrentRequests = try node.int(in: 1...64) }
        if let node = fields["max_tracked_subtasks"] {
            account.maxTrackedSubtasks = try node.int(in: 1000...50_000_000)
        }
        return account
    }

    private func credentials(_ fields: [String: YAMLNodeReader], in node: YAMLNodeReader) throws(ConfigError)
        -> Credentials
    {
        guard let idNode = fields["access_key_id"] else {
            throw node.error("missing `access_key_id` (or leave `credentials` out to use the default credential chain)")
        }
        let id = try idNode.nonEmptyString()
        guard
            let secret = try secretValue(fields, inline: "access_key_secret", file: "access_key_secret_file", in: node)
        else {
            throw node.error("needs `access_key_secret` or `access_key_secret_file`")
        }
        let token = try secretValue(fields, inline: "security_token", file: "security_token_file", in: node)
        return Credentials(accessKeyId: id, accessKeySecret: secret, securityToken: token)
    }

    /// The role keys: nil without `role_arn`; defaults `role_session_name`
    /// `sas-exporter-<account>` and `duration` 1h; checked against STS's limits.
    private func role(_ fields: [String: YAMLNodeReader], in node: YAMLNodeReader, account: String) throws(ConfigError)
        -> RoleAssumption?
    {
        guard let arnNode = fields["role_arn"] else {
            if let stray = Self.roleKeys.sorted().first(where: { fields[$0] != nil }) {
                throw node.error("`\(stray)` needs `role_arn` (the role to assume)")
            }
            return nil
        }
        var role = RoleAssumption(
            roleArn: try arnNode.nonEmptyString(), roleSessionName: RoleAssumption.defaultSessionName(account: account))
        if let value = fields["role_session_name"] { role.roleSessionName = try value.nonEmptyString() }
        if let value = fields["external_id"] { role.externalId = try value.nonEmptyString() }
        if let value = fields["duration"] { role.duration = try value.duration(minimum: .seconds(900)) }
        if let value = fields["sts_endpoint"] { role.stsEndpoint = try value.nonEmptyString() }
        do {
            try role.validate()
        } catch {
            throw (fields[error.key] ?? node).error(error.message)
        }
        return role
    }

    /// Reads a secret given inline or in a file (trailing newline removed); never echoes it.
    private func secretValue(
        _ fields: [String: YAMLNodeReader], inline: String, file: String, in node: YAMLNodeReader
    ) throws(ConfigError) -> Secret? {
        switch (fields[inline], fields[file]) {
        case (.some, .some):
            throw node.error("give `\(inline)` or `\(file)`, not both")
        case (.some(let value), nil):
            let text = try value.string()
            guard !text.isEmpty else { throw value.error("must not be empty") }
            return Secret(text)
        case (nil, .some(let pathNode)):
            let path = try pathNode.nonEmptyString()
            guard readsSecretFiles else { return Secret("") }
            let contents: String
            do {
                contents = try readFile(path)
            } catch {
                throw pathNode.error("cannot read \(path) (\(YAMLDocument.reason(error)))")
            }
            var trimmed = Substring(contents)
            while let last = trimmed.last, last == "\n" || last == "\r" { trimmed = trimmed.dropLast() }
            guard !trimmed.isEmpty else { throw pathNode.error("\(path) is empty") }
            return Secret(String(trimmed))
        case (nil, nil):
            return nil
        }
    }
}
