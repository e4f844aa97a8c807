import SASModels

/// Where a poll gets its data: the signed API client in production, a fake in tests.
/// Each call returns every page or throws; a partial list is never returned.
public protocol PollSource: Sendable {
    /// Parent tasks created in the window (`ListOperationProcess`, every page).
    func listTasks(windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [OperationProcess]
    /// Subtasks of the given tasks in the window (`ListOperationProcessDetail`, every page).
    func listSubtasks(taskIds: [String], windowStartMs: Int64, windowEndMs: Int64, deadline: ContinuousClock.Instant) async throws -> [ProcessDetail]
}

/// Why a poll was not complete, in one line with no secret in it.
public struct PollFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
