import SASMetrics
import Testing

@testable import SASExporter

@Suite("The metrics store")
struct MetricsStoreTests {
    /// Accounts are merged in the byte order of their names, the order the renderer sorts
    /// series in: "e" + U+0301 sorts after "f" as a Swift string (compared as "é") but
    /// before it as bytes, and the merged body must equal one rendering of everything.
    @Test func accountsAreMergedInTheRenderersOrder() {
        let exporter = ExporterHealth(reloadSuccessSeconds: 1, version: "1.0", revision: "abc", swiftVersion: "6.3")
        let store = MetricsStore(exporter: exporter)
        let names = ["f", "e\u{301}", "prod"]
        var families: [MetricFamily] = []
        for name in names {
            var health = AccountHealth(createdSeconds: 1)
            health.up = true
            health.hasFinishedPoll = true
            let account = HealthFamilies.account(name, health: health, calls: APICallMetrics().snapshot)
            families += account
            store.publish(account: name, snapshot: nil, health: RenderedFamilies(account), status: health)
        }
        families += HealthFamilies.exporter(exporter)
        let merged = String(decoding: store.renderedBody(.prometheusText), as: UTF8.self)
        #expect(merged == String(decoding: ExpositionRenderer.render(families, format: .prometheusText), as: UTF8.self))
        #expect(store.accountHealth().map(\.name) == ["e\u{301}", "f", "prod"])
    }
}
