import AsyncHTTPClient
import Logging
import NIOCore
import SASModels
import SASSigning

/// The signed Security Center client of one account.
///
/// Every call is `POST /` with an empty body, signed with V3 or RPC, limited by the
/// account's concurrency and rate limits, retried by `configuration.retry` within the
/// caller's deadline, and reported to the observer once per HTTP attempt.
///
/// Calls use typed throws: they only ever throw `SASAPIError`.
public final class SASClient: Sendable {
    public static let listOperationProcessDetailAction = "ListOperationProcessDetail"
    public static let listOperationProcessAction = "ListOperationProcess"

    public let configuration: SASClientConfiguration
    let credentialProvider: any CredentialProvider
    let httpClient: HTTPClient
    let logger: Logger
    let observer: (any APICallObserver)?
    let environment: SASClientEnvironment
    let limiter: RequestLimiter

    /// - Parameters:
    ///   - httpClient: shared, created with the configuration's timeouts (see
    ///     `SASHTTPClientFactory`); the caller shuts it down.
    ///   - environment: clock, sleep, wall time and nonce; `.live` outside tests.
    public init(
        configuration: SASClientConfiguration,
        credentials: any CredentialProvider,
        httpClient: HTTPClient,
        logger: Logger,
        observer: (any APICallObserver)? = nil,
        environment: SASClientEnvironment = .live
    ) {
        self.configuration = configuration
        self.credentialProvider = credentials
        self.httpClient = httpClient
        self.logger = logger
        self.observer = observer
        self.environment = environment
        self.limiter = RequestLimiter(
            maxConcurrent: configuration.maxConcurrentRequests,
            ratePerSecond: configuration.requestsPerSecond,
            burst: configuration.burst
        )
    }

    /// One page of subtasks (`page` is 1-based).
    public func listOperationProcessDetail(
        _ query: ProcessDetailQuery, page: Int, deadline: ContinuousClock.Instant?
    ) async throws(SASAPIError) -> ListOperationProcessDetailResponse {
        try await call(
            action: Self.listOperationProcessDetailAction, parameters: query.parameters(page: page),
            page: page, deadline: deadline, as: ListOperationProcessDetailResponse.self
        )
    }

    /// One page of parent tasks (`page` is 1-based).
    public func listOperationProcess(
        _ query: ProcessQuery, page: Int, deadline: ContinuousClock.Instant?
    ) async throws(SASAPIError) -> ListOperationProcessResponse {
        try await call(
            action: Self.listOperationProcessAction, parameters: query.parameters(page: page),
            page: page, deadline: deadline, as: ListOperationProcessResponse.self
        )
    }

    /// Every page of subtasks, fetched lazily as the sequence is iterated.
    public func processDetailPages(
        _ query: ProcessDetailQuery, pageSize: Int, deadline: ContinuousClock.Instant?
    ) -> PageSequence<ListOperationProcessDetailResponse> {
        var query = query
        query.pageSize = pageSize
        let fixed = query
        return PageSequence(pageSize: pageSize, maxPages: configuration.maxPages, action: Self.listOperationProcessDetailAction) {
            page throws(SASAPIError) in
            try await self.listOperationProcessDetail(fixed, page: page, deadline: deadline)
        }
    }

    /// Every page of parent tasks, fetched lazily as the sequence is iterated.
    public func processPages(
        _ query: ProcessQuery, pageSize: Int, deadline: ContinuousClock.Instant?
    ) -> PageSequence<ListOperationProcessResponse> {
        var query = query
        query.pageSize = pageSize
        let fixed = query
        return PageSequence(pageSize: pageSize, maxPages: configuration.maxPages, action: Self.listOperationProcessAction) {
            page throws(SASAPIError) in
            try await self.listOperationProcess(fixed, page: page, deadline: deadline)
        }
    }

    /// A call with retries.
    func call<Response: Decodable & Sendable>(
        action: String, parameters: [QueryParameter], page: Int,
        deadline: ContinuousClock.Instant?, as type: Response.Type
    ) async throws(SASAPIError) -> Response {
        let environment = self.environment
        return try await configuration.retry.run(deadline: deadline, now: environment.now, sleep: environment.sleep) {
            attempt throws(SASAPIError) in
            try await self.attempt(
                action: action, parameters: parameters, page: page, attempt: attempt, deadline: deadline, as: type
            )
        }
    }
}
