import Logging
import SASModels
import SASSigning

/// The signed Security Center client of one account.
///
/// Every call is `POST /` with an empty body, signed with V3 or RPC, limited by the
/// account's concurrency and rate limits, retried by `configuration.retry` within the
/// caller's deadline, and reported to the observer once per attempt (failures that never
/// reached the wire included, with their cause as the code).
///
/// Calls use typed throws: they only ever throw `SASAPIError`.
public final class SASClient: Sendable {
    public let configuration: SASClientConfiguration
    let credentialProvider: any CredentialProvider
    let transport: APITransport
    let logger: Logger
    let observer: (any APICallObserver)?
    let environment: SASClientEnvironment
    let limiter: RequestLimiter

    /// - Parameters:
    ///   - transport: `.direct` for an endpoint reached without a proxy, else
    ///     `.asyncHTTPClient` (see `APITransport`, and `HTTPClientPool.transport(for:)`,
    ///     which chooses); the caller shuts it down.
    ///   - environment: clock, sleep, wall time and nonce; `.live` outside tests.
    public init(
        configuration: SASClientConfiguration,
        credentials: any CredentialProvider,
        transport: APITransport,
        logger: Logger,
        observer: (any APICallObserver)? = nil,
        environment: SASClientEnvironment = .live
    ) {
        self.configuration = configuration
        self.credentialProvider = credentials
        self.transport = transport
        self.logger = logger
        self.observer = observer
        self.environment = environment
        self.limiter = RequestLimiter(
            maxConcurrent: configuration.maxConcurrentRequests,
            ratePerSecond: configuration.requestsPerSecond,
            burst: configuration.burst
        )
    }

    /// One page (`number` is 1-based) of a listing.
    public func page<Query: ListQuery>(
        _ query: Query, number: Int, deadline: ContinuousClock.Instant?
    ) async throws(SASAPIError) -> Query.Page {
        let action = Query.action.rawValue
        let parameters = query.parameters(page: number)
        let environment = self.environment
        return try await configuration.retry.run(deadline: deadline, now: environment.now, sleep: environment.sleep) {
            attempt throws(SASAPIError) in
            try await self.attempt(
                action: action, parameters: parameters, page: number, attempt: attempt, deadline: deadline,
                decode: Query.decode
            )
        }
    }

    /// Every page of a listing, fetched lazily as the sequence is iterated.
    public func pages<Query: ListQuery>(
        _ query: Query, pageSize: Int, deadline: ContinuousClock.Instant?
    ) -> PageSequence<Query.Page> {
        var query = query
        query.pageSize = pageSize
        let fixed = query
        let observer = self.observer
        return PageSequence(
            pageSize: pageSize, maxPages: configuration.maxPages, action: Query.action.rawValue,
            report: { error in
                observer?.apiCallFinished(action: Query.action.rawValue, code: error.metricCode, seconds: nil)
            }
        ) { number throws(SASAPIError) in
            try await self.page(fixed, number: number, deadline: deadline)
        }
    }
}
