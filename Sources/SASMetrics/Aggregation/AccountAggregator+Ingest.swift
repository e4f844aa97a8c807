import SASModels

extension AccountAggregator {
    /// Folds a complete poll into the state and returns the account's snapshot.
    ///
    /// - A subtask created before its coverage horizon (see `Coverage`) is a baseline when
    ///   first seen terminal: not counted. One seen open before the horizon is counted when
    ///   it completes. Every other subtask counts once, when first seen terminal.
    /// - Entries expire `lookback + margin` after creation (`expired_window`); beyond
    ///   `maxTrackedSubtasks` the oldest are evicted (`cap`) and the horizon moves past
    ///   them, so they can never be counted twice.
    /// - Counters never decrease.
    ///
    /// - Parameters:
    ///   - polledAtMs: when the poll finished (the `_created` time of new series).
    ///   - tasks: parent tasks in the window, nil when task ids came from the configuration.
    ///   - settled: subtasks of finished tasks not read again this poll: their share of the
    ///     window gauges (filtered to the window here).
    public mutating func commit(
        _ poll: PendingPoll, polledAtMs: Int64, tasks: TaskCounts?, settled: [[WindowEntry]] = []
    ) -> AccountSnapshot {
        let nowMs = polledAtMs
        ensureBaseSeries(createdMs: nowMs)
        let firstCoverage = coverage.isEmpty
        let endpointChanged = coverage.extend(to: poll.scope, windowEndMs: poll.window.endMs)
        if endpointChanged { tracked.removeAll() }

        let cutoffMs = poll.window.endMs - configuration.lookbackMs - configuration.expiryMarginMs
        let expired = tracked.expire(before: Self.floorSeconds(cutoffMs))
        coverage.forget(before: cutoffMs)
        add(expired, to: .expiredWindow, nowMs: nowMs)

        if poll.duplicates > 0 { increment(.duplicate, by: UInt64(poll.duplicates), nowMs: nowMs) }
        var window = WindowCounts()
        var completedThisPoll = 0
        for entry in poll.withId.values {
            let record = entry.record
            noteChecks(of: record, in: poll, nowMs: nowMs)
            window.add(WindowEntry(record))
            if ingest(record, key: record.key, in: poll, nowMs: nowMs) { completedThisPoll += 1 }
        }
        for entry in poll.withoutId {
            let record = entry.record
            noteChecks(of: record, in: poll, nowMs: nowMs)
            window.add(WindowEntry(record))
            _ = countOnce(
                Self.invalidReasons(record) + [.missingId], key: record.key, createTime: record.createTime, in: poll, nowMs: nowMs
            )
        }
        var newlyUndecodable: [UndecodableRecord] = []
        for (key, record) in poll.undecodable {
            if countOnce([.undecodable], key: key, createTime: nil, in: poll, nowMs: nowMs) { newlyUndecodable.append(record) }
        }
        for (checkId, name) in poll.checkNames {
            let key = String(checkId)
            if checks[key] != nil, checks[key]?.name != ExpositionText.exposedLabelValue(name) {
                checks[key]?.name = ExpositionText.exposedLabelValue(name)
            }
        }
        for entries in settled { window.add(entries, window: poll.window) }

        let evicted = tracked.evict(downTo: configuration.maxTrackedSubtasks)
        if evicted.count > 0 {
            add(evicted.count, to: .cap, nowMs: nowMs)
            coverage.forget(before: (Int64(evicted.newestSeconds) + 1) * 1000)
        }
        pollCount += 1

        let summary = SnapshotSummary(
            isBaseline: firstCoverage || endpointChanged,
            endpointChanged: endpointChanged,
            recordsReceived: poll.recordsReceived,
            outsideWindow: poll.outsideWindow,
            subtasksInWindow: window.total,
            subtasksByStatus: window.byStatusLabel,
            tasksInWindow: tasks?.total,
            completedThisPoll: completedThisPoll,
            completedTotal: completed.values.reduce(0) { $0 &+ $1.value },
            invalidTotals: invalid.mapValues(\.value),
            trackedSubtasks: tracked.count,
            expiredThisPoll: expired,
            evictedThisPoll: evicted.count,
            newlyUndecodable: newlyUndecodable
        )
        return AccountSnapshot(
            account: account, polledAtMs: nowMs, families: families(window: window, tasks: tasks), summary: summary
        )
    }

    /// The families of the state as it stands, without the window gauges (no poll has
    /// completed yet): what a restored state exports before its first poll.
    public func restoredFamilies() -> [MetricFamily] {
        families(window: nil, tasks: nil)
    }

    /// Counts a record with an id; returns whether it was a new completion.
    ///
    /// A record without a creation time is judged by when it was first seen (the poll
    /// that first saw it stands in for its creation): its entry is kept as long as it is
    /// seen and expires `lookback + margin` after it was last seen.
    private mutating func ingest(_ record: SubtaskRecord, key: Fingerprint, in poll: PendingPoll, nowMs: Int64) -> Bool {
        let existing = tracked[key]
        let createMs = record.createTime ?? existing.map { Int64($0.createdSeconds) * 1000 } ?? poll.window.endMs
        let preHorizon = createMs < horizon(of: record, in: poll)
        var entry = existing ?? TrackedEntry(flags: 0, createdSeconds: TrackedSubtasks.seconds(fromMs: createMs))
        countNewReasons(Self.invalidReasons(record), entry: &entry, nowMs: nowMs)
        var counted = false
        let status = record.statusCode.flatMap(SubtaskStatus.init(rawValue:))
        if let status, status.isTerminal {
            if entry.flags & TrackedEntry.terminalSeen == 0 {
                entry.flags |= TrackedEntry.terminalSeen
                if !preHorizon || entry.flags & TrackedEntry.seenOpen != 0 {
                    countCompletion(record, status: status, in: poll)
                    counted = true
                }
            }
        } else if preHorizon, status == .notStarted || status == .running {
            entry.flags |= TrackedEntry.seenOpen
        }
        guard record.createTime != nil else {
            entry.createdSeconds = TrackedSubtasks.seconds(fromMs: poll.window.endMs)
            tracked[key] = entry
            return counted
        }
        let reasonFlags = entry.flags & ~(TrackedEntry.terminalSeen | TrackedEntry.seenOpen)
        if preHorizon, status?.isTerminal == true, reasonFlags == 0 {
            // Never needed again: the horizon only moves forward, so this subtask stays
            // before it and is a baseline whenever it is seen.
            tracked[key] = nil
        } else if entry.flags != 0 {
            tracked[key] = entry
        }
        return counted
    }

    /// The coverage horizon of a record's task (see `Coverage.horizon`).
    private func horizon(of record: SubtaskRecord, in poll: PendingPoll) -> Int64 {
        coverage.horizon(task: poll.taskId(of: record))
    }

    /// Counts odd-record reasons once per key; the entry's expiry restarts each time the
    /// record is seen when its creation time is unknown.
    private mutating func countOnce(_ reasons: [InvalidReason], key: Fingerprint, createTime: Int64?, in poll: PendingPoll, nowMs: Int64) -> Bool {
        let seen = TrackedSubtasks.seconds(fromMs: createTime ?? poll.window.endMs)
        var entry = tracked[key] ?? TrackedEntry(flags: 0, createdSeconds: seen)
        let new = reasons.contains { entry.flags & $0.flag == 0 }
        countNewReasons(reasons, entry: &entry, nowMs: nowMs)
        if createTime == nil { entry.createdSeconds = seen }
        tracked[key] = entry
        return new
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
        for reason in EvictionReason.allCases where evictions[reason.rawValue] == nil {
            evictions[reason.rawValue] = CounterSeries(value: 0, createdMs: createdMs)
        }
        if checksDropped == nil { checksDropped = CounterSeries(value: 0, createdMs: createdMs) }
    }

    private mutating func add(_ count: Int, to reason: EvictionReason, nowMs: Int64) {
        guard count > 0 else { return }
        evictions[reason.rawValue, default: CounterSeries(value: 0, createdMs: nowMs)].value &+= UInt64(count)
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
    /// `maxChecks`).
    private mutating func noteChecks(of record: SubtaskRecord, in poll: PendingPoll, nowMs: Int64) {
        for checkId in poll.checks(of: record) {
            let key = String(checkId)
            guard checks[key] == nil, checks.count < configuration.maxChecks else { continue }
            var series = CheckSeries(createdMs: nowMs)
            if let name = poll.checkNames[checkId] { series.name = ExpositionText.exposedLabelValue(name) }
            checks[key] = series
        }
    }

    private mutating func countCompletion(_ record: SubtaskRecord, status: SubtaskStatus, in poll: PendingPoll) {
        let code = String(status.rawValue)
        completed[code]?.value &+= 1
        if let start = record.startTime, let end = record.endTime, start > 0, end > 0, end >= start {
            durations[code]?.histogram.observe(Double(end - start) / 1000)
        } else {
            unsoundDurations[code, default: 0] &+= 1
        }
        var seen = Set<Int64>()
        for checkId in poll.checks(of: record) where seen.insert(checkId).inserted {
            let key = String(checkId)
            guard var series = checks[key] else {
                checksDropped?.value &+= 1
                continue
            }
            series.completions &+= 1
            if status == .failed { series.failed &+= 1 }
            if status == .timedOut { series.timedOut &+= 1 }
            checks[key] = series
        }
    }


    private static func floorSeconds(_ ms: Int64) -> Int64 {
        ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)
    }

    /// The reasons a record is odd, apart from a missing id, duplication and decoding.
    static func invalidReasons(_ record: SubtaskRecord) -> [InvalidReason] {
        guard let code = record.statusCode else { return [.missingStatus] }
        guard let status = SubtaskStatus(rawValue: code) else { return [.unknownStatus] }
        guard status.isTerminal else { return [] }
        guard let start = record.startTime, let end = record.endTime, start > 0, end > 0 else {
            return [.missingTimes]
        }
        return end < start ? [.endBeforeStart] : []
    }
}
