/// The subtask status codes of `ListOperationProcessDetail`, with the label values the
/// metric contract uses.
public enum SubtaskStatus: Int, Sendable, CaseIterable, Comparable, LabelledStatus {
    case notStarted = 0
    case running = 1
    case succeeded = 2
    case timedOut = 3
    case failed = 4

    /// The `status` label value.
    public var label: String {
        switch self {
        case .notStarted: "not_started"
        case .running: "running"
        case .succeeded: "succeeded"
        case .timedOut: "timed_out"
        case .failed: "failed"
        }
    }

    /// Whether the subtask has finished (succeeded, timed out or failed).
    public var isTerminal: Bool { self.rawValue >= 2 }

    /// The terminal statuses, in code order.
    public static let terminal: [SubtaskStatus] = [.succeeded, .timedOut, .failed]

    /// The `status` label for codes outside 0...4.
    public static let unknownLabel = "unknown"

    public static func < (lhs: SubtaskStatus, rhs: SubtaskStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The parent-task status codes of `ListOperationProcess`.
public enum TaskStatus: Int, Sendable, CaseIterable, LabelledStatus {
    case notStarted = 0
    case checking = 1
    case completed = 2
    case timedOut = 3

    /// The `status` label value.
    public var label: String {
        switch self {
        case .notStarted: "not_started"
        case .checking: "running"
        case .completed: "succeeded"
        case .timedOut: "timed_out"
        }
    }
}

/// A status code with a `status` label value (subtasks and parent tasks).
public protocol LabelledStatus: CaseIterable, RawRepresentable where RawValue == Int {
    /// The `status` label value.
    var label: String { get }
}
