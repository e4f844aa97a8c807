import Foundation
import SASGzip
import SASMetrics
import SASModels
import SASSigning

/// The measured work, the same code paths the exporter runs in a poll and a scrape.
public enum Workloads {
    /// Decodes a page with the hand-written decoder (what the client runs on each
    /// response's bytes); returns the rows read, -1 on failure.
    public static func decodeHandWritten(_ body: [UInt8]) -> Int {
        (try? DetailPageDecoder.decode(body))?.rowCount ?? -1
    }

    /// Decodes a page with Foundation's `JSONDecoder` into the wire model (the first
    /// version's path); returns the rows read, -1 on failure.
    public static func decodeJSONDecoder(_ body: Data) -> Int {
        (try? ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: body))?.processDetails.count ?? -1
    }

    /// Parses a page with `JSONSerialization` into untyped values (no model at all);
    /// returns the rows read, -1 on failure.
    public static func decodeJSONSerialization(_ body: Data) -> Int {
        let object = try? JSONSerialization.jsonObject(with: body)
        return ((object as? [String: Any])?["ProcessDetails"] as? [Any])?.count ?? -1
    }

    /// Signs one `ListOperationProcessDetail` request with ACS3-HMAC-SHA256 (what the
    /// client does before every call); returns the length of its `Authorization` header.
    public static func signV3(_ request: SigningFixture) -> Int {
        ACS3Signer.sign(
            action: "ListOperationProcessDetail", version: "2018-12-03", query: request.query,
            headers: request.headers, credentials: request.credentials, date: "2026-11-30T12:00:00Z",
            nonce: "3f1e8a2c9b7d4e6f8a1b2c3d4e5f6a7b"
        ).authorization.utf8.count
    }

    /// Folds `pages` into a poll of `aggregator` and commits it: `PendingPoll.add` for
    /// each page (ten pages per listing, as batches of ten tasks), then
    /// `AccountAggregator.commit`.
    public static func ingest(_ pages: [SubtaskPage], into aggregator: inout AccountAggregator, polledAtMs: Int64)
        -> AccountSnapshot
    {
        var pending = aggregator.beginPoll(window: Fixtures.window, scope: Fixtures.scope)
        pending.reserveCapacity(pages.count * Fixtures.pageSize)  // as the poller does, from discovery
        for (index, page) in pages.enumerated() {
            pending.add(page, listing: PendingPoll.ListingID(batch: index / 10, attempt: 1))
        }
        return aggregator.commit(pending, polledAtMs: polledAtMs, tasks: nil)
    }

    /// Folds `pages` into a pending poll and returns what a task ledger keeps of it.
    public static func windowEntries(_ pages: [SubtaskPage], aggregator: AccountAggregator) -> [String: [WindowEntry]] {
        var pending = aggregator.beginPoll(window: Fixtures.window, scope: Fixtures.scope)
        for (index, page) in pages.enumerated() {
            pending.add(page, listing: PendingPoll.ListingID(batch: index / 10, attempt: 1))
        }
        return pending.windowEntriesByTask()
    }

    /// Renders families in both formats, split by family (what a poll publishes).
    public static func render(_ families: [MetricFamily]) -> RenderedFamilies {
        RenderedFamilies(families)
    }

    /// Builds a `/metrics` body from rendered chunks (what a scrape does when the cached
    /// body is stale).
    public static func assemble(_ chunks: [RenderedFamilies], format: ExpositionFormat) -> [UInt8] {
        RenderedFamilies.assemble(chunks, format: format) + ExpositionRenderer.terminator(format)
    }

    /// Gzips a `/metrics` body as the scrape cache does (at most once a second per format,
    /// for scrapers that accept gzip); returns the compressed size.
    public static func gzip(_ body: [UInt8]) -> Int {
        // A zlib failure would measure the failure path: stop rather than pass.
        guard let compressed = Gzip.compress(body) else { preconditionFailure("gzip failed") }
        return compressed.readableBytes
    }
}

/// An account aggregator after two polls whose subtasks carry `checkCount` distinct check
/// ids: its families are what a poll renders (four series per check, plus the rest).
public struct RenderFixture: Sendable {
    public let families: [MetricFamily]
    public let rendered: RenderedFamilies

    /// - Parameters:
    ///   - subtasks: subtasks per poll (enough to carry every check id).
    ///   - checkCount: distinct check ids (1 000 give about 4 100 series).
    public init(subtasks: Int = 10_000, checkCount: Int = 1_000) {
        var aggregator = AccountAggregator(account: "prod")
        _ = Workloads.ingest(
            Fixtures.pages(subtasks: subtasks, checkCount: checkCount, settled: false), into: &aggregator,
            polledAtMs: Fixtures.windowEndMs
        )
        let snapshot = Workloads.ingest(
            Fixtures.pages(subtasks: subtasks, checkCount: checkCount, settled: true), into: &aggregator,
            polledAtMs: Fixtures.windowEndMs + 60_000
        )
        families = snapshot.families
        rendered = RenderedFamilies(families)
    }

    /// Series (sample lines of the text format).
    public var seriesCount: Int {
        Workloads.assemble([rendered], format: .prometheusText).split(separator: UInt8(ascii: "\n"))
            .filter { $0.first != UInt8(ascii: "#") }.count
    }
}

/// A `ListOperationProcessDetail` request as the client signs it: ten task ids, the window,
/// page and page size, and the headers the client adds before signing.
public struct SigningFixture: Sendable {
    public let query: [QueryParameter]
    public let headers: [HTTPHeader]
    public let credentials: Credentials

    public init() {
        var query = [
            QueryParameter("CurrentPage", "3"), QueryParameter("EndTime", "1764504000000"),
            QueryParameter("Lang", "en"), QueryParameter("PageSize", "100"),
            QueryParameter("StartTime", "1764417600000"),
        ]
        for index in 0..<10 {
            query.append(QueryParameter("TaskIds.\(index + 1)", "task-\(String(format: "%04d", 100 + index))-7f3a"))
        }
        self.query = query
        headers = [
            HTTPHeader("host", "tds.cn-shanghai.aliyuncs.com"), HTTPHeader("user-agent", "sas-exporter/0.2.0"),
            HTTPHeader("accept", "application/json"),
        ]
        credentials = Credentials(
            accessKeyId: "LTAI5tBenchmarkKeyId", accessKeySecret: Secret("benchmark-secret-not-real-0123456789"))
    }
}
