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

    /// The bit that remembers, per tracked subtask, that this reason was counted.
    var flag: UInt8 {
        switch self {
        case .endBeforeStart: 1 << 1
        case .missingTimes: 1 << 2
        case .unknownStatus: 1 << 3
        case .missingStatus: 1 << 4
        case .missingId: 1 << 5
        case .duplicate: 0
        }
    }
}
