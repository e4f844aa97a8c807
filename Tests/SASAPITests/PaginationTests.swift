import SASModels
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
    ) async throws -> (result: Result<[ListOperationProcessDetailResponse], SASAPIError>, asked: [Int]) {
        try await FakeServer.with(script) { server in
            var configuration = try TestClient.configuration(server)
            configuration.maxPages = maxPages
            let result = try await TestClient.with(configuration) { client in
                let pages = client.processDetailPages(Self.query, pageSize: pageSize, deadline: .now + .seconds(30))
                return try await outcome { try await pages.collect() }
            }
            return (result, server.requests.map(\.page))
        }
    }

    static func ids(_ result: Result<[ListOperationProcessDetailResponse], SASAPIError>) -> [String] {
        ((try? result.get()) ?? []).flatMap { $0.processDetails.compactMap(\.detailTaskId) }
    }

    @Test func iteratesWithForAwait() async throws {
        try await FakeServer.with({ Pages.serve($0, count: 5) }) { server in
            let ids = try await TestClient.with(try TestClient.configuration(server)) { client in
                var ids: [String] = []
                for try await page in client.processDetailPages(Self.query, pageSize: 2, deadline: nil) {
                    ids += page.processDetails.compactMap(\.detailTaskId)
                }
                return ids
            }
            #expect(ids == ["d0", "d1", "d2", "d3", "d4"])
            #expect(server.requests.map { $0.parameter("PageSize") } == ["2", "2", "2"])
        }
    }

    @Test func fetchesEveryPage() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 25) }
        #expect(Self.ids(result) == (0..<25).map { "d\($0)" })
        #expect(asked == [1, 2, 3])
    }

    @Test func exactMultipleStopsOnTotalCount() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 20) }
        #expect(Self.ids(result).count == 20)
        #expect(asked == [1, 2])
    }

    @Test func totalCountLargerThanTheData() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 25, total: 100) }
        #expect(Self.ids(result).count == 25)
        #expect(asked == [1, 2, 3])
    }

    @Test func emptyPageEndsTheListing() async throws {
        let (result, asked) = try await Self.run(pageSize: 10) { Pages.serve($0, count: 20, total: 30) }
        #expect(Self.ids(result).count == 20)
        #expect(asked == [1, 2, 3])
        #expect((try? result.get())?.last?.processDetails.isEmpty == true)
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
        #expect(Self.ids(result).count == 12)
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
        let sequence = PageSequence<ListOperationProcessDetailResponse>(pageSize: 1, maxPages: 1000) { page throws(SASAPIError) in
            asked.withLock { $0.append(page) }
            // Items keep coming and CurrentPage is absent; TotalCount 3 on the first page only.
            return ListOperationProcessDetailResponse(
                pageInfo: PageInfo(pageSize: 0, totalCount: page == 1 ? 3 : nil),
                processDetails: [ProcessDetail(detailTaskId: "d\(page)")]
            )
        }
        let pages = try await sequence.collect()
        #expect(pages.count == 3)
        #expect(asked.withLock { $0 } == [1, 2, 3])
    }
}
