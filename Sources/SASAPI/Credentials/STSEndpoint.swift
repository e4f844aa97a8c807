import SASModels

/// Where STS calls (`AssumeRole`, `AssumeRoleWithOIDC`) go.
///
/// The order, first match wins:
///
/// 1. an explicit endpoint (an account's `sts_endpoint`, the exporter's test override);
/// 2. `ALIBABA_CLOUD_STS_ENDPOINT` (injected by ack-pod-identity-webhook 0.4.0 and later
///    and read by ack-ram-tool and the aliyun CLI; a host such as
///    `sts-vpc.cn-hangzhou.aliyuncs.com`, or a URL);
/// 3. `sts.<region>.aliyuncs.com` for the profile's own `sts_region`, else
///    `ALIBABA_CLOUD_STS_REGION`, else the region of the account the role is for;
///    `sts-vpc.<region>.aliyuncs.com` when VPC endpoints are asked for (a profile's
///    `enable_vpc`, else `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), as credentials-go and
///    alibabacloud-credentials build it;
/// 4. `sts.aliyuncs.com`.
///
/// The environment's region comes before the account's because it describes where the
/// exporter runs (which STS it can reach, on a VPC-only cluster the only one), while any
/// regional STS endpoint can assume a role of any account.
public enum STSEndpoint {
    /// The global endpoint.
    public static let global = "https://sts.aliyuncs.com"

    /// The STS base URL (`https://host`, or the scheme and port given) for a call.
    /// - Parameters:
    ///   - explicit: an endpoint configured for this role (wins over everything).
    ///   - profileRegion, profileVPC: a CLI profile's `sts_region` and `enable_vpc` (the
    ///     SDKs' explicit `stsRegionId` / `enableVpc`).
    ///   - accountRegion: the region of the account the credentials are for.
    public static func resolve(
        explicit: String? = nil, profileRegion: String? = nil, profileVPC: Bool? = nil, accountRegion: String? = nil,
        environment: [String: String]
    ) -> String {
        func value(_ name: String) -> String? { nonEmpty(environment[name]) }
        if let explicit = nonEmpty(explicit) { return baseURL(explicit) }
        if let endpoint = value("ALIBABA_CLOUD_STS_ENDPOINT") { return baseURL(endpoint) }
        let vpc = profileVPC ?? (value("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")?.lowercased() == "true")
        let region = nonEmpty(profileRegion) ?? value("ALIBABA_CLOUD_STS_REGION") ?? nonEmpty(accountRegion)
        return regional(region, vpc: vpc)
    }

    /// `https://sts.<region>.aliyuncs.com` (`sts-vpc.` with `vpc`); the global endpoint
    /// without a region (also with `vpc`, as the SDKs do).
    public static func regional(_ region: String?, vpc: Bool = false) -> String {
        guard let region = nonEmpty(region) else { return global }
        return "https://\(vpc ? "sts-vpc" : "sts").\(region).aliyuncs.com"
    }

    /// `host`, `host:port` or `scheme://host[:port][/]` as a base URL without a trailing
    /// slash; `https` when no scheme is given.
    public static func baseURL(_ text: String) -> String {
        var value = Substring(text.trimmingBlanks)
        while value.hasSuffix("/") { value = value.dropLast() }
        return value.contains("://") ? String(value) : "https://" + value
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.trimmingBlanks.isEmpty else { return nil }
        return text
    }
}
