import Foundation
import SASModels
import SASSigning
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

@Suite("SASClient against a fake server")
struct ClientTests {
    static let query = ProcessDetailQuery(taskIds: ["task-1", "a b"], statusCodes: [2], lang: "en")

    @Test(arguments: SignatureVersion.allCases, TestClient.Transport.allCases)
    func sendsASignedEmptyPost(_ signature: SignatureVersion, _ transport: TestClient.Transport) async throws {
        try await FakeServer.with({ request in Pages.serve(request, count: 3) }) { server in
            var configuration = try TestClient.configuration(server)
            configuration.signature = signature
            let observer = RecordingObserver()
            let page = try await TestClient.with(configuration, transport: transport, observer: observer) { client in
                try await client.page(Self.query, number: 1, deadline: nil)
            }
            #expect(page.records.map(\.key) == ["d0", "d1", "d2"].map { Fingerprint("id\u{0}" + $0) })
            #expect(observer.codes == ["OK"])
            #expect(observer.actions == ["ListOperationProcessDetail"])
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri.hasPrefix("/?"))
            #expect(request.header("content-length") == "0")
            #expect(request.parameter("TaskIds.2") == "a b")
            #expect(request.parameter("CurrentPage") == "1")
            #expect(request.header("host") == "127.0.0.1:\(server.port)")
            try Self.verifySignature(request, signature: signature)
        }
    }

    /// Recomputes the signature from what arrived, as the real server does.
    static func verifySignature(_ request: FakeRequest, signature: SignatureVersion) throws {
        let secret = TestClient.credentials.accessKeySecret
        switch signature {
        case .v3:
            let header = try #require(request.header("authorization"))
            let authorization = try #require(ACS3Signer.parseAuthorization(header))
            let signed = try authorization.signedHeaders.map { name in
                HTTPHeader(name, try #require(request.header(name)))
            }
            let canonical = ACS3Signer.canonicalRequest(
                method: "POST", path: "/", query: request.query, headers: signed,
                hashedPayload: ACS3Signer.emptyPayloadHash
            )
            let expected = ACS3Signer.signature(
                stringToSign: ACS3Signer.stringToSign(canonicalRequest: canonical), secret: secret)
            #expect(authorization.signature == expected)
            #expect(authorization.signedHeaders.contains("x-acs-date"))
            #expect(request.header("x-acs-action") == "ListOperationProcessDetail")
        case .rpc:
            let toSign = RPCSigner.stringToSign(method: "POST", parameters: request.query)
            #expect(request.parameter("Signature") == RPCSigner.signature(stringToSign: toSign, secret: secret))
            #expect(request.parameter("Action") == "ListOperationProcessDetail")
        }
    }

    @Test(arguments: [("CspmParamIllegal", 400), ("NoPermission", 403), ("InvalidAccessKeyId.NotFound", 404)])
    func clientErrorsAreNotRetried(_ code: String, _ status: Int) async throws {
        let body = #"{"RequestId":"R-1","HostId":"h","Code":"\#(code)","Message":"nope","Recommend":"r"}"#
        try await FakeServer.with({ _ in .json(body, status: status) }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), observer: observer) { client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.kind == .api(code: code, message: "nope", requestId: "R-1", httpStatus: status))
                #expect(error.metricCode == code)
                #expect(error.description.contains("R-1"))
            }
            #expect(server.requests.count == 1)
            #expect(observer.codes == [code])
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func nonJSONServerErrorsAreRetriedThenReported(_ transport: TestClient.Transport) async throws {
        try await FakeServer.with({ _ in FakeResponse(status: 502, body: Array("<html>Bad Gateway</html>".utf8)) }) {
            server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), transport: transport, observer: observer) {
                client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.httpStatus == 502)
                #expect(error.apiCode == nil)
                #expect(error.metricCode == "http_502")
            }
            #expect(server.requests.count == 4)
            #expect(observer.codes == Array(repeating: "http_502", count: 4))
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func throttlingIsRetriedHonouringRetryAfter(_ transport: TestClient.Transport) async throws {
        let count = Mutex(0)
        let script: FakeServer.Script = { request in
            let n = count.withLock {
                $0 += 1
                return $0
            }
            if n <= 2 {
                return .json(
                    #"{"Code":"Throttling.User","Message":"slow down"}"#, status: 400,
                    headers: [("x-acs-retry-after", "40")])
            }
            return Pages.serve(request, count: 1)
        }
        let slept = Mutex<[Duration]>([])
        let environment = SASClientEnvironment(sleep: { duration in
            slept.withLock { $0.append(duration) }
            try await Task.sleep(for: duration)
        })
        try await FakeServer.with(script) { server in
            let observer = RecordingObserver()
            let page = try await TestClient.with(
                try TestClient.configuration(server), transport: transport, observer: observer, environment: environment
            ) { client in
                try await client.page(Self.query, number: 1, deadline: .now + .seconds(10))
            }
            #expect(page.records.count == 1)
            #expect(observer.codes == ["Throttling.User", "Throttling.User", "OK"])
            #expect(slept.withLock { $0 } == [.milliseconds(40), .milliseconds(40)])
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func readTimeoutAgainstASilentServer(_ transport: TestClient.Transport) async throws {
        try await FakeServer.with({ _ in nil }) { server in
            var configuration = try TestClient.configuration(server)
            configuration.retry = .none
            let observer = RecordingObserver()
            // The read timeout ended the call, not the 30 s attempt deadline (no wall-clock
            // bound here: on a loaded machine the call may end seconds late).
            try await TestClient.with(
                configuration, transport: transport, readTimeout: .milliseconds(300), observer: observer
            ) { client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.kind == .timeout)
                #expect(error.metricCode == "timeout")
                #expect(error.detail.contains("readTimeout"), "\(error.detail)")
            }
            #expect(observer.codes == ["timeout"])
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func callerDeadlineBoundsEveryAttempt(_ transport: TestClient.Transport) async throws {
        try await FakeServer.with({ _ in nil }) { server in
            let started = ContinuousClock.now
            try await TestClient.with(
                try TestClient.configuration(server), transport: transport, readTimeout: .seconds(30)
            ) { client in
                let error = try #require(
                    await caught { try await client.page(Self.query, number: 1, deadline: .now + .milliseconds(400)) })
                #expect(error.kind == .timeout)
            }
            // The 400 ms deadline, not the 30 s read timeout, ended the call: the bound is
            // far from both, so a loaded machine cannot decide it.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func bodyOverTheCapIsAnError(_ transport: TestClient.Transport) async throws {
        let big = String(repeating: " ", count: 64 * 1024) + "{}"
        try await FakeServer.with({ _ in .json(big) }) { server in
            var configuration = try TestClient.configuration(server)
            configuration.maxBodyBytes = 16 * 1024
            let observer = RecordingObserver()
            try await TestClient.with(configuration, transport: transport, observer: observer) { client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.kind == .bodyTooLarge(limit: 16 * 1024))
            }
            #expect(server.requests.count == 1)
            #expect(observer.codes == ["body_too_large"])
        }
    }

    /// Without `Content-Length` (chunked) the cap is the running total of the body read.
    @Test(arguments: TestClient.Transport.allCases)
    func chunkedBodyOverTheCapIsAnError(_ transport: TestClient.Transport) async throws {
        let big = String(repeating: " ", count: 64 * 1024) + "{}"
        let response = FakeResponse.json(big, headers: [("transfer-encoding", "chunked")])
        try await FakeServer.with({ _ in response }) { server in
            var configuration = try TestClient.configuration(server)
            configuration.maxBodyBytes = 16 * 1024
            configuration.retry = .none
            try await TestClient.with(configuration, transport: transport) { client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.kind == .bodyTooLarge(limit: 16 * 1024))
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func connectionRefusedIsATransportError(_ transport: TestClient.Transport) async throws {
        let server = try await FakeServer.start { _ in nil }
        let port = server.port
        await server.shutdown()
        var configuration = SASClientConfiguration(
            endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: port), requestsPerSecond: 0)
        configuration.retry = .none
        try await TestClient.with(configuration, transport: transport) { client in
            let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
            #expect(error.metricCode == "transport" || error.metricCode == "timeout")
        }
    }

    @Test func missingCredentialsFailWithoutARequest() async throws {
        try await FakeServer.with({ request in Pages.serve(request, count: 1) }) { server in
            let chain = DefaultCredentialChain(environment: [:])
            try await TestClient.with(try TestClient.configuration(server), credentials: chain) { client in
                let error = try #require(await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                #expect(error.kind == .credentials)
                #expect(error.description.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"))
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func concurrencyLimitHolds(_ transport: TestClient.Transport) async throws {
        let inFlight = Mutex(0)
        let peak = Mutex(0)
        let script: FakeServer.Script = { request in
            let now = inFlight.withLock {
                $0 += 1
                return $0
            }
            peak.withLock { $0 = max($0, now) }
            try? await Task.sleep(for: .milliseconds(80))
            inFlight.withLock { $0 -= 1 }
            return Pages.serve(request, count: 1)
        }
        try await FakeServer.with(script) { server in
            var configuration = try TestClient.configuration(server)
            configuration.maxConcurrentRequests = 2
            try await TestClient.with(configuration, transport: transport) { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 {
                        group.addTask { try await client.page(Self.query, number: 1, deadline: nil).records.count }
                    }
                    var total = 0
                    for try await count in group { total += count }
                    #expect(total == 6)
                }
            }
            #expect(peak.withLock { $0 } == 2)
            #expect(server.requests.count == 6)
        }
    }

    @Test(arguments: TestClient.Transport.allCases)
    func secretsNeverReachLogsOrErrors(_ transport: TestClient.Transport) async throws {
        let secret = "TOPSECRET-8c1f2a"
        let token = "STSTOKEN-77aa91"
        let credentials = Credentials(accessKeyId: "LTAIexample", accessKeySecret: secret, securityToken: token)
        for signature in SignatureVersion.allCases {
            try await FakeServer.with({ _ in
                .json(#"{"Code":"SignatureDoesNotMatch","Message":"bad","RequestId":"R"}"#, status: 400)
            }) { server in
                var configuration = try TestClient.configuration(server)
                configuration.signature = signature
                let capture = LogCapture()
                try await TestClient.with(
                    configuration, transport: transport, credentials: StaticCredentialProvider(credentials),
                    logger: capture.logger
                ) { client in
                    let error = try #require(
                        await caught { try await client.page(Self.query, number: 1, deadline: nil) })
                    #expect(!error.description.contains(secret))
                    #expect(!error.description.contains(token))
                    #expect(!String(reflecting: error).contains(token))
                }
                let lines = capture.lines
                #expect(lines.contains { $0.contains("API request failed") && $0.contains("TaskIds.1=task-1") })
                for line in lines {
                    #expect(!line.contains(secret))
                    #expect(!line.contains(token))
                }
                // The token really was sent (so the test would notice a leak).
                let request = try #require(server.requests.first)
                #expect(request.header("x-acs-security-token") == token || request.parameter("SecurityToken") == token)
            }
        }
    }
}

@Suite("Request limiter")
struct RequestLimiterTests {
    @Test func tokenBucketSpacesRequests() async {
        let limiter = RequestLimiter(maxConcurrent: 4, ratePerSecond: 10, burst: 2)
        let now = ContinuousClock.now
        var waits: [Duration] = []
        for _ in 0..<4 { waits.append(await limiter.reserveToken(now: now)) }
        #expect(waits[0] == .zero)
        #expect(waits[1] == .zero)
        #expect(abs((waits[2] - .milliseconds(100)).seconds) < 0.001)
        #expect(abs((waits[3] - .milliseconds(200)).seconds) < 0.001)
        // A second later the bucket is full again (and not beyond the burst).
        let later = await limiter.reserveToken(now: now + .seconds(1))
        #expect(later == .zero)
    }

    @Test func zeroRateMeansUnlimited() async {
        let limiter = RequestLimiter(maxConcurrent: 1, ratePerSecond: 0, burst: 1)
        for _ in 0..<100 { #expect(await limiter.reserveToken(now: .now) == .zero) }
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        let limiter = RequestLimiter(maxConcurrent: 1, ratePerSecond: 0, burst: 1)
        try await limiter.acquireSlot()
        let waiter = Task { try await limiter.acquireSlot() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        await limiter.releaseSlot()
        #expect(await limiter.currentInFlight == 0)
    }
}
