import SASAPI
import SASModels

/// The production `PollSource`: the signed client, every page of every call. A listing
/// whose `TotalCount` changed between pages (the data moved under the pagination) is
/// read again once from page 1; a second inconsistency fails the poll.
struct ClientPollSource: PollSource {
    let client: SASClient
    let account: AccountConfiguration

    func listTasks(windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [OperationProcess] {
        let query = ProcessQuery(startTime: windowStartMs, endTime: windowEndMs)
        return try await Self.retryingOnce {
            var items: [OperationProcess] = []
            for try await page in client.processPages(query, pageSize: account.pageSize, deadline: deadline) {
                items += page.processes
            }
            return items
        }
    }

    func listSubtasks(taskIds: [String], windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [ProcessDetail] {
        let query = ProcessDetailQuery(taskIds: taskIds, startTime: windowStartMs, endTime: windowEndMs, lang: account.lang)
        return try await Self.retryingOnce {
            var items: [ProcessDetail] = []
            for try await page in client.processDetailPages(query, pageSize: account.pageSize, deadline: deadline) {
                items += page.processDetails
            }
            return items
        }
    }

    static func retryingOnce<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SASAPIError where error.kind == .pagination {
            return try await body()
        }
    }
}

/// Forwards the client's per-attempt reports to the account's recorder.
struct RecorderObserver: APICallObserver {
    let recorder: APICallRecorder

    func apiCallFinished(action: String, code: String, seconds: Double) {
        recorder.record(action: action, code: code, seconds: seconds)
    }
}
