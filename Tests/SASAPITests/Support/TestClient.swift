import AsyncHTTPClient
import Logging
import SASSigning
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

/// Records observer calls.
final class RecordingObserver: APICallObserver {
    private let stored = Mutex<[(action: String, code: String, seconds: Double?)]>([])

    func apiCallFinished(action: String, code: String, seconds: Double?) {
        stored.withLock { $0.append((action, code, seconds)) }
    }

    var codes: [String] { stored.withLock { $0.map(\.code) } }
    var latencies: [Double?] { stored.withLock { $0.map(\.seconds) } }
    var actions: [String] { stored.withLock { $0.map(\.action) } }
}

enum TestClient {
    static let credentials = Credentials(accessKeyId: "testid", accessKeySecret: "testsecret")

    /// A client against `server`, no rate limit, fast retries (no jitter randomness).
    static func configuration(_ server: FakeServer) throws -> SASClientConfiguration {
        SASClientConfiguration(
            endpoint: try Endpoint(parsing: server.endpointString),
            requestsPerSecond: 0,
            retry: RetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), random: { 0.5 })
        )
    }

    /// Which transport a test client sends with.
    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        /// `DirectHTTPClient`, what a direct route uses.
        case direct
        /// async-http-client, what a proxied route uses.
        case asyncHTTPClient

        var testDescription: String { rawValue }
    }

    /// Runs `body` with a client and always shuts its transport down.
    static func with<T>(
        _ configuration: SASClientConfiguration,
        transport kind: Transport = .direct,
        credentials: any CredentialProvider = StaticCredentialProvider(TestClient.credentials),
        readTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        observer: (any APICallObserver)? = nil,
        environment: SASClientEnvironment = .live,
        _ body: (SASClient) async throws -> T
    ) async throws -> T {
        let factory = SASHTTPClientFactory(environment: [:], connectTimeout: .seconds(2), readTimeout: readTimeout)
        let http = factory.makeClient(for: configuration.endpoint)
        let direct = try DirectHTTPClient(
            endpoint: configuration.endpoint, connectTimeout: .seconds(2), readTimeout: readTimeout)
        let client = SASClient(
            configuration: configuration, credentials: credentials,
            transport: kind == .direct ? .direct(direct) : .asyncHTTPClient(http), logger: logger,
            observer: observer,
            environment: environment
        )
        do {
            let value = try await body(client)
            direct.shutdown()
            try await http.shutdown()
            return value
        } catch {
            direct.shutdown()
            try? await http.shutdown()
            throw error
        }
    }
}

/// Builds `ListOperationProcessDetail` pages.
enum Pages {
    static func detail(id: String, status: Int = 2) -> String {
        #"{"TaskId":"t","DetailTaskId":"\#(id)","StatusCode":\#(status),"CreateTime":1,"StartTime":2,"EndTime":3}"#
    }

    static func page(ids: [String], currentPage: Int?, pageSize: Int?, total: Int?, requestId: String = "REQ") -> String
    {
        var info: [String] = []
        if let currentPage { info.append(#""CurrentPage":\#(currentPage)"#) }
        if let pageSize { info.append(#""PageSize":\#(pageSize)"#) }
        if let total { info.append(#""TotalCount":\#(total)"#) }
        info.append(#""Count":\#(ids.count)"#)
        return
            #"{"RequestId":"\#(requestId)","PageInfo":{\#(info.joined(separator: ","))},"ProcessDetails":[\#(ids.map { detail(id: $0) }.joined(separator: ","))]}"#
    }

    /// A server-side data set of `count` subtasks served honestly, with `total` as TotalCount.
    static func serve(_ request: FakeRequest, count: Int, total: Int? = nil) -> FakeResponse {
        let size = request.parameter("PageSize").flatMap(Int.init) ?? 20
        let page = request.page
        let start = min(count, (page - 1) * size)
        let end = min(count, start + size)
        let ids = (start..<end).map { "d\($0)" }
        return .json(Self.page(ids: ids, currentPage: page, pageSize: size, total: total ?? count))
    }
}

/// Runs `body` and returns the `SASAPIError` it throws; nil (and a recorded issue for any
/// other error) when it does not throw one.
func caught<T>(_ body: () async throws -> T) async -> SASAPIError? {
    do {
        _ = try await body()
        return nil
    } catch let error as SASAPIError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// Runs `body` and returns its value or the `SASAPIError` it threw (any other error is rethrown).
func outcome<T>(_ body: () async throws -> T) async throws -> Result<T, SASAPIError> {
    do {
        return .success(try await body())
    } catch let error as SASAPIError {
        return .failure(error)
    }
}
