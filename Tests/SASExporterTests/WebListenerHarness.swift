import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

@testable import SASExporter

/// Runs the exporter's listener (``Listener``, what `ExporterApplication.httpServer` uses)
/// with the exporter's routes on 127.0.0.1 and a port the system picks, and stops it.
enum ListenerHarness {
    static func run(
        web: WebServerSettings?, limits: ListenerLimits = ListenerLimits(),
        _ body: (Int) async throws -> Void
    ) async throws {
        var routes = ExporterRouter(store: RouterTests.store(), reload: { .reloaded })
        routes.web = web
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try Listener.application(
            host: "127.0.0.1", port: 0, web: web, router: routes.build(), limits: limits,
            logger: Logger(label: "test"), onServerRunning: { continuation.yield($0) }
        )
        try await serve(server, ports: ports, body)
    }

    /// Runs `server` until `body` (given the port it reports on `ports`) returns, then stops it.
    static func serve(_ server: some Service, ports: AsyncStream<Int>, _ body: (Int) async throws -> Void) async throws
    {
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Writes `yaml` as `web.yml` in `directory` and loads it as the exporter does at start.
    static func settings(_ yaml: String, in directory: URL, name: String = "web.yml") throws -> WebServerSettings {
        let path = directory.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try WebServerSettings.load(path: path, logger: Logger(label: "test"))
    }
}

/// What a test client asks for and what it got.
struct TestRequest {
    var path = "/-/healthy"
    var tls: TLSOptions?
    var authorization: String?
    var headers: [(String, String)] = []
    var method = "GET"
    var body: String?

    struct TLSOptions {
        /// PEM files the client trusts.
        var trust: String
        var certificate: (chain: String, key: String)?
        var cipherSuites: [NIOTLSCipher]?
        var curves: [NIOTLSCurve]?
        var maxVersion: TLSVersion?
        var http1Only = false
    }

    struct Answer {
        let status: Int
        /// `HTTP/1.1` or `HTTP/2.0`.
        let version: String
        let headers: [String: [String]]
        let body: String
    }

    /// Sends the request to 127.0.0.1:`port` with a fresh client (a fresh connection).
    func send(to port: Int) async throws -> Answer {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(15))
        configuration.connectionPool = .init(idleTimeout: .seconds(1))
        if let tls {
            var client = TLSConfiguration.makeClientConfiguration()
            client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tls.trust))
            if let certificate = tls.certificate {
                client.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.chain).map { .certificate($0) }
                client.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
            }
            if let suites = tls.cipherSuites { client.cipherSuiteValues = suites }
            if let curves = tls.curves { client.curves = curves }
            if let maxVersion = tls.maxVersion { client.maximumTLSVersion = maxVersion }
            configuration.tlsConfiguration = client
            configuration.httpVersion = tls.http1Only ? .http1Only : .automatic
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)\(path)")
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.method = .init(rawValue: method)
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(20))
            let body = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            let headers = Dictionary(grouping: response.headers, by: { $0.name.lowercased() }).mapValues {
                $0.map(\.value)
            }
            return Answer(
                status: Int(response.status.code), version: "\(response.version)", headers: headers,
                body: String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// A bare TCP connection to the listener, for what HTTP clients will not do: send a byte a
/// second, stay idle, send an oversized head. Everything received is kept until the server
/// closes the connection.
struct RawConnection {
    let channel: any Channel
    let closed: EventLoopFuture<String>

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var received = ""
        let promise: EventLoopPromise<String>

        init(promise: EventLoopPromise<String>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(received)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    static func open(port: Int) async throws -> RawConnection {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, closed: promise.futureResult)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
    }

    /// Everything the server sent, once it closed the connection.
    func untilClosed() async throws -> String { try await closed.get() }

    var isOpen: Bool { channel.isActive }

    func close() async { try? await channel.close().get() }
}
