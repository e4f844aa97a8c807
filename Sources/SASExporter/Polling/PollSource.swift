import SASModels

/// Where a poll gets its data: the signed API client in production, a fake in tests.
/// Each call reads every page or throws; a partial listing is never returned as whole.
public protocol PollSource: Sendable {
    /// Parent tasks (`ListOperationProcess`, every page): those created since
    /// `createdSince` (discovery sends `StartTime` only), or those with the given ids.
    func listTasks(_ selection: TaskSelection, deadline: ContinuousClock.Instant) async throws -> [OperationProcess]

    /// Every page of the subtasks of `taskIds` (`ListOperationProcessDetail` bounded by
    /// `TaskIds` alone, no time parameters), handed to `page` as each arrives with the
    /// attempt number: when a listing is read again from page 1 (its pages did not fit
    /// together), the pages of the new attempt come with attempt 2.
    func readSubtasks(
        taskIds: [String], deadline: ContinuousClock.Instant, page: (SubtaskPage, Int) throws -> Void
    ) async throws
}

/// Which parent tasks a poll lists.
public enum TaskSelection: Sendable, Equatable {
    /// Every task created at or after this time, epoch milliseconds.
    case createdSince(Int64)
    /// These task ids (configured `task_ids`).
    case ids([String])
}

/// Why a poll was not complete, in one line with no secret in it.
public struct PollFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
