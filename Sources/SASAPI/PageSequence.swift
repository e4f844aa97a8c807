import SASModels

/// A list response that can be paginated.
public protocol PagedResponse: Sendable {
    associatedtype Item: Equatable & Sendable
    var pageInfo: PageInfo? { get }
    var items: [Item] { get }
}

extension ListOperationProcessDetailResponse: PagedResponse {
    public var items: [ProcessDetail] { processDetails }
}

extension ListOperationProcessResponse: PagedResponse {
    public var items: [OperationProcess] { processes }
}

/// Every page of a listing, fetched one at a time as it is iterated.
///
/// Ends after the last page: items so far reach `TotalCount`, a page is shorter than the
/// page size (the response's `PageSize` when it gives one), or a page is empty (which is
/// still yielded). Throws `SASAPIError` of kind `.pagination` when a page repeats the
/// previous one, when `CurrentPage` is not the page asked for, when `TotalCount` changes,
/// or when pages keep coming past `ceil(first TotalCount / pageSize) + 1` or `maxPages`:
/// a listing is never silently cut short and never loops forever.
public struct PageSequence<Page: PagedResponse>: AsyncSequence, Sendable {
    public typealias Element = Page
    public typealias Failure = SASAPIError

    let pageSize: Int
    let maxPages: Int
    let action: String
    let fetch: @Sendable (Int) async throws(SASAPIError) -> Page

    /// - Parameter fetch: fetches a 1-based page.
    public init(pageSize: Int, maxPages: Int = 10_000, action: String = "", fetch: @escaping @Sendable (Int) async throws(SASAPIError) -> Page) {
        self.pageSize = Swift.max(1, pageSize)
        self.maxPages = Swift.max(1, maxPages)
        self.action = action
        self.fetch = fetch
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
        var itemsSoFar = 0
        var firstTotal: Int?
        var bound: Int
        var previousItems: [Page.Item]?
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
                finished = true
                throw error("more than \(bound) pages (TotalCount \(firstTotal.map(String.init) ?? "absent"), page size \(sequence.pageSize)): giving up rather than looping")
            }
            let page: Page
            do {
                page = try await sequence.fetch(number)
            } catch {
                finished = true
                throw error
            }
            do {
                try check(page, number: number)
            } catch {
                finished = true
                throw error
            }
            let items = page.items
            itemsSoFar += items.count
            previousItems = items
            nextPageNumber += 1
            let effectiveSize = page.pageInfo?.pageSize.flatMap { $0 > 0 ? $0 : nil } ?? sequence.pageSize
            if number == 1, let total = firstTotal {
                let pages = (total + effectiveSize - 1) / effectiveSize
                bound = Swift.min(sequence.maxPages, Swift.max(1, pages) + 1)
            }
            if items.isEmpty || items.count < effectiveSize || (firstTotal.map { itemsSoFar >= $0 } ?? false) {
                finished = true
            }
            return page
        }

        private mutating func check(_ page: Page, number: Int) throws(SASAPIError) {
            if let current = page.pageInfo?.currentPage, current != number {
                throw error("asked for page \(number), got CurrentPage \(current)")
            }
            if let total = page.pageInfo?.totalCount {
                if number == 1 {
                    firstTotal = total
                } else if let firstTotal, firstTotal != total {
                    throw error("TotalCount changed from \(firstTotal) to \(total) on page \(number)")
                }
            }
            if let previousItems, !page.items.isEmpty, page.items == previousItems {
                throw error("page \(number) repeats page \(number - 1)")
            }
        }

        private func error(_ detail: String) -> SASAPIError {
            SASAPIError(.pagination, action: sequence.action.isEmpty ? nil : sequence.action, detail: detail)
        }
    }
}
