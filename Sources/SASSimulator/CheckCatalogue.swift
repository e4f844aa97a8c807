/// A check item the data set draws from, named in both languages the API answers.
public struct CatalogueCheck: Sendable, Equatable {
    public let id: Int64
    public let english: String
    public let chinese: String

    /// The name for `Lang` (`en`, anything else is `zh`).
    public func name(lang: String) -> String {
        lang == "en" ? english : chinese
    }
}

/// The fixed catalogue of check items. Some names are awkward on purpose: quotes,
/// backslashes, a newline, emoji, a very long name.
public enum CheckCatalogue {
    public static let checks: [CatalogueCheck] = [
        .init(id: 133, english: "Check for Security Center Agent Status", chinese: "安全中心客户端状态检查"),
        .init(id: 101, english: "Password complexity policy", chinese: "密码复杂度策略"),
        .init(id: 102, english: "SSH \"PermitRootLogin\" disabled", chinese: "SSH \"PermitRootLogin\" 已禁用"),
        .init(
            id: 103, english: "Windows path C:\\Windows\\System32 permissions",
            chinese: "Windows 路径 C:\\Windows\\System32 权限"),
        .init(id: 104, english: "Multi-line\nname check", chinese: "多行\n名称检查"),
        .init(id: 105, english: "Firewall enabled 🔥", chinese: "防火墙已启用 🔥"),
        .init(id: 106, english: "OSS bucket is not publicly readable", chinese: "OSS 存储空间不可公开读"),
        .init(id: 107, english: "RDS instance whitelist does not allow 0.0.0.0/0", chinese: "RDS 实例白名单未开放 0.0.0.0/0"),
        .init(id: 108, english: "ECS disk encryption", chinese: "ECS 云盘加密"),
        .init(id: 109, english: "SLB listener uses HTTPS", chinese: "SLB 监听使用 HTTPS"),
        .init(id: 110, english: "RAM user MFA enabled", chinese: "RAM 用户开启 MFA"),
        .init(id: 111, english: "AccessKey rotated within 90 days", chinese: "AccessKey 90 天内轮换"),
        .init(id: 112, english: "ActionTrail enabled in all regions", chinese: "所有地域开启操作审计"),
        .init(id: 113, english: "Security group does not open port 22 to the internet", chinese: "安全组未向公网开放 22 端口"),
        .init(id: 114, english: "Kubernetes API server audit log", chinese: "Kubernetes API Server 审计日志"),
        .init(id: 115, english: "Redis instance password set", chinese: "Redis 实例已设置密码"),
        .init(
            id: 116, english: "Log retention ≥ 180 days, 'quoted' & <angle> {braces}",
            chinese: "日志保留 ≥ 180 天，'引号' & <尖括号> {花括号}"),
        .init(
            id: 117, english: String(repeating: "Very long check name that keeps going ", count: 12) + "end",
            chinese: String(repeating: "非常长的检查项名称一直延续下去", count: 16) + "结束"),
        .init(id: 118, english: "Tab\tseparated and trailing space ", chinese: "制表符\t分隔与末尾空格 "),
        .init(id: 119, english: "Container image vulnerability scan 🐳✅", chinese: "容器镜像漏洞扫描 🐳✅"),
    ]

    private static let byId: [Int64: CatalogueCheck] = Dictionary(
        checks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }
    )

    /// The check with this id, if the catalogue has it.
    public static func check(id: Int64) -> CatalogueCheck? {
        byId[id]
    }

    /// The name of a check id; ids outside the catalogue get a generated name.
    public static func name(id: Int64, lang: String) -> String {
        check(id: id)?.name(lang: lang) ?? (lang == "en" ? "Check \(id)" : "检查项 \(id)")
    }
}
