import SASModels

/// The completions of one commit, counted in plain arrays indexed by terminal status and
/// added to the aggregator's keyed series once at the end (not one dictionary update per
/// completion).
struct CompletionTally {
    private static let statuses = SubtaskStatus.terminal
    private var completed: [UInt64]
    private var unsound: [UInt64]
    private var histograms: [Histogram?]

    /// Starts from the aggregator's duration histograms.
    init(_ aggregator: AccountAggregator) {
        completed = Array(repeating: 0, count: Self.statuses.count)
        unsound = completed
        histograms = Self.statuses.map { aggregator.durations[String($0.rawValue)]?.histogram }
    }

    /// Counts one completion: its status, and its duration when sound.
    mutating func count(_ record: SubtaskRecord, status: SubtaskStatus) {
        guard let slot = Self.statuses.firstIndex(of: status) else { return }
        completed[slot] &+= 1
        if let start = record.startTime, let end = record.endTime, start > 0, end > 0, end >= start {
            histograms[slot]?.observe(Double(end - start) / 1000)
        } else {
            unsound[slot] &+= 1
        }
    }

    /// Adds what was counted to the aggregator's series.
    func apply(to aggregator: inout AccountAggregator) {
        for (slot, status) in Self.statuses.enumerated() {
            let code = String(status.rawValue)
            if completed[slot] > 0 { aggregator.completed[code]?.value &+= completed[slot] }
            if unsound[slot] > 0 { aggregator.unsoundDurations[code, default: 0] &+= unsound[slot] }
            if completed[slot] > unsound[slot], let histogram = histograms[slot] {
                aggregator.durations[code]?.histogram = histogram
            }
        }
    }
}
