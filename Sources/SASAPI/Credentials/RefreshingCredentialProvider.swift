import SASSigning

/// Credentials that expire (STS tokens), as a source returns them.
public struct TemporaryCredentials: Sendable, CustomStringConvertible {
    public let credentials: Credentials
    /// Expiry in seconds since the Unix epoch. The built-in sources never return nil (an
    /// answer without `Expiration` is refused); a custom source's nil is taken as one hour.
    public let expiration: Int64?

    public init(credentials: Credentials, expiration: Int64?) {
        self.credentials = credentials
        self.expiration = expiration
    }

    public var description: String {
        "TemporaryCredentials(\(credentials), expiration: "
            + "\(expiration.map { ACSTimestamp.format(epochSeconds: $0) } ?? "unknown"))"
    }
}

/// Something that fetches temporary credentials (STS, ECS metadata, a credentials URI).
public protocol TemporaryCredentialSource: Sendable {
    /// A short name for error messages (`oidc_role_arn`, `ecs_ram_role`, `credentials_uri`).
    var name: String { get }
    func fetch() async throws -> TemporaryCredentials
}

/// Caches a source's credentials and refreshes them `refreshMargin` (15 min, as the SDKs)
/// before they expire.
///
/// - A failed refresh keeps serving the old credentials until they really expire.
/// - Failures back off (`RefreshBackoff`): while waiting, callers get the cached
///   credentials if still valid, else the last error at once, and the source is not asked.
/// - Credentials that live shorter than the margin (a 900-second role) are refreshed
///   halfway through their life, not at every call.
/// - An answer that has already expired counts as a failure; a custom source's answer
///   without an expiry is kept for one hour (the Python SDK's rule).
/// - Concurrent callers share one refresh.
public actor RefreshingCredentialProvider: CredentialProvider {
    private let source: any TemporaryCredentialSource
    private let refreshMargin: Int64
    private let backoff: RefreshBackoff
    private let epochSeconds: @Sendable () -> Int64
    private let now: @Sendable () -> ContinuousClock.Instant
    private var cached: TemporaryCredentials?
    /// Epoch seconds: the cached credentials' expiry, and when to refresh them.
    private var validUntil: Int64 = .min
    private var refreshAt: Int64 = .min
    private var failures = 0
    private var lastError: (any Error)?
    private var retryAt: ContinuousClock.Instant?
    private var refreshing: Task<Void, Never>?

    /// - Parameters:
    ///   - refreshMargin: refresh this long before `Expiration`.
    ///   - backoff: the waits between failed attempts.
    ///   - epochSeconds: the wall clock that `Expiration` is compared with.
    ///   - now: the monotonic clock of the backoff.
    public init(
        source: any TemporaryCredentialSource,
        refreshMargin: Duration = .seconds(15 * 60),
        backoff: RefreshBackoff = RefreshBackoff(),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.source = source
        self.refreshMargin = refreshMargin.components.seconds
        self.backoff = backoff
        self.epochSeconds = epochSeconds
        self.now = now
    }

    public func credentials() async throws -> Credentials {
        if let cached, epochSeconds() < refreshAt { return cached.credentials }
        if retryAt.map({ now() >= $0 }) ?? true {
            await refresh()
        }
        if let cached, epochSeconds() < validUntil { return cached.credentials }
        let reason = lastError.map { "\($0)" } ?? "no answer yet"
        let wait =
            retryAt.map { instant -> String in
                let left = now().duration(to: instant)
                return left > .zero ? " (next attempt in \(max(1, Int(left.seconds.rounded(.up)))) s)" : ""
            } ?? ""
        throw CredentialsError("Could not get Alibaba Cloud credentials from \(source.name): \(reason)\(wait)")
    }

    /// Runs one refresh, or waits for the one in progress; the state is updated when it
    /// returns.
    private func refresh() async {
        if let refreshing { return await refreshing.value }
        let task = Task { await self.performRefresh() }
        refreshing = task
        await task.value
    }

    private func performRefresh() async {
        let result: Result<TemporaryCredentials, any Error>
        do {
            result = .success(try await source.fetch())
        } catch {
            result = .failure(error)
        }
        apply(result)
        refreshing = nil
    }

    private func apply(_ result: Result<TemporaryCredentials, any Error>) {
        let current = epochSeconds()
        switch result {
        case .success(let fresh):
            let expiry = fresh.expiration ?? current + 3600
            guard expiry > current else {
                return failed(CredentialsError("\(source.name) returned credentials that had already expired"))
            }
            cached = fresh
            validUntil = expiry
            refreshAt =
                expiry - refreshMargin > current ? expiry - refreshMargin : current + max(1, (expiry - current) / 2)
            failures = 0
            lastError = nil
            retryAt = nil
        case .failure(let error):
            failed(error)
        }
    }

    private func failed(_ error: any Error) {
        failures += 1
        lastError = error
        retryAt = now().advanced(by: backoff.delay(afterFailures: failures))
    }
}
