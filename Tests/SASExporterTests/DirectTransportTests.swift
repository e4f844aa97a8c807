import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SASAPI
import SASSigning
import Synchronization
import Testing

/// `DirectHTTPClient`, the API client's transport on direct routes, against a real NIO
/// server: TLS with the endpoint's certificate (and refused without it), connections kept
/// and reused, and a kept connection the server closed replaced without an error.
@Suite("Direct HTTP transport")
struct DirectTransportTests {
    /// A one-thread HTTP/1.1 server on 127.0.0.1 answering every request with `{"ok":N}`.
    final class TestServer: Sendable {
        let channel: any Channel
        let group: MultiThreadedEventLoopGroup
        let accepted = Counter()
        let served = Counter()

        /// - Parameters:
        ///   - tls: the server's certificate and key, for `https`.
        ///   - close: how the server ends each response's connection.
        let nonces = Recorder()

        init(
            tls: (certificate: String, key: String)? = nil, close: CloseMode = .keepAlive, delay: TimeAmount = .zero,
            body: String? = nil
        ) async throws {
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let context = try tls.map { tls in
                try NIOSSLContext(
                    configuration: .makeServerConfiguration(
                        certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                        privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem))))
            }
            let counters = (accepted: accepted, served: served, nonces: nonces)
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    _ = counters.accepted.increment()
                    return channel.eventLoop.makeCompletedFuture {
                        if let context {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(
                            Responder(
                                close: close, delay: delay, body: body, served: counters.served,
                                nonces: counters.nonces))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var port: Int { channel.localAddress?.port ?? 0 }

        func stop() async {
            try? await channel.close()
            try? await group.shutdownGracefully()
        }
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() -> Int {
            count.withLock { value in
                value += 1
                return value
            }
        }
        var value: Int { count.withLock { $0 } }
    }

    final class Recorder: Sendable {
        private let values = Mutex<[String]>([])
        func append(_ value: String) { values.withLock { $0.append(value) } }
        var all: [String] { values.withLock { $0 } }
    }

    enum CloseMode {
        /// Keeps the connection open.
        case keepAlive
        /// Says `connection: close` and closes.
        case announced
        /// Closes right after the response without saying so (as a server's idle timeout
        /// may, just as the client reuses the connection).
        case silently
        /// Answers the first request of a connection; closes it, unanswered, at the second
        /// (what a kept connection the server closed while idle looks like to the client).
        case dropSecondRequest
        /// Never answers.
        case never
    }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let close: CloseMode
        let delay: TimeAmount
        let body: String?
        let served: Counter
        let nonces: Recorder
        var requestsOnThisConnection = 0

        init(close: CloseMode, delay: TimeAmount, body: String?, served: Counter, nonces: Recorder) {
            self.close = close
            self.delay = delay
            self.body = body
            self.served = served
            self.nonces = nonces
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                nonces.append(head.headers.first(name: "x-acs-signature-nonce") ?? "")
            case .body:
                break
            case .end:
                requestsOnThisConnection += 1
                if close == .never { return }
                if close == .dropSecondRequest && requestsOnThisConnection == 2 {
                    context.close(promise: nil)
                    return
                }
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    bound.value.handler.respond(context: bound.value.context)
                }
            }
        }

        private func respond(context: ChannelHandlerContext) {
            let count = served.increment()
            let body = ByteBuffer(string: self.body ?? #"{"ok":\#(count)}"#)
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-length", value: "\(body.readableBytes)")
            if close == .announced { head.headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if close == .announced || close == .silently {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }

    static func post(_ client: DirectHTTPClient, reuse: Bool = true) async throws -> DirectHTTPClient.Response {
        var headers = HTTPHeaders()
        headers.add(name: "host", value: "127.0.0.1")
        return try await client.post(
            uri: "/?Action=x", headers: headers, maxBodyBytes: 1024, deadline: .now() + .seconds(30), reuse: reuse)
    }

    static func plain(_ server: TestServer, readTimeout: Duration = .seconds(10)) throws -> DirectHTTPClient {
        try DirectHTTPClient(
            endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: server.port), readTimeout: readTimeout)
    }

    static func trusting(_ certificate: String) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        return tls
    }

    @Test func overTLSWithTheEndpointsCertificateOneConnectionCarriesEveryCall() async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let server = try await TestServer(tls: (certs.path("server.crt"), certs.path("server.key")))
        let client = try DirectHTTPClient(
            endpoint: Endpoint(scheme: "https", host: "127.0.0.1", port: server.port),
            tlsConfiguration: try Self.trusting(certs.path("server.crt")))
        var bodies: [String] = []
        for _ in 0..<3 {
            let response = try await Self.post(client)
            #expect(response.status == 200)
            bodies.append(String(buffer: response.body))
        }
        client.shutdown()
        await server.stop()
        #expect(bodies == [#"{"ok":1}"#, #"{"ok":2}"#, #"{"ok":3}"#])
        #expect(server.accepted.value == 1)
    }

    /// The certificate must chain to a trusted root and name the endpoint (here its IP
    /// address): a self-signed certificate for another name fails even when trusted.
    @Test(arguments: ["untrusted", "another name"])
    func aCertificateThatDoesNotProveTheEndpointIsRefused(_ case: String) async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let served = `case` == "untrusted" ? "server" : "stranger"
        let server = try await TestServer(tls: (certs.path("\(served).crt"), certs.path("\(served).key")))
        // Either the server's certificate is not the trusted one, or it is trusted but
        // names "stranger", not 127.0.0.1.
        let trusted = "stranger"
        let client = try DirectHTTPClient(
            endpoint: Endpoint(scheme: "https", host: "127.0.0.1", port: server.port),
            tlsConfiguration: try Self.trusting(certs.path("\(trusted).crt")))
        // The error is the handshake's (a connection is used only once its handshake is
        // done), never a bare "connection closed".
        let error = await #expect(throws: (any Error).self) { _ = try await Self.post(client) }
        let text = error.map { String(describing: $0) } ?? ""
        let expected = `case` == "untrusted" ? "CERTIFICATE_VERIFY_FAILED" : "failedToValidateHostname"
        #expect(text.contains(expected), "\(text)")
        client.shutdown()
        await server.stop()
        #expect(server.served.value == 0, "no request was answered")
    }

    @Test func aConnectionTheServerClosesIsNotReused() async throws {
        let server = try await TestServer(close: .announced)
        let client = try DirectHTTPClient(endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: server.port))
        for _ in 0..<3 { #expect(try await Self.post(client).status == 200) }
        client.shutdown()
        await server.stop()
        #expect(server.accepted.value == 3)
    }

    /// A kept connection the server closed without saying so is either seen closed before
    /// it is reused (a new one is opened) or reported stale; a stale call sent again on a
    /// new connection (what `SASClient` does, signed anew) succeeds.
    @Test func aKeptConnectionClosedUnderneathIsReplacedOrReportedStale() async throws {
        let server = try await TestServer(close: .silently)
        let client = try Self.plain(server)
        for _ in 0..<5 {
            let response: DirectHTTPClient.Response
            do {
                response = try await Self.post(client)
            } catch DirectHTTPError.staleConnection {
                response = try await Self.post(client, reuse: false)
            }
            #expect(response.status == 200)
        }
        client.shutdown()
        await server.stop()
        #expect(server.served.value == 5)
    }

    /// The read timeout counts from the request, not from the connection's last read: a
    /// kept connection idle for longer than the timeout still gets the whole timeout for
    /// its next answer.
    @Test func aKeptConnectionGetsTheWholeReadTimeoutForItsNextAnswer() async throws {
        let server = try await TestServer(delay: .milliseconds(650))
        let client = try Self.plain(server, readTimeout: .seconds(1))
        #expect(try await Self.post(client).status == 200)
        try await Task.sleep(for: .milliseconds(1500))
        // Sent 1.5 s after the last read, answered 0.65 s later: a timer counted from the
        // last read would have fired at 2 s.
        #expect(try await Self.post(client).status == 200)
        client.shutdown()
        await server.stop()
        #expect(server.accepted.value == 1)
    }

    /// A kept connection that fails before any byte of its answer is reported as stale
    /// (the caller signs the request anew and sends it with `reuse: false`).
    @Test func aKeptConnectionClosedBeforeAnsweringIsReportedStale() async throws {
        let server = try await TestServer(close: .dropSecondRequest)
        let client = try Self.plain(server)
        #expect(try await Self.post(client).status == 200)
        await #expect {
            _ = try await Self.post(client)
        } throws: { error in
            if case .staleConnection = error as? DirectHTTPError { return true }
            return false
        }
        #expect(try await Self.post(client, reuse: false).status == 200)
        client.shutdown()
        await server.stop()
        #expect(server.accepted.value == 2)
    }

    /// Through `SASClient`: the stale call goes out again on a new connection, with a new
    /// signature nonce, and the page is read.
    @Test func theClientSendsAStaleCallAgainSignedAnew() async throws {
        let page =
            #"{"RequestId":"r","PageInfo":{"CurrentPage":1,"PageSize":100,"TotalCount":0,"Count":0},"ProcessDetails":[]}"#
        let server = try await TestServer(close: .dropSecondRequest, body: page)
        let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: server.port)
        let direct = try DirectHTTPClient(endpoint: endpoint)
        let client = SASClient(
            configuration: SASClientConfiguration(endpoint: endpoint, requestsPerSecond: 0, retry: .none),
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "id", accessKeySecret: "secret")),
            transport: .direct(direct), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let query = ProcessDetailQuery(taskIds: ["t"])
        for _ in 0..<2 { _ = try await client.page(query, number: 1, deadline: nil) }
        direct.shutdown()
        await server.stop()
        let nonces = server.nonces.all
        #expect(nonces.count == 3, "the first call, the stale copy, and its new copy")
        #expect(Set(nonces).count == 3, "every copy signed with its own nonce")
        #expect(server.accepted.value == 2)
    }

    @Test func cancellingTheCallerEndsTheExchange() async throws {
        let server = try await TestServer(close: .never)
        let client = try Self.plain(server, readTimeout: .seconds(60))
        let call = Task { try await Self.post(client) }
        while server.nonces.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        call.cancel()
        let result = await call.result
        #expect(throws: DirectHTTPError.cancelled) { try result.get() }
        client.shutdown()
        await server.stop()
    }
}
