import SASAPI
import SASModels

/// The production `PollSource`: the signed client, every page of every call. A listing
/// whose pages did not fit together (the data moved under the pagination) is read again
/// once from page 1; a second inconsistency fails the poll.
struct ClientPollSource: PollSource {
    let client: SASClient
    let pageSize: Int
    let lang: String
    /// Task ids per `ListOperationProcess` call when listing configured tasks.
    let idBatchSize: Int

    func listTasks(_ selection: TaskSelection, deadline: ContinuousClock.Instant) async throws -> [OperationProcess] {
        let queries: [ProcessQuery]
        switch selection {
        case .createdSince(let startMs):
            queries = [ProcessQuery(startTime: startMs)]
        case .ids(let ids):
            queries = stride(from: 0, to: ids.count, by: idBatchSize).map {
                ProcessQuery(taskIds: Array(ids[$0..<min($0 + idBatchSize, ids.count)]))
            }
        }
        var tasks: [OperationProcess] = []
        for query in queries {
            tasks += try await Self.retryingOnce { _ in
                var items: [OperationProcess] = []
                for try await page in client.pages(query, pageSize: pageSize, deadline: deadline) {
                    items += page.processes
                }
                return items
            }
        }
        return tasks
    }

    func readSubtasks(
        taskIds: [String], deadline: ContinuousClock.Instant, page: (SubtaskPage, Int) throws -> Void
    ) async throws {
        let query = ProcessDetailQuery(taskIds: taskIds, lang: lang)
        try await Self.retryingOnce { attempt in
            for try await received in client.pages(query, pageSize: pageSize, deadline: deadline) {
                try page(received, attempt)
            }
        }
    }

    /// Runs `body` (attempt 1); on a pagination error, once more (attempt 2).
    static func retryingOnce<T>(_ body: (Int) async throws -> T) async throws -> T {
        do {
            return try await body(1)
        } catch let error as SASAPIError where error.kind == .pagination {
            return try await body(2)
        }
    }
}
