/// How the temporary credentials of a chain or factory are refreshed: margin, backoff and
/// clocks, handed to every `RefreshingCredentialProvider` it makes.
public struct RefreshSettings: Sendable {
    public var refreshMargin: Duration
    public var backoff: RefreshBackoff
    public var epochSeconds: @Sendable () -> Int64
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(
        refreshMargin: Duration = .seconds(15 * 60), backoff: RefreshBackoff = RefreshBackoff(),
        epochSeconds: @escaping @Sendable () -> Int64 = SASClientEnvironment.systemEpochSeconds,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.refreshMargin = refreshMargin
        self.backoff = backoff
        self.epochSeconds = epochSeconds
        self.now = now
    }

    /// A caching, refreshing provider for `source`.
    public func provider(for source: any TemporaryCredentialSource) -> RefreshingCredentialProvider {
        RefreshingCredentialProvider(
            source: source, refreshMargin: refreshMargin, backoff: backoff, epochSeconds: epochSeconds, now: now
        )
    }
}
