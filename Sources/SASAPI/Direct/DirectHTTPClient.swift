import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The API client's HTTP/1.1 transport for an endpoint reached without a proxy: a small
/// pool of keep-alive connections (TLS for `https`), one request at a time on each, the
/// response gathered on the event loop and handed over once, complete.
///
/// It does per call only what a signed `POST /` needs: no URL parsing, redirects,
/// decompression or per-request state machines (replacing async-http-client here cut a
/// large poll's CPU by 12-20 %; docs/benchmarks.md). Connect and read timeouts, the
/// attempt's deadline, the body cap and cancellation hold as they do there (the TLS
/// handshake within the connect timeout, before a connection is used). Proxied routes
/// keep async-http-client, which speaks to proxies.
///
/// The pool has no size of its own: it holds as many connections as its callers have
/// requests in flight at once (each account's `max_concurrent_requests`).
public final class DirectHTTPClient: Sendable {
    /// A complete response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// Whether the connection may carry another request.
        public var reusable: Bool
    }

    public let endpoint: Endpoint
    private let group: any EventLoopGroup
    private let connectTimeout: Duration
    private let readTimeout: Duration
    private let sslContext: NIOSSLContext?
    private let idle = Mutex<[any Channel]>([])
    private let shutDown = Atomic(false)

    /// - Parameters:
    ///   - tlsConfiguration: for `https` endpoints; the system's trust roots and full
    ///     verification of the endpoint's name by default (tests pass their own roots).
    public init(
        endpoint: Endpoint, connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration()
    ) throws {
        self.endpoint = endpoint
        self.group = group
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        sslContext = endpoint.scheme == "https" ? try NIOSSLContext(configuration: tlsConfiguration) : nil
    }

    deinit {
        for channel in idle.withLock({ $0 }) { channel.close(promise: nil) }
    }

    /// `POST` of `uri` (path and query) with `headers` and an empty body; the complete
    /// response, or a `DirectHTTPError`, `ChannelError`, TLS or I/O error.
    ///
    /// When a kept connection (`reuse`) fails before any byte of the response arrived, the
    /// error is `DirectHTTPError.staleConnection`: the caller sends the request again,
    /// signed anew (the first copy's nonce may have reached the server), with
    /// `reuse: false`.
    public func post(
        uri: String, headers: HTTPHeaders, maxBodyBytes: Int, deadline: NIODeadline, reuse: Bool = true
    ) async throws -> Response {
        if Task.isCancelled { throw DirectHTTPError.cancelled }
        let (channel, reused) = try await connection(deadline: deadline, reuse: reuse)
        let promise = channel.eventLoop.makePromise(of: Response.self)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
        if !head.headers.contains(name: "content-length") { head.headers.add(name: "content-length", value: "0") }
        // The exchange ends by its deadline whatever happens to the connection (a promise
        // completes once; later outcomes are ignored).
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(ExchangeFailure(error: DirectHTTPError.deadlineExceeded, responseStarted: true))
            channel.close(promise: nil)
        }
        // A write that never reaches the handler (the connection closed under it) fails
        // the exchange at once.
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            promise.fail(
                error as? ExchangeFailure ?? ExchangeFailure(error: error, responseStarted: false))
        }
        let exchange = DirectExchange(
            head: head, promise: promise, maxBodyBytes: maxBodyBytes, readTimeout: TimeAmount(readTimeout))
        channel.writeAndFlush(exchange, promise: written)
        let response: Response
        do {
            response = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch let failure as ExchangeFailure {
            timer.cancel()
            channel.close(promise: nil)
            if Task.isCancelled { throw DirectHTTPError.cancelled }
            if reused, !failure.responseStarted, Self.mayBeStale(failure.error) {
                throw DirectHTTPError.staleConnection(String(describing: failure.error))
            }
            throw failure.error
        }
        timer.cancel()
        if response.reusable, channel.isActive, !isShutDown {
            idle.withLock { $0.append(channel) }
        } else {
            channel.close(promise: nil)
        }
        return response
    }

    /// Whether a failure of a kept connection before its response could be the server
    /// having closed it (not one of the exchange's own limits).
    private static func mayBeStale(_ error: any Error) -> Bool {
        switch error as? DirectHTTPError {
        case .readTimeout, .deadlineExceeded, .bodyTooLarge, .cancelled, .connectTimeout: false
        default: true
        }
    }

    /// Closes the idle connections; one in use closes when its exchange ends.
    public func shutdown() {
        shutDown.store(true, ordering: .relaxed)
        for channel in idle.withLock({ channels in
            defer { channels = [] }
            return channels
        }) {
            channel.close(promise: nil)
        }
    }

    private var isShutDown: Bool { shutDown.load(ordering: .relaxed) }

    /// An idle connection that is still open (`reused`), or a new one.
    private func connection(deadline: NIODeadline, reuse: Bool = true) async throws -> (any Channel, reused: Bool) {
        if reuse {
            // The newest open connection; closed ones are dropped on the way.
            let kept = idle.withLock { channels -> (any Channel)? in
                channels.removeAll { !$0.isActive }
                return channels.popLast()
            }
            if let kept { return (kept, true) }
        }
        let remaining = deadline - .now()
        guard remaining > .zero else { throw DirectHTTPError.deadlineExceeded }
        let timeout = min(TimeAmount(connectTimeout), remaining)
        let sslContext = self.sslContext
        let host = endpoint.host
        let handshake = sslContext == nil ? nil : group.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        // An address is checked against the certificate's IP names;
                        // only a name goes in SNI (as async-http-client does).
                        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                        let serverName = isAddress ? nil : host
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    if let handshake { try pipeline.addHandler(HandshakeWaiter(promise: handshake)) }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ExchangeHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: endpoint.port).get()
        } catch ChannelError.connectTimeout {
            handshake?.fail(DirectHTTPError.connectTimeout)
            throw DirectHTTPError.connectTimeout
        } catch {
            handshake?.fail(error)
            throw error
        }
        guard let handshake else { return (channel, false) }
        // The TLS handshake within what is left of the connect timeout, as
        // async-http-client bounds it; its failure (a refused certificate) is the error.
        let handshakeTimer = channel.eventLoop.scheduleTask(in: timeout) {
            handshake.fail(DirectHTTPError.connectTimeout)
            channel.close(promise: nil)
        }
        defer { handshakeTimer.cancel() }
        do {
            try await handshake.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return (channel, false)
    }
}
