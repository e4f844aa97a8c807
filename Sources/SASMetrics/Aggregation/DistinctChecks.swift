import SASModels

/// The distinct check ids of a poll's kept records, in first-seen order.
///
/// A poll of 100 000 subtasks carries millions of check references but only as many
/// distinct ids as the account has check items (about a thousand): a direct-mapped table
/// of recently seen ids answers almost every "seen before?" with one load and one compare,
/// and only a miss there asks the set.
struct DistinctChecks {
    private(set) var result: [Int64] = []
    private var seen = Set<CheckKey>()
    /// `recent[slot(id)]` holds an id already in `seen` (or the empty marker).
    private var recent: [Int64]
    private static let slots = 4096
    /// No id is recorded as this one: a real id equal to it just misses the table.
    private static let empty = Int64.min

    init() {
        recent = [Int64](repeating: Self.empty, count: Self.slots)
    }

    /// Notes the checks of `record` (a range of `checks`).
    mutating func note(_ record: SubtaskRecord, checks: UnsafeBufferPointer<Int64>) {
        let start = Int(record.checkStart)
        for checkId in UnsafeBufferPointer(rebasing: checks[start..<(start + Int(record.checkCount))]) {
            note(checkId)
        }
    }

    @inline(__always)
    private mutating func note(_ checkId: Int64) {
        let slot = Int(truncatingIfNeeded: UInt64(bitPattern: checkId) & UInt64(Self.slots - 1))
        if recent[slot] == checkId && checkId != Self.empty { return }
        if seen.insert(CheckKey(checkId)).inserted { result.append(checkId) }
        recent[slot] = checkId
    }
}
