import SASSigning

/// What the file-configured sources need to build their providers.
struct CredentialSourceContext: Sendable {
    var environment: [String: String]
    var clients: CredentialHTTPClients
    /// Overrides every STS endpoint (tests, the exporter's `SAS_EXPORTER_STS_ENDPOINT`).
    var stsEndpoint: String?
    var ecsMetadataBaseURL: String
    var files: CredentialFiles
    var refresh: RefreshSettings

    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// `HOME` joined with `relative`; nil without `HOME`.
    func home(_ relative: String) -> String? {
        guard let home = value("HOME") else { return nil }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/" + relative
    }

    /// The STS endpoint (`STSEndpoint.resolve`): the override, `ALIBABA_CLOUD_STS_ENDPOINT`,
    /// the profile's `sts_region`/`enable_vpc` or the environment's region and VPC switch,
    /// else the global endpoint.
    func sts(region: String? = nil, vpc: Bool? = nil) -> String {
        STSEndpoint.resolve(explicit: stsEndpoint, profileRegion: region, profileVPC: vpc, environment: environment)
    }

    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`: the metadata service is asked with an IMDSv2
    /// token only.
    var imdsV1Disabled: Bool { value("ALIBABA_CLOUD_IMDSV1_DISABLED")?.lowercased() == "true" }

    /// The ECS RAM role source for `roleName` (discovered when nil).
    func ecsSource(roleName: String?) -> ECSMetadataSource {
        ECSMetadataSource(
            baseURL: ecsMetadataBaseURL, roleName: roleName, imdsV1Disabled: imdsV1Disabled, clients: clients)
    }

    /// The file's text: nil when it does not exist.
    func text(of path: String) throws(CredentialFileError) -> String? {
        do {
            return try files.read(path).map { String(decoding: $0, as: UTF8.self) }
        } catch let error as CredentialFileError {
            throw error
        } catch {
            throw CredentialFileError(file: path, message: "cannot be read")
        }
    }
}

/// A provider described by a credentials file, resolved on first use and kept (so the
/// temporary credentials it makes are cached and refreshed). Resolving throws
/// `CredentialsError` when the source simply does not apply (no file, no such profile:
/// the chain goes on) and `CredentialFileError` when the file is broken (the chain stops).
actor FileCredentialProvider: CredentialProvider {
    let name: String
    private let resolve: @Sendable () throws -> any CredentialProvider
    private var resolved: (any CredentialProvider)?

    init(name: String, resolve: @escaping @Sendable () throws -> any CredentialProvider) {
        self.name = name
        self.resolve = resolve
    }

    func credentials() async throws -> Credentials {
        if let resolved { return try await resolved.credentials() }
        let provider = try resolve()
        resolved = provider
        return try await provider.credentials()
    }
}

/// Reads fields of one profile or section, naming the file and profile in errors, never
/// the values.
struct ProfileFields {
    let fields: [String: String]
    let file: String
    /// `profile 'name'` or `section [name]`.
    let label: String

    func optional(_ key: String) -> String? { fields[key].flatMap { $0.isEmpty ? nil : $0 } }

    func required(_ key: String, for kind: String) throws(CredentialFileError) -> String {
        guard let value = optional(key) else {
            throw CredentialFileError(file: file, message: "\(label) (\(kind)) needs `\(key)`")
        }
        return value
    }

    /// A duration in seconds: absent or 0 gives 3600; otherwise at least 900.
    func duration(_ key: String) throws(CredentialFileError) -> Int {
        guard let text = optional(key) else { return 3600 }
        guard let value = Int(text), value == 0 || value >= 900 else {
            throw CredentialFileError(
                file: file, message: "\(label): `\(key)` must be a number of seconds, at least 900")
        }
        return value == 0 ? 3600 : value
    }

    func flag(_ key: String) -> Bool? {
        optional(key).map { ["true", "1", "yes"].contains($0.lowercased()) }
    }

    func accessKey(tokenKey: String? = nil) throws(CredentialFileError) -> Credentials {
        let kind = tokenKey == nil ? "AccessKey" : "AccessKey and STS token"
        let id = try required("access_key_id", for: kind)
        let secret = try required("access_key_secret", for: kind)
        return Credentials(
            accessKeyId: id, accessKeySecret: Secret(secret),
            securityToken: tokenKey.flatMap { optional($0) }.map(Secret.init))
    }
}
