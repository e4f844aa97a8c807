import Foundation
import SASSigning

/// The Alibaba Cloud CLI's `~/.aliyun/config.json` (or `ALIBABA_CLOUD_CONFIG_FILE`, as
/// the Go SDK honours it): `{"current": "...", "profiles": [{"name", "mode", ...}]}`. The
/// profile is `ALIBABA_CLOUD_PROFILE`, else `current`.
enum CLIProfileSource {
    static let supportedModes = ["AK", "StsToken", "RamRoleArn", "ChainableRamRoleArn", "EcsRamRole", "OIDC"]

    /// The file read: `ALIBABA_CLOUD_CONFIG_FILE`, else `$HOME/.aliyun/config.json`.
    static func path(_ context: CredentialSourceContext) -> String? {
        context.value("ALIBABA_CLOUD_CONFIG_FILE") ?? context.home(".aliyun/config.json")
    }

    private struct ConfigFile: Decodable {
        var current: String?
        var profiles: [Profile]?
    }

    /// A profile's scalar fields as strings (numbers and booleans written out).
    private struct Profile: Decodable {
        var fields: [String: String] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if let text = try? container.decode(String.self, forKey: key) {
                    fields[key.stringValue] = text
                } else if let number = try? container.decode(Int.self, forKey: key) {
                    fields[key.stringValue] = String(number)
                } else if let flag = try? container.decode(Bool.self, forKey: key) {
                    fields[key.stringValue] = String(flag)
                }
            }
        }
    }

    /// The provider the selected profile describes.
    static func provider(_ context: CredentialSourceContext) throws -> any CredentialProvider {
        guard let path = path(context) else { throw CredentialsError("no HOME to find ~/.aliyun/config.json in") }
        guard let text = try context.text(of: path) else { throw CredentialsError("\(path) does not exist") }
        let config: ConfigFile
        do {
            config = try JSONDecoder().decode(ConfigFile.self, from: Data(text.utf8))
        } catch {
            throw CredentialFileError(
                file: path, message: "is not a valid CLI configuration (a JSON object with `current` and `profiles`)")
        }
        var profiles: [String: [String: String]] = [:]
        for profile in config.profiles ?? [] {
            if let name = profile.fields["name"], profiles[name] == nil { profiles[name] = profile.fields }
        }
        guard let name = context.value("ALIBABA_CLOUD_PROFILE") ?? config.current.flatMap({ $0.isEmpty ? nil : $0 })
        else {
            throw CredentialsError("\(path) has no `current` profile and ALIBABA_CLOUD_PROFILE is not set")
        }
        guard profiles[name] != nil else { throw CredentialsError("\(path) has no profile '\(name)'") }
        return try provider(named: name, profiles: profiles, path: path, context: context, seen: [])
    }

    private static func provider(
        named name: String, profiles: [String: [String: String]], path: String, context: CredentialSourceContext,
        seen: Set<String>
    ) throws(CredentialFileError) -> any CredentialProvider {
        guard let fields = profiles[name] else {
            throw CredentialFileError(file: path, message: "has no profile '\(name)' (named as a `source_profile`)")
        }
        guard !seen.contains(name), seen.count < 5 else {
            throw CredentialFileError(
                file: path, message: "profile '\(name)': `source_profile` chain loops or is longer than 5")
        }
        let profile = ProfileFields(fields: fields, file: path, label: "profile '\(name)'")
        guard let mode = profile.optional("mode") else {
            throw CredentialFileError(file: path, message: "profile '\(name)' has no `mode`")
        }
        let sts = context.sts(region: profile.optional("sts_region"), vpc: profile.flag("enable_vpc"))
        let described: ProfileCredential
        switch mode {
        case "AK":
            described = .accessKey(try profile.accessKey())
        case "StsToken":
            _ = try profile.required("sts_token", for: mode)
            described = .accessKey(try profile.accessKey(tokenKey: "sts_token"))
        case "RamRoleArn", "ChainableRamRoleArn":
            let base: any CredentialProvider
            if mode == "RamRoleArn" {
                base = StaticCredentialProvider(try profile.accessKey(tokenKey: "sts_token"))
            } else {
                let source = try profile.required("source_profile", for: mode)
                base = try provider(
                    named: source, profiles: profiles, path: path, context: context, seen: seen.union([name]))
            }
            described = .role(
                .init(
                    base: base, roleArn: try profile.required("ram_role_arn", for: mode),
                    sessionName: profile.optional("ram_session_name"),
                    durationSeconds: try profile.duration("expired_seconds"),
                    policy: profile.optional("policy"), externalId: profile.optional("external_id"), stsEndpoint: sts
                ))
        case "EcsRamRole":
            described = .ecsRole(roleName: profile.optional("ram_role_name"))
        case "OIDC":
            described = .oidc(
                roleArn: try profile.required("ram_role_arn", for: mode),
                providerArn: try profile.required("oidc_provider_arn", for: mode),
                tokenFile: try profile.required("oidc_token_file", for: mode),
                sessionName: profile.optional("role_session_name"),
                durationSeconds: try profile.duration("expired_seconds"),
                stsEndpoint: sts
            )
        default:
            throw CredentialFileError(
                file: path,
                message: "profile '\(name)' uses mode '\(mode)', which sas-exporter does not support "
                    + "(supported: \(supportedModes.joined(separator: ", ")))"
            )
        }
        return context.provider(for: described)
    }
}
