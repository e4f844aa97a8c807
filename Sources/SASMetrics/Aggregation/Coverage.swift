/// What an account has covered: its scope, and since when each part of it has been
/// watched. A subtask created before its horizon was never covered (it predates the
/// account's first poll, a `lookback` raise brought it into the window, or a reload
/// added its task), so when it is first seen in a terminal status it is a baseline:
/// remembered, never counted. A subtask seen open before the horizon is counted when it
/// completes.
struct Coverage: Sendable, Equatable, Codable {
    /// The endpoint polled (`scheme://host:port`); nil in state saved by the first version,
    /// which adopts the scope it finds.
    var endpoint: String?
    /// When discovery of every task began; nil while configured task ids are polled.
    var discoveryFromMs: Int64?
    /// Configured task ids and when each was first polled.
    var tasksFromMs: [String: Int64]
    /// Subtasks created before this were forgotten (expired or evicted): nothing older
    /// is known, whatever the scope.
    var expiredBeforeMs: Int64

    /// No coverage at all yet.
    static let empty = Coverage(endpoint: nil, discoveryFromMs: nil, tasksFromMs: [:], expiredBeforeMs: .min)

    /// Coverage restored from a first-version state file: every task covered since the
    /// beginning, bounded by what expired.
    static let legacy = Coverage(endpoint: nil, discoveryFromMs: .min, tasksFromMs: [:], expiredBeforeMs: .min)

    /// Whether nothing has been covered yet.
    var isEmpty: Bool { discoveryFromMs == nil && tasksFromMs.isEmpty }

    /// The creation time from which subtasks of `taskId` have been covered. A subtask of
    /// no known task (nil) while configured tasks are polled belongs to one of them: it
    /// is covered from when the last of them was.
    func horizon(task taskId: String?) -> Int64 {
        var start = discoveryFromMs ?? .max
        if let taskId {
            if let from = tasksFromMs[taskId] { start = min(start, from) }
        } else if discoveryFromMs == nil, let latest = tasksFromMs.values.max() {
            start = latest
        }
        return max(start, expiredBeforeMs)
    }

    /// The coverage after a poll of `scope` whose window ends at `windowEndMs`: new parts
    /// of the scope are covered from just after this window's end (what the poll sees of
    /// them is a baseline). Returns whether the endpoint changed (a new baseline).
    mutating func extend(to scope: CoverageScope, windowEndMs: Int64) -> Bool {
        let start = windowEndMs + 1
        var endpointChanged = false
        if let endpoint, endpoint != scope.endpoint {
            self = .empty
            endpointChanged = true
        }
        endpoint = scope.endpoint
        switch scope.selection {
        case .discovery:
            if discoveryFromMs == nil { discoveryFromMs = start }
        case .tasks(let ids):
            var covered: [String: Int64] = [:]
            for id in ids {
                let previous = [tasksFromMs[id], discoveryFromMs].compactMap { $0 }.min()
                covered[id] = previous ?? start
            }
            tasksFromMs = covered
            discoveryFromMs = nil
        }
        prune()
        return endpointChanged
    }

    /// Records that subtasks created before `cutoffMs` are forgotten.
    mutating func forget(before cutoffMs: Int64) {
        expiredBeforeMs = max(expiredBeforeMs, cutoffMs)
        prune()
    }

    /// Drops task entries that no longer lower any horizon: those not older than the
    /// discovery coverage, and all of them once everything before the discovery coverage
    /// is forgotten. (An entry older than `expiredBeforeMs` still matters while that is
    /// below `discoveryFromMs`: it keeps its task's horizon at `expiredBeforeMs`.)
    private mutating func prune() {
        guard let discoveryFromMs else { return }
        tasksFromMs = expiredBeforeMs >= discoveryFromMs ? [:] : tasksFromMs.filter { $0.value < discoveryFromMs }
    }
}

/// What a poll covers: the endpoint, and every task or a configured list.
public struct CoverageScope: Sendable, Equatable {
    /// Which tasks a poll reads.
    public enum Selection: Sendable, Equatable {
        /// Every task `ListOperationProcess` discovers.
        case discovery
        /// The configured task ids.
        case tasks(Set<String>)
    }

    /// The endpoint polled (`scheme://host:port`).
    public var endpoint: String
    public var selection: Selection

    public init(endpoint: String, selection: Selection) {
        self.endpoint = endpoint
        self.selection = selection
    }
}
