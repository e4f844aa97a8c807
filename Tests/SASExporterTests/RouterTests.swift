import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SASGzip
import SASMetrics
import Testing

@testable import SASExporter

@Suite("HTTP endpoints")
struct RouterTests {
    static func store() -> MetricsStore {
        let store = MetricsStore(
            exporter: ExporterHealth(
                reloadSuccessSeconds: 1_700_000_000, version: "1.0", revision: "abc", swiftVersion: "6.3"))
        var health = AccountHealth(createdSeconds: 1_700_000_000)
        health.up = true
        health.hasFinishedPoll = true
        let calls = APICallMetrics()
        calls.apiCallFinished(action: "ListOperationProcessDetail", code: "OK", seconds: 0.2)
        let chunk = RenderedFamilies(HealthFamilies.account("prod <&>", health: health, calls: calls.snapshot))
        store.publish(account: "prod <&>", snapshot: nil, health: chunk, status: health)
        return store
    }

    static func router(_ store: MetricsStore, reload: ReloadOutcome = .reloaded) -> Router<BasicRequestContext> {
        var routes = ExporterRouter(store: store, reload: { reload })
        routes.processStats = {
            ProcessStats(
                cpuSeconds: 1.5, residentMemoryBytes: 1024, startTimeSeconds: 1_700_000_000, openFileDescriptors: 9,
                maxFileDescriptors: 1024)
        }
        return routes.build()
    }

    @Test func metricsNegotiatesTheFormat() async throws {
        let app = Application(router: Self.router(Self.store()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("alibabacloud_sas_up{account=\"prod <&>\"} 1"))
                #expect(body.contains("process_resident_memory_bytes 1024"))
                #expect(!body.contains("# EOF"))
            }
            let accept =
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            try await client.execute(uri: "/metrics", method: .get, headers: [.accept: accept]) { response in
                #expect(response.headers[.contentType] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.hasSuffix("# EOF\n"))
                #expect(body.contains("process_resident_memory_bytes 1024"))
            }
        }
    }

    @Test func metricsIsGzippedWhenAsked() async throws {
        let app = Application(router: Self.router(Self.store()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) {
                response in
                #expect(response.headers[.contentEncoding] == "gzip")
                var body = response.body
                let bytes = body.readBytes(length: body.readableBytes) ?? []
                #expect(bytes.prefix(2) == [0x1f, 0x8b])
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) {
                response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test func landingPageEscapesAccountNames() async throws {
        let app = Application(router: Self.router(Self.store()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("prod &lt;&amp;&gt;"))
                #expect(body.contains("href=\"metrics\""))
            }
        }
    }

    @Test func healthReadyAndReload() async throws {
        let store = Self.store()
        store.expect(accounts: ["waiting"], createdSeconds: 0)
        let app = Application(router: Self.router(store, reload: .refused("bad.yml:3:5: accounts[0].x: unknown key")))
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("waiting"))
            }
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("bad.yml:3:5"))
            }
            try await client.execute(uri: "/-/reload", method: .get) { #expect($0.status == .methodNotAllowed) }
        }
    }

    @Test func gzipAcceptParsing() {
        #expect(Gzip.accepted("gzip"))
        #expect(Gzip.accepted("deflate, gzip;q=0.5"))
        #expect(Gzip.accepted("*"))
        #expect(!Gzip.accepted("gzip;q=0"))
        #expect(!Gzip.accepted("identity"))
        #expect(!Gzip.accepted(nil))
    }
}

@Suite("Scrape cache")
struct ScrapeCacheTests {
    @Test func reusesTheBodyUntilThePublishGenerationChanges() {
        let cache = ScrapeCache(maxAge: .seconds(60))
        var builds = 0
        let build: () -> [UInt8] = {
            builds += 1
            return Array("x \(builds)\n".utf8)
        }
        let first = cache.body(format: .prometheusText, gzip: false, generation: 1, build: build)
        let second = cache.body(format: .prometheusText, gzip: false, generation: 1, build: build)
        #expect(builds == 1 && first.body == second.body)
        let gzipped = cache.body(format: .prometheusText, gzip: true, generation: 1, build: build)
        #expect(builds == 1 && gzipped.gzipped)
        _ = cache.body(format: .openMetrics, gzip: false, generation: 1, build: build)
        #expect(builds == 2, "each format has its own entry")
        let third = cache.body(format: .prometheusText, gzip: false, generation: 2, build: build)
        #expect(builds == 3 && String(buffer: third.body) == "x 3\n")
    }

    @Test func expiresAfterMaxAge() async throws {
        let cache = ScrapeCache(maxAge: .milliseconds(50))
        var builds = 0
        _ = cache.body(format: .prometheusText, gzip: false, generation: 1) {
            builds += 1
            return []
        }
        try await Task.sleep(for: .milliseconds(80))
        _ = cache.body(format: .prometheusText, gzip: false, generation: 1) {
            builds += 1
            return []
        }
        #expect(builds == 2, "process metrics are at most maxAge old")
    }
}
