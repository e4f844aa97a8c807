import SASSigning

/// Credentials that expire (STS tokens), as a source returns them.
public struct TemporaryCredentials: Sendable, CustomStringConvertible {
    public let credentials: Credentials
    /// Expiry in seconds since the Unix epoch; nil never expires.
    public let expiration: Int64?

    public init(credentials: Credentials, expiration: Int64?) {
        self.credentials = credentials
        self.expiration = expiration
    }

    public var description: String {
        "TemporaryCredentials(\(credentials), expiration: \(expiration.map { ACSTimestamp.format(epochSeconds: $0) } ?? "never"))"
    }
}

/// Something that fetches temporary credentials (STS, ECS metadata, a credentials URI).
public protocol TemporaryCredentialSource: Sendable {
    /// A short name for error messages (`oidc_role_arn`, `ecs_ram_role`, `credentials_uri`).
    var name: String { get }
    func fetch() async throws -> TemporaryCredentials
}

/// Caches a source's credentials and refreshes them `refreshMargin` (15 min) before they
/// expire. A failed refresh keeps serving the old credentials until they really expire;
/// concurrent callers share one refresh.
public actor RefreshingCredentialProvider: CredentialProvider {
    private let source: any TemporaryCredentialSource
    private let refreshMargin: Int64
    private let epochSeconds: @Sendable () -> Int64
    private var cached: TemporaryCredentials?
    private var refreshing: Task<TemporaryCredentials, any Error>?

    public init(
        source: any TemporaryCredentialSource,
        refreshMargin: Duration = .seconds(15 * 60),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds
    ) {
        self.source = source
        self.refreshMargin = refreshMargin.components.seconds
        self.epochSeconds = epochSeconds
    }

    public func credentials() async throws -> Credentials {
        let now = epochSeconds()
        if let cached, !needsRefresh(cached, now: now) { return cached.credentials }
        do {
            let fresh = try await refresh()
            cached = fresh
            return fresh.credentials
        } catch {
            if let cached, cached.expiration.map({ $0 > now }) ?? true { return cached.credentials }
            let source = self.source
            throw CredentialsError("Could not get Alibaba Cloud credentials from \(source.name): \(error)")
        }
    }

    private func needsRefresh(_ value: TemporaryCredentials, now: Int64) -> Bool {
        guard let expiration = value.expiration else { return false }
        return now >= expiration - refreshMargin
    }

    private func refresh() async throws -> TemporaryCredentials {
        if let refreshing { return try await refreshing.value }
        let source = self.source
        let task = Task { try await source.fetch() }
        refreshing = task
        defer { refreshing = nil }
        return try await task.value
    }
}
