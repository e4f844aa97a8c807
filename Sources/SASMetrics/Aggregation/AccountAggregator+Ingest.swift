import SASModels

extension AccountAggregator {
    /// Folds one complete poll into the state and returns the account's snapshot.
    ///
    /// The first poll of an aggregator without history is the baseline: terminal subtasks
    /// are remembered but not counted. Later polls count each `DetailTaskId` once, when
    /// first seen terminal. Counters never decrease.
    public mutating func ingest(_ poll: PollInput) -> AccountSnapshot {
        let nowMs = poll.polledAtMs
        let nowSeconds = TrackedSubtasks.seconds(fromMs: nowMs)
        let isBaseline = pollCount == 0
        ensureBaseSeries(createdMs: nowMs)

        // One record per DetailTaskId: the most advanced status wins, later copies win ties.
        var indexById: [String: Int] = [:]
        var withId: [ProcessDetail] = []
        var withoutId: [ProcessDetail] = []
        var duplicates = 0
        for record in poll.subtasks {
            guard let id = record.detailTaskId, !id.isEmpty else {
                withoutId.append(record)
                continue
            }
            if let index = indexById[id] {
                duplicates += 1
                if Self.rank(record) >= Self.rank(withId[index]) { withId[index] = record }
            } else {
                indexById[id] = withId.count
                withId.append(record)
            }
        }
        if duplicates > 0 { increment(.duplicate, by: UInt64(duplicates), nowMs: nowMs) }

        for record in withId + withoutId { noteChecks(record, nowMs: nowMs) }

        var completedThisPoll = 0
        for record in withId {
            guard let id = record.detailTaskId else { continue }
            let key = Fingerprint("id\u{0}" + id)
            var entry = tracked[key] ?? TrackedEntry(flags: 0, lastSeenSeconds: nowSeconds)
            countNewReasons(Self.invalidReasons(record), entry: &entry, nowMs: nowMs)
            if let code = record.statusCode, let status = SubtaskStatus(rawValue: code), status.isTerminal,
               entry.flags & TrackedEntry.terminalSeen == 0 {
                entry.flags |= TrackedEntry.terminalSeen
                if !isBaseline {
                    countCompletion(record, status: status)
                    completedThisPoll += 1
                }
            }
            if entry.flags != 0 {
                entry.lastSeenSeconds = nowSeconds
                tracked[key] = entry
            }
        }
        for record in withoutId {
            let key = Fingerprint("noid\u{0}" + Self.stableFields(record))
            var entry = tracked[key] ?? TrackedEntry(flags: 0, lastSeenSeconds: nowSeconds)
            countNewReasons(Self.invalidReasons(record) + [.missingId], entry: &entry, nowMs: nowMs)
            entry.lastSeenSeconds = nowSeconds
            tracked[key] = entry
        }

        let horizonMs = configuration.lookbackMs + configuration.expiryMarginMs
        let expired = tracked.expire(before: (nowMs - horizonMs) / 1000)
        let evicted = tracked.evict(downTo: configuration.maxTrackedSubtasks)
        if evicted > 0, var series = evictions {
            series.value &+= UInt64(evicted)
            evictions = series
        }
        pollCount += 1

        let window = WindowView(records: withId + withoutId, tasks: poll.tasks)
        let summary = SnapshotSummary(
            isBaseline: isBaseline,
            recordsReceived: poll.subtasks.count,
            subtasksInWindow: withId.count + withoutId.count,
            subtasksByStatus: window.countsByStatusLabel,
            tasksInWindow: window.taskCount,
            completedThisPoll: completedThisPoll,
            completedTotal: completed.values.reduce(0) { $0 &+ $1.value },
            invalidTotals: invalid.mapValues(\.value),
            trackedSubtasks: tracked.count,
            expiredThisPoll: expired,
            evictedThisPoll: evicted
        )
        return AccountSnapshot(
            account: account, polledAtMs: nowMs, families: families(window: window), summary: summary
        )
    }

    /// Creates the series that exist from the first poll on, at 0.
    private mutating func ensureBaseSeries(createdMs: Int64) {
        for status in SubtaskStatus.terminal {
            let code = String(status.rawValue)
            if completed[code] == nil { completed[code] = CounterSeries(value: 0, createdMs: createdMs) }
            if durations[code] == nil {
                durations[code] = HistogramSeries(
                    histogram: Histogram(bounds: configuration.durationBuckets), createdMs: createdMs
                )
            }
        }
        for reason in InvalidReason.allCases where invalid[reason.rawValue] == nil {
            invalid[reason.rawValue] = CounterSeries(value: 0, createdMs: createdMs)
        }
        if evictions == nil { evictions = CounterSeries(value: 0, createdMs: createdMs) }
    }

    private mutating func increment(_ reason: InvalidReason, by amount: UInt64 = 1, nowMs: Int64) {
        invalid[reason.rawValue, default: CounterSeries(value: 0, createdMs: nowMs)].value &+= amount
    }

    /// Counts the reasons not yet counted for this subtask and remembers them.
    private mutating func countNewReasons(_ reasons: [InvalidReason], entry: inout TrackedEntry, nowMs: Int64) {
        for reason in reasons where entry.flags & reason.flag == 0 {
            entry.flags |= reason.flag
            increment(reason, nowMs: nowMs)
        }
    }

    /// Creates a check's three series at 0 the first time it is seen (within
    /// `maxChecks`) and keeps its latest non-empty name.
    private mutating func noteChecks(_ record: ProcessDetail, nowMs: Int64) {
        for check in record.checks {
            guard let checkId = check.checkId else { continue }
            let key = String(checkId)
            if checks[key] == nil {
                guard checks.count < configuration.maxChecks else { continue }
                checks[key] = CheckSeries(createdMs: nowMs)
            }
            if let name = check.checkShowName, !name.isEmpty {
                checks[key]?.name = ExpositionText.exposedLabelValue(name)
            }
        }
    }

    private mutating func countCompletion(_ record: ProcessDetail, status: SubtaskStatus) {
        let code = String(status.rawValue)
        completed[code]?.value &+= 1
        if let start = record.startTime, let end = record.endTime, start > 0, end > 0, end >= start {
            durations[code]?.histogram.observe(Double(end - start) / 1000)
        } else {
            unsoundDurations[code, default: 0] &+= 1
        }
        var seen = Set<Int64>()
        for check in record.checks {
            guard let checkId = check.checkId, seen.insert(checkId).inserted,
                  var series = checks[String(checkId)] else { continue }
            series.completions &+= 1
            if status == .failed { series.failed &+= 1 }
            if status == .timedOut { series.timedOut &+= 1 }
            checks[String(checkId)] = series
        }
    }

    /// Terminal beats running beats not started beats anything else.
    private static func rank(_ record: ProcessDetail) -> Int {
        guard let code = record.statusCode, let status = SubtaskStatus(rawValue: code) else { return 0 }
        switch status {
        case .notStarted: return 1
        case .running: return 2
        case .succeeded, .timedOut, .failed: return 3
        }
    }

    /// The reasons a record is odd, apart from a missing id and duplication.
    static func invalidReasons(_ record: ProcessDetail) -> [InvalidReason] {
        guard let code = record.statusCode else { return [.missingStatus] }
        guard let status = SubtaskStatus(rawValue: code) else { return [.unknownStatus] }
        guard status.isTerminal else { return [] }
        guard let start = record.startTime, let end = record.endTime, start > 0, end > 0 else {
            return [.missingTimes]
        }
        return end < start ? [.endBeforeStart] : []
    }

    /// The fields of a record without id that do not change as it progresses.
    private static func stableFields(_ record: ProcessDetail) -> String {
        let checkIds = record.checks.compactMap(\.checkId).map(String.init).joined(separator: ",")
        let fields: [String] = [
            record.taskId ?? "-", record.createTime.map(String.init) ?? "-",
            record.assetVendor.map(String.init) ?? "-", record.assetType.map(String.init) ?? "-",
            record.assetSubType.map(String.init) ?? "-", checkIds,
        ]
        return fields.joined(separator: "\u{0}")
    }
}
