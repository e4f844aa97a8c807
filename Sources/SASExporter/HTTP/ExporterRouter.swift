import Hummingbird
import SASGzip
import SASMetrics

/// The outcome of a configuration reload, for `POST /-/reload`.
public enum ReloadOutcome: Sendable, Equatable {
    case reloaded
    case refused(String)
}

/// Builds the exporter's routes: `/metrics`, `/`, `/-/healthy`, `/-/ready`, `/-/reload`.
public struct ExporterRouter: Sendable {
    public let store: MetricsStore
    public let reload: @Sendable () async -> ReloadOutcome
    /// Reads the `process_*` figures; injectable for tests.
    public var processStats: @Sendable () -> ProcessStats = { ProcessStats.current() }
    let cache = ScrapeCache()
    /// `--web.config.file`: basic auth and extra headers around every route.
    public var web: WebServerSettings?

    public init(store: MetricsStore, reload: @escaping @Sendable () async -> ReloadOutcome) {
        self.store = store
        self.reload = reload
    }

    public func build() -> Router<BasicRequestContext> {
        let router = Router()
        if let web { router.add(middleware: web.middleware(context: BasicRequestContext.self)) }
        router.get("/metrics") { request, _ in self.metrics(request) }
        router.head("/metrics") { request, _ in self.metrics(request) }
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: LandingPage.html(store: self.store)))
            )
        }
        router.get("/-/healthy") { _, _ in Self.text(.ok, "Healthy\n") }
        router.get("/-/ready") { _, _ in self.ready() }
        router.post("/-/reload") { _, _ in await self.reloadResponse() }
        router.put("/-/reload") { _, _ in await self.reloadResponse() }
        router.get("/-/reload") { _, _ in Self.text(.methodNotAllowed, "Only POST or PUT requests allowed\n") }
        return router
    }

    func metrics(_ request: Request) -> Response {
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        let wantsGzip = Gzip.accepted(request.headers[.acceptEncoding])
        let (body, gzipped) = cache.body(format: format, gzip: wantsGzip, generation: store.generation) {
            var bytes = store.renderedBody(format)
            bytes += ExpositionRenderer.render(HealthFamilies.process(processStats()), format: format)
            bytes += ExpositionRenderer.terminator(format)
            return bytes
        }
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if gzipped { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    func ready() -> Response {
        let waiting = store.accountHealth().filter { !$0.health.hasFinishedPoll }.map(\.name)
        if waiting.isEmpty { return Self.text(.ok, "Ready\n") }
        return Self.text(
            .serviceUnavailable, "Not ready: waiting for the first poll of \(waiting.joined(separator: ", "))\n")
    }

    func reloadResponse() async -> Response {
        switch await reload() {
        case .reloaded: Self.text(.ok, "Configuration reloaded\n")
        case .refused(let message):
            Self.text(.internalServerError, "Configuration refused, the previous one keeps running: \(message)\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
