import NIOCore
import NIOHTTP1
import NIOPosix
import SASSigning
import Synchronization

/// A request as the fake server saw it.
public struct FakeRequest: Sendable {
    public var method: String
    public var uri: String
    public var headers: [(name: String, value: String)]

    public var query: [QueryParameter] {
        guard let mark = uri.firstIndex(of: "?") else { return [] }
        return QueryString.parse(uri[uri.index(after: mark)...])
    }

    public func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var page: Int { parameter("CurrentPage").flatMap(Int.init) ?? 1 }
}

/// What the fake server answers.
public struct FakeResponse: Sendable {
    public var status: Int = 200
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8] = []

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = [])
        -> FakeResponse
    {
        FakeResponse(status: status, headers: [("content-type", "application/json")] + headers, body: Array(text.utf8))
    }
}

/// A scriptable HTTP/1.1 server on 127.0.0.1 and a port the OS picks. The script answers
/// each request; nil means never answer (to test read timeouts).
public final class FakeServer: Sendable {
    public typealias Script = @Sendable (FakeRequest) async -> FakeResponse?

    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let recorded: Recorder

    final class Recorder: Sendable {
        let requests = Mutex<[FakeRequest]>([])
        func append(_ request: FakeRequest) { requests.withLock { $0.append(request) } }
    }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, recorded: Recorder) {
        self.port = port
        self.group = group
        self.channel = channel
        self.recorded = recorded
    }

    /// Requests received so far, in order.
    public var requests: [FakeRequest] { recorded.requests.withLock { $0 } }

    public static func start(_ script: @escaping Script) async throws -> FakeServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            try await group.shutdownGracefully()
            throw ChannelError.unknownLocalAddress
        }
        return FakeServer(port: port, group: group, channel: channel, recorded: recorder)
    }

    /// `http://127.0.0.1:<port>`.
    public var endpointString: String { "http://127.0.0.1:\(port)" }

    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Starts a server, runs `body`, and always stops the server.
    public static func with<T>(_ script: @escaping Script, _ body: (FakeServer) async throws -> T) async throws -> T {
        let server = try await start(script)
        do {
            let value = try await body(server)
            await server.shutdown()
            return value
        } catch {
            await server.shutdown()
            throw error
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let script: Script
        let recorder: Recorder
        var head: HTTPRequestHead?

        init(script: @escaping Script, recorder: Recorder) {
            self.script = script
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
            case .body:
                break
            case .end:
                guard let head else { return }
                let request = FakeRequest(
                    method: head.method.rawValue, uri: head.uri,
                    headers: head.headers.map { (name: $0.name, value: $0.value) }
                )
                recorder.append(request)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let script = self.script
                Task {
                    guard let response = await script(request) else { return }
                    bound.eventLoop.execute {
                        let context = bound.value
                        var responseHead = HTTPResponseHead(
                            version: .http1_1, status: .init(statusCode: response.status))
                        for header in response.headers {
                            responseHead.headers.add(name: header.name, value: header.value)
                        }
                        // A response that says `transfer-encoding: chunked` is sent in 8 KB
                        // chunks without a length; any other with its `content-length`.
                        let chunked = response.headers.contains { $0.name.lowercased() == "transfer-encoding" }
                        if !chunked {
                            responseHead.headers.replaceOrAdd(name: "content-length", value: "\(response.body.count)")
                        }
                        context.write(NIOAny(HTTPServerResponsePart.head(responseHead)), promise: nil)
                        var offset = 0
                        repeat {
                            let end = chunked ? min(offset + 8192, response.body.count) : response.body.count
                            let part = ByteBuffer(bytes: response.body[offset..<end])
                            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(part))), promise: nil)
                            offset = end
                        } while offset < response.body.count
                        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
                    }
                }
            }
        }
    }
}
