/// Why a subtask record could not be used as it is (`reason` of
/// `alibabacloud_sas_invalid_subtasks_total`).
public enum InvalidReason: String, Sendable, CaseIterable, Codable {
    /// A terminal record with `EndTime < StartTime`: counted, no duration observed.
    case endBeforeStart = "end_before_start"
    /// A terminal record without a positive `StartTime` or `EndTime`: counted, no duration.
    case missingTimes = "missing_times"
    /// A status code outside 0...4: in the window gauge as `unknown`, never a completion.
    case unknownStatus = "unknown_status"
    /// No status code: left out of the window gauge, never a completion.
    case missingStatus = "missing_status"
    /// No `DetailTaskId`: in the window gauges only, never in a counter.
    case missingId = "missing_id"
    /// A further copy of a `DetailTaskId` already in the same poll (each copy, each poll).
    case duplicate
    /// A record whose JSON has a field of the wrong type: left out of everything, the
    /// rest of its page used.
    case undecodable

    /// The bit that remembers, per tracked subtask, that this reason was counted.
    var flag: UInt8 {
        switch self {
        case .endBeforeStart: TrackedEntry.endBeforeStart
        case .missingTimes: TrackedEntry.missingTimes
        case .unknownStatus: TrackedEntry.unknownStatus
        case .missingStatus: TrackedEntry.missingStatus
        case .missingId: TrackedEntry.missingId
        case .undecodable: TrackedEntry.undecodable
        case .duplicate: 0
        }
    }
}

/// Why an entry left the de-duplication state (`reason` of
/// `alibabacloud_sas_tracked_subtask_evictions_total`).
public enum EvictionReason: String, Sendable, CaseIterable, Codable {
    /// The subtask was created more than lookback plus the margin ago: it can no longer
    /// be in the window, so forgetting it is harmless.
    case expiredWindow = "expired_window"
    /// The state reached `max_tracked_subtasks`: the oldest were forgotten and the
    /// coverage horizon moved past them, so completions of those subtasks are no longer
    /// counted (never counted twice). Alerted.
    case cap
}
