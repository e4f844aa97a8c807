import SASSigning

/// The shared credentials file, section `ALIBABA_CLOUD_PROFILE` (default `default`),
/// `type = access_key | ram_role_arn | oidc_role_arn | ecs_ram_role` with the keys of the
/// official SDKs.
///
/// The file is `ALIBABA_CLOUD_CREDENTIALS_FILE` when set; otherwise the first that exists
/// of `~/.alibabacloud/credentials` (the path of credentials-go's profile provider) and
/// `~/.alibabacloud/credentials.ini` (the path of alibabacloud-credentials for Python
/// 1.0.x). Neither SDK reads both, so there is no SDK order to copy: the current Go
/// SDK's path comes first, and `credentials.ini`, which this exporter used to read alone,
/// still works when it is the only one. Only one file is read: a section missing from the
/// first file is not looked up in the second.
enum INIProfileSource {
    static let supportedTypes = ["access_key", "ram_role_arn", "oidc_role_arn", "ecs_ram_role"]

    /// The files tried, in order: `ALIBABA_CLOUD_CREDENTIALS_FILE` alone when set, else
    /// the two default paths under `HOME` (none without `HOME`).
    static func paths(_ context: CredentialSourceContext) -> [String] {
        if let file = context.value("ALIBABA_CLOUD_CREDENTIALS_FILE") { return [file] }
        return [".alibabacloud/credentials", ".alibabacloud/credentials.ini"].compactMap { context.home($0) }
    }

    static func provider(_ context: CredentialSourceContext) throws -> any CredentialProvider {
        let candidates = paths(context)
        guard !candidates.isEmpty else {
            throw CredentialsError("no HOME to find ~/.alibabacloud/credentials(.ini) in")
        }
        var found: (path: String, text: String)?
        for path in candidates {
            if let text = try context.text(of: path) {
                found = (path, text)
                break
            }
        }
        guard let (path, text) = found else {
            throw CredentialsError("\(candidates.joined(separator: " and ")) do not exist")
        }
        let file = try INIFile(parsing: text, file: path)
        let name = context.value("ALIBABA_CLOUD_PROFILE") ?? "default"
        guard let fields = file.sections[name] else { throw CredentialsError("\(path) has no section [\(name)]") }
        let section = ProfileFields(fields: fields, file: path, label: "section [\(name)]")
        guard let type = section.optional("type") else {
            throw CredentialFileError(file: path, message: "section [\(name)] has no `type`")
        }
        let described: ProfileCredential
        switch type {
        case "access_key":
            described = .accessKey(try section.accessKey())
        case "ram_role_arn":
            described = .role(
                .init(
                    base: StaticCredentialProvider(try section.accessKey()),
                    roleArn: try section.required("role_arn", for: type),
                    sessionName: section.optional("role_session_name"), durationSeconds: nil,
                    policy: section.optional("policy"),
                    externalId: nil, stsEndpoint: context.sts()
                ))
        case "oidc_role_arn":
            described = .oidc(
                roleArn: try section.required("role_arn", for: type),
                providerArn: try section.required("oidc_provider_arn", for: type),
                tokenFile: try section.required("oidc_token_file_path", for: type),
                sessionName: section.optional("role_session_name"), durationSeconds: nil, stsEndpoint: context.sts()
            )
        case "ecs_ram_role":
            described = .ecsRole(roleName: section.optional("role_name"))
        default:
            throw CredentialFileError(
                file: path,
                message: "section [\(name)] has type '\(type)', which sas-exporter does not support "
                    + "(supported: \(supportedTypes.joined(separator: ", ")))"
            )
        }
        return context.provider(for: described)
    }
}
