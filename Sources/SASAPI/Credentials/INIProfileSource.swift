import SASSigning

/// The shared credentials file `~/.alibabacloud/credentials.ini` (or
/// `ALIBABA_CLOUD_CREDENTIALS_FILE`), section `ALIBABA_CLOUD_PROFILE` (default `default`),
/// `type = access_key | ram_role_arn | oidc_role_arn | ecs_ram_role` with the keys of the
/// official SDKs.
enum INIProfileSource {
    static let supportedTypes = ["access_key", "ram_role_arn", "oidc_role_arn", "ecs_ram_role"]

    /// The file read: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `$HOME/.alibabacloud/credentials.ini`.
    static func path(_ context: CredentialSourceContext) -> String? {
        context.value("ALIBABA_CLOUD_CREDENTIALS_FILE") ?? context.home(".alibabacloud/credentials.ini")
    }

    static func provider(_ context: CredentialSourceContext) throws -> any CredentialProvider {
        guard let path = path(context) else { throw CredentialsError("no HOME to find ~/.alibabacloud/credentials.ini in") }
        guard let text = try context.text(of: path) else { throw CredentialsError("\(path) does not exist") }
        let file = try INIFile(parsing: text, file: path)
        let name = context.value("ALIBABA_CLOUD_PROFILE") ?? "default"
        guard let fields = file.sections[name] else { throw CredentialsError("\(path) has no section [\(name)]") }
        let section = ProfileFields(fields: fields, file: path, label: "section [\(name)]")
        guard let type = section.optional("type") else { throw CredentialFileError(file: path, message: "section [\(name)] has no `type`") }
        switch type {
        case "access_key":
            return StaticCredentialProvider(try section.accessKey())
        case "ram_role_arn":
            let source = AssumeRoleSource(
                base: StaticCredentialProvider(try section.accessKey()),
                roleArn: try section.required("role_arn", for: type),
                sessionName: section.optional("role_session_name") ?? "sas-exporter",
                policy: section.optional("policy"), stsEndpoint: context.sts(), httpClient: context.httpClient
            )
            return RefreshingCredentialProvider(source: source)
        case "oidc_role_arn":
            let source = OIDCRoleSource(
                roleArn: try section.required("role_arn", for: type),
                providerArn: try section.required("oidc_provider_arn", for: type),
                tokenFile: try section.required("oidc_token_file_path", for: type),
                sessionName: section.optional("role_session_name") ?? "sas-exporter",
                stsEndpoint: context.sts(), httpClient: context.httpClient
            )
            return RefreshingCredentialProvider(source: source)
        case "ecs_ram_role":
            let source = ECSMetadataSource(
                baseURL: context.ecsMetadataBaseURL, roleName: section.optional("role_name"), httpClient: context.httpClient
            )
            return RefreshingCredentialProvider(source: source)
        default:
            throw CredentialFileError(
                file: path,
                message: "section [\(name)] has type '\(type)', which sas-exporter does not support "
                    + "(supported: \(supportedTypes.joined(separator: ", ")))"
            )
        }
    }
}
