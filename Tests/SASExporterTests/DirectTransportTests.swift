import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SASAPI
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
        init(tls: (certificate: String, key: String)? = nil, close: CloseMode = .keepAlive) async throws {
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let context = try tls.map { tls in
                try NIOSSLContext(
                    configuration: .makeServerConfiguration(
                        certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                        privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem))))
            }
            let counters = (accepted: accepted, served: served)
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    _ = counters.accepted.increment()
                    return channel.eventLoop.makeCompletedFuture {
                        if let context {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Responder(close: close, served: counters.served))
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

    enum CloseMode {
        /// Keeps the connection open.
        case keepAlive
        /// Says `connection: close` and closes.
        case announced
        /// Closes right after the response without saying so (as a server's idle timeout
        /// may, just as the client reuses the connection).
        case silently
    }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let close: CloseMode
        let served: Counter

        init(close: CloseMode, served: Counter) {
            self.close = close
            self.served = served
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            let count = served.increment()
            let body = ByteBuffer(string: #"{"ok":\#(count)}"#)
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-length", value: "\(body.readableBytes)")
            if close == .announced { head.headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if close != .keepAlive {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }

    static func post(_ client: DirectHTTPClient) async throws -> DirectHTTPClient.Response {
        var headers = HTTPHeaders()
        headers.add(name: "host", value: "127.0.0.1")
        return try await client.post(
            uri: "/?Action=x", headers: headers, maxBodyBytes: 1024, deadline: .now() + .seconds(10))
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
        await #expect(throws: (any Error).self) { _ = try await Self.post(client) }
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

    /// A kept connection the server closed without saying so fails on reuse (or is seen
    /// closed first); either way the call goes out again on a new connection and succeeds.
    @Test func aKeptConnectionClosedUnderneathIsReplacedWithoutAnError() async throws {
        let server = try await TestServer(close: .silently)
        let client = try DirectHTTPClient(endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: server.port))
        for _ in 0..<5 { #expect(try await Self.post(client).status == 200) }
        client.shutdown()
        await server.stop()
        #expect(server.served.value == 5)
    }
}
