import SASModels

/// Every page of a listing, fetched one at a time as it is iterated.
///
/// The listing ends when the rows read reach the first page's `TotalCount`. A page
/// shorter than the page size before that is not the end (a server may cap `PageSize`
/// while echoing the one asked for): the next page is read. Without a `TotalCount`, a
/// page shorter than the size asked for, or an empty page, ends it.
///
/// Throws `SASAPIError` of kind `.pagination` (and reports it with `report`) when a page
/// has no rows before `TotalCount` is reached, repeats the previous one, has a
/// `CurrentPage` other than the one asked for, or changes `TotalCount`, and when pages
/// keep coming past `ceil(TotalCount / rows of the first page) + 1` or `maxPages`: a
/// listing is never silently cut short and never loops for ever.
public struct PageSequence<Page: PagedResponse>: AsyncSequence, Sendable {
    public typealias Element = Page
    public typealias Failure = SASAPIError

    let pageSize: Int
    let maxPages: Int
    let action: String
    let fetch: @Sendable (Int) async throws(SASAPIError) -> Page
    let report: @Sendable (SASAPIError) -> Void

    /// - Parameters:
    ///   - fetch: fetches a 1-based page.
    ///   - report: hears each pagination error before it is thrown (for metrics).
    public init(
        pageSize: Int, maxPages: Int = 10_000, action: String = "",
        report: @escaping @Sendable (SASAPIError) -> Void = { _ in },
        fetch: @escaping @Sendable (Int) async throws(SASAPIError) -> Page
    ) {
        self.pageSize = Swift.max(1, pageSize)
        self.maxPages = Swift.max(1, maxPages)
        self.action = action
        self.fetch = fetch
        self.report = report
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self)
    }

    /// Fetches every page into an array (convenience for callers that need them all).
    public func collect() async throws(SASAPIError) -> [Page] {
        var pages: [Page] = []
        var iterator = makeAsyncIterator()
        while let page = try await iterator.nextPage() { pages.append(page) }
        return pages
    }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        public typealias Element = Page
        public typealias Failure = SASAPIError

        let sequence: PageSequence
        var nextPageNumber = 1
        var rowsSoFar = 0
        var total: Int?
        var bound: Int
        var previousRows: Fingerprint?
        var finished = false

        init(sequence: PageSequence) {
            self.sequence = sequence
            self.bound = sequence.maxPages
        }

        public mutating func next() async throws -> Page? {
            try await nextPage()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(SASAPIError) -> Page? {
            try await nextPage()
        }

        /// The next page, nil after the last.
        public mutating func nextPage() async throws(SASAPIError) -> Page? {
            guard !finished else { return nil }
            let number = nextPageNumber
            guard number <= bound else {
                throw fail(
                    "more than \(bound) pages (TotalCount \(total.map(String.init) ?? "absent"), \(rowsSoFar) "
                        + "rows read): giving up rather than looping"
                )
            }
            let page: Page
            do {
                page = try await sequence.fetch(number)
            } catch {
                finished = true
                throw error
            }
            try check(page, number: number)
            rowsSoFar += page.rowCount
            nextPageNumber += 1
            if let total {
                if number == 1, page.rowCount > 0 {
                    let pages = (total + page.rowCount - 1) / page.rowCount
                    bound = Swift.min(sequence.maxPages, Swift.max(1, pages) + 1)
                }
                if rowsSoFar >= total { finished = true }
            } else {
                let asked = page.pageInfo?.pageSize.flatMap { $0 > 0 ? $0 : nil } ?? sequence.pageSize
                if page.rowCount == 0 || page.rowCount < asked { finished = true }
            }
            return page
        }

        private mutating func check(_ page: Page, number: Int) throws(SASAPIError) {
            if let current = page.pageInfo?.currentPage, current != number {
                throw fail("asked for page \(number), got CurrentPage \(current)")
            }
            let pageTotal = page.pageInfo?.totalCount
            if number == 1 {
                total = pageTotal
            } else if let total, let pageTotal, pageTotal != total {
                throw fail("TotalCount changed from \(total) to \(pageTotal) on page \(number)")
            }
            if let total, page.rowCount == 0, rowsSoFar < total {
                throw fail(
                    "page \(number) has no rows although TotalCount \(total) says \(total - rowsSoFar) more remain")
            }
            if page.rowCount > 0 {
                let rows = page.rowsFingerprint
                if let rows, rows == previousRows { throw fail("page \(number) repeats page \(number - 1)") }
                previousRows = rows
            }
        }

        private mutating func fail(_ detail: String) -> SASAPIError {
            finished = true
            let error = SASAPIError(
                .pagination, action: sequence.action.isEmpty ? nil : sequence.action, detail: detail)
            sequence.report(error)
            return error
        }
    }
}
