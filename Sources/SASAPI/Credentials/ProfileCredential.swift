import SASSigning

/// What a profile of a credentials file describes, whichever file it comes from (the CLI's
/// `config.json` or the shared INI file): each file maps its own key names to this, and
/// `CredentialSourceContext.provider(for:)` builds the provider once for both.
enum ProfileCredential {
    /// An AccessKey, with an STS token or not.
    case accessKey(Credentials)
    /// A RAM role assumed by `base`.
    case role(RoleRequest)
    /// An OIDC role (RRSA) from a token file.
    case oidc(
        roleArn: String, providerArn: String, tokenFile: String, sessionName: String?, durationSeconds: Int?,
        stsEndpoint: String)
    /// The ECS instance's RAM role (discovered when `roleName` is nil).
    case ecsRole(roleName: String?)

    /// The settings of an `AssumeRole`.
    struct RoleRequest {
        var base: any CredentialProvider
        var roleArn: String
        var sessionName: String?
        var durationSeconds: Int?
        var policy: String?
        var externalId: String?
        var stsEndpoint: String
    }
}

extension CredentialSourceContext {
    /// The provider a profile describes; temporary credentials refreshed as `refresh` says.
    func provider(for profile: ProfileCredential) -> any CredentialProvider {
        switch profile {
        case .accessKey(let credentials):
            return StaticCredentialProvider(credentials)
        case .role(let request):
            return refresh.provider(
                for: AssumeRoleSource(
                    base: request.base, roleArn: request.roleArn, sessionName: request.sessionName ?? "sas-exporter",
                    durationSeconds: request.durationSeconds ?? 3600, policy: request.policy,
                    externalId: request.externalId,
                    stsEndpoint: request.stsEndpoint, clients: clients
                ))
        case .oidc(let roleArn, let providerArn, let tokenFile, let sessionName, let durationSeconds, let stsEndpoint):
            return refresh.provider(
                for: OIDCRoleSource(
                    roleArn: roleArn, providerArn: providerArn, tokenFile: tokenFile,
                    sessionName: sessionName ?? "sas-exporter",
                    stsEndpoint: stsEndpoint, durationSeconds: durationSeconds ?? 3600, clients: clients
                ))
        case .ecsRole(let roleName):
            return refresh.provider(for: ecsSource(roleName: roleName))
        }
    }
}
