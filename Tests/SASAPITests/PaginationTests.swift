import SASModels
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

@Suite("Pagination against a fake server")
struct PaginationTests {
    static let query = ProcessDetailQuery(taskIds: ["t"])

    /// Runs the page sequence against `script` and returns the pages (or the error) and the
    /// pages the server was asked for.
    static func run(
        pageSize: Int, maxPages: Int = 10_000, _ script: @escaping FakeServer.Script
    ) async throws -> (result: Result<[SubtaskPage], SASAPIError>, asked: [Int]) {
        try await FakeServer.with(script) { server in
            var configuration = try TestClient.configuration(server)
            configuration.maxPages = maxPages
            let result = try await TestClient.with(configuration) { client in
                let pages = client.pages(Self.query, pageSize: pageSize, deadline: .now + .seconds(30))
                return try await outcome { try await pages.collect() }
            }
            return (result, server.requests.map(\.page))
        }
    }

    /// The de-duplication keys of the records read.
    static func keys(_ result: Result<[SubtaskPage], SASAPIError>) -> [Fingerprint] {
        ((try? result.get()) ?? []).flatMap { $0.records.map(\.key) }
    }

    /// The keys of `d0`, `d1`, ... (what `Pages.serve` serves).
    static func keys(_ range: Range<Int>) -> [Fingerprint] {
        range.map { Fingerprint("id\u{0}d\($0)") }
    }

    @Test func iteratesWithForAwait() async throws {
        try await FakeServer.with({ Pages.serve($0, count: 5) }) { server in
            let keys = try await TestClient.with(try TestClient.configuration(server)) { client in
                var keys: [Fingerprint] = []
                for try await page in client.pages(Self.query, pageSize: 2, deadline: nil) {
                    keys += page.records.map(\.key)
                }
                return keys
            }
            #expect(keys == Self.keys(0..<5))
            #expect(server.requests.map { $0.parameter("PageSize") } == ["2", "2", "2"])
        }
    }

    @Test func fetchesEveryPage() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 25) }
        #expect(Self.keys(result) == Self.keys(0..<25))
        #expect(asked == [1, 2, 3])
    }

    @Test func exactMultipleStopsOnTotalCount() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 20) }
        #expect(Self.keys(result).count == 20)
        #expect(asked == [1, 2])
    }

    @Test func aShortPageBeforeTotalCountIsNotTheEnd() async throws {
        // The rows read decide, not the length of a page: page 3 is short (5 of 10) but
        // TotalCount says 75 more rows exist, so page 4 is read; it has none: an error,
        // never a listing silently cut short.
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 25, total: 100) }
        #expect(asked == [1, 2, 3, 4])
        guard case .failure(let error) = result else {
            Issue.record("expected a pagination error")
            return
        }
        #expect(error.kind == .pagination)
        #expect(error.description.contains("page 4 has no rows although TotalCount 100 says 75 more remain"))
    }

    @Test func anEmptyPageBeforeTotalCountFailsTheListing() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 20, total: 30) }
        #expect(asked == [1, 2, 3])
        #expect(throws: SASAPIError.self) { try result.get() }
    }

    @Test func aServerCappingPageSizeWhileEchoingItIsReadToTotalCount() async throws {
        // 20 rows per page whatever was asked, and PageInfo echoes the 100 asked for.
        let (result, asked) = try await Self.run(pageSize: 100) { request in
            let page = request.page
            let ids = ((page - 1) * 20..<min(95, page * 20)).map { "d\($0)" }
            return .json(Pages.page(ids: ids, currentPage: page, pageSize: 100, total: 95))
        }
        #expect(Self.keys(result) == Self.keys(0..<95))
        #expect(asked == [1, 2, 3, 4, 5])
    }

    @Test func emptyListing() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 0) }
        #expect((try? result.get())?.count == 1)
        #expect(asked == [1])
    }

    @Test func serverCappedPageSizeIsFollowed() async throws {
        // The server serves at most 5 per page whatever was asked, and says so in PageInfo.
        let (result, asked) = try await Self.run(pageSize: 10) { request in
            let page = request.page
            let ids = ((page - 1) * 5..<min(12, page * 5)).map { "d\($0)" }
            return .json(Pages.page(ids: ids, currentPage: page, pageSize: 5, total: 12))
        }
        #expect(Self.keys(result).count == 12)
        #expect(asked == [1, 2, 3])
    }

    @Test func repeatedPageIsAnError() async throws {
        let (result, asked) = try await Self.run(pageSize: 2) { request in
            .json(Pages.page(ids: ["a", "b"], currentPage: request.page, pageSize: 2, total: 10))
        }
        #expect(throws: SASAPIError.self) { try result.get() }
        if case .failure(let error) = result {
            #expect(error.kind == .pagination)
            #expect(error.description.contains("repeats"))
        }
        #expect(asked == [1, 2])
    }

    /// Rows without DetailTaskId have no identity: two pages of alike id-less rows are
    /// not a repeat (nothing tells them apart), so the listing is read to TotalCount.
    @Test func pagesOfRowsWithoutIdentityAreNotARepeat() async throws {
        let (result, asked) = try await Self.run(pageSize: 2) { request in
            .json(Pages.page(ids: ["", ""], currentPage: request.page, pageSize: 2, total: 4))
        }
        #expect(((try? result.get()) ?? []).flatMap(\.records).count == 4)
        #expect(asked == [1, 2])
    }

    @Test func changingTotalCountIsAnError() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { request in
            Pages.serve(request, count: 25, total: request.page == 1 ? 25 : 26)
        }
        if case .failure(let error) = result {
            #expect(error.kind == .pagination)
            #expect(error.description.contains("TotalCount"))
        } else {
            Issue.record("expected a pagination error")
        }
        #expect(asked == [1, 2])
    }

    @Test func wrongCurrentPageIsAnError() async throws {
        let (result, _) = try await Self.run(pageSize: 10) { request in
            let ids = ((request.page - 1) * 10..<request.page * 10).map { "d\($0)" }
            return .json(Pages.page(ids: ids, currentPage: 1, pageSize: 10, total: 30))
        }
        if case .failure(let error) = result {
            #expect(error.kind == .pagination)
            #expect(error.description.contains("CurrentPage 1"))
        } else {
            Issue.record("expected a pagination error")
        }
    }

    @Test func endlessPagesWithoutTotalCountHitTheCap() async throws {
        // No TotalCount, every page full and new: only the cap stops it.
        let (result, asked) = try await Self.run(pageSize: 2, maxPages: 7) { request in
            let p = request.page
            return .json(Pages.page(ids: ["x\(p)a", "x\(p)b"], currentPage: p, pageSize: 2, total: nil))
        }
        if case .failure(let error) = result {
            #expect(error.kind == .pagination)
        } else {
            Issue.record("expected a pagination error")
        }
        #expect(asked == Array(1...7))
    }

    @Test func lyingTotalCountCannotLoop() async throws {
        // Page 1: PageSize 2, TotalCount 10, so at most ceil(10/2)+1 = 6 pages. Later pages
        // claim PageSize 1 and carry one new item each, so neither a short page nor the
        // item count would ever end the listing: the bound does.
        let (result, asked) = try await Self.run(pageSize: 2) { request in
            let p = request.page
            if p == 1 { return .json(Pages.page(ids: ["a", "b"], currentPage: 1, pageSize: 2, total: 10)) }
            return .json(Pages.page(ids: ["p\(p)"], currentPage: p, pageSize: 1, total: nil))
        }
        if case .failure(let error) = result {
            #expect(error.kind == .pagination)
            #expect(error.description.contains("more than 6 pages"))
        } else {
            Issue.record("expected a pagination error")
        }
        #expect(asked == Array(1...6))
    }

    @Test func sequenceStopsAtTotalCountWithoutCurrentPage() async throws {
        // Direct sequence test: a fetch that ignores the protocol entirely.
        let asked = Mutex<[Int]>([])
        let sequence = PageSequence<SubtaskPage>(pageSize: 1, maxPages: 1000) { page throws(SASAPIError) in
            asked.withLock { $0.append(page) }
            // Items keep coming and CurrentPage is absent; TotalCount 3 on the first page only.
            return SubtaskPage(
                details: [ProcessDetail(detailTaskId: "d\(page)")],
                pageInfo: PageInfo(pageSize: 0, totalCount: page == 1 ? 3 : nil)
            )
        }
        let pages = try await sequence.collect()
        #expect(pages.count == 3)
        #expect(asked.withLock { $0 } == [1, 2, 3])
    }
}
