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
        var tally = CompletionTally(self)
        noteChecks(in: poll, nowMs: nowMs)
        for entry in poll.withId.values {
            let record = entry.record
            window.add(WindowEntry(record))
            if ingest(record, key: record.key, in: poll, tally: &tally, nowMs: nowMs) { completedThisPoll += 1 }
        }
        tally.apply(to: &self)
        for entry in poll.withoutId {
            let record = entry.record
            window.add(WindowEntry(record))
            let reasons = Self.invalidReasons(record) | InvalidReason.missingId.flag
            _ = countOnce(reasons, key: record.key, createTime: record.createTime, in: poll, nowMs: nowMs)
        }
        var newlyUndecodable: [UndecodableRecord] = []
        for (key, record) in poll.undecodable {
            if countOnce(InvalidReason.undecodable.flag, key: key, createTime: nil, in: poll, nowMs: nowMs) {
                newlyUndecodable.append(record)
            }
        }
        for (checkId, name) in poll.checkNames {
            guard let index = checks.index(forKey: checkId) else { continue }
            let exposed = ExpositionText.exposedLabelValue(name)
            if checks.values[index].name != exposed { checks.values[index].name = exposed }
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
    private mutating func ingest(
        _ record: SubtaskRecord, key: Fingerprint, in poll: PendingPoll, tally: inout CompletionTally, nowMs: Int64
    ) -> Bool {
        let horizon = coverage.horizon(task: poll.taskId(of: record))
        let windowEndSeconds = TrackedSubtasks.seconds(fromMs: poll.window.endMs)
        let reasons = Self.invalidReasons(record)
        let status = record.statusCode.flatMap(SubtaskStatus.init(rawValue:))
        // The closure below captures values, not `poll` (a capture copies the whole poll).
        let windowEndMs = poll.window.endMs
        // One lookup of the state; the counting happens after it.
        let (newReasons, completion) = tracked.update(key) { slot -> (UInt8, SubtaskStatus?) in
            let createMs = record.createTime ?? slot.map { Int64($0.createdSeconds) * 1000 } ?? windowEndMs
            let preHorizon = createMs < horizon
            var entry = slot ?? TrackedEntry(flags: 0, createdSeconds: TrackedSubtasks.seconds(fromMs: createMs))
            let newReasons = reasons & ~entry.flags
            var completion: SubtaskStatus?
            entry.flags |= newReasons
            if let status, status.isTerminal {
                if entry.flags & TrackedEntry.terminalSeen == 0 {
                    entry.flags |= TrackedEntry.terminalSeen
                    if !preHorizon || entry.flags & TrackedEntry.seenOpen != 0 { completion = status }
                }
            } else if preHorizon, status == .notStarted || status == .running {
                entry.flags |= TrackedEntry.seenOpen
            }
            guard record.createTime != nil else {
                entry.createdSeconds = windowEndSeconds
                slot = entry
                return (newReasons, completion)
            }
            let reasonFlags = entry.flags & ~(TrackedEntry.terminalSeen | TrackedEntry.seenOpen)
            if preHorizon, status?.isTerminal == true, reasonFlags == 0 {
                // Never needed again: the horizon only moves forward, so this subtask stays
                // before it and is a baseline whenever it is seen.
                slot = nil
            } else if entry.flags != 0 {
                slot = entry
            }
            return (newReasons, completion)
        }
        increment(newReasons, nowMs: nowMs)
        guard let completion else { return false }
        tally.count(record, status: completion)
        countCheckCompletions(poll.checks(of: record), status: completion)
        return true
    }

    /// Counts a completion on each distinct check it carries (a check without a series
    /// counts in `checks_dropped_total`).
    private mutating func countCheckCompletions(_ checkIds: ArraySlice<Int64>, status: SubtaskStatus) {
        for (offset, checkId) in checkIds.enumerated() where !checkIds.prefix(offset).contains(checkId) {
            guard let index = checks.index(forKey: checkId) else {
                checksDropped?.value &+= 1
                continue
            }
            checks.values[index].completions &+= 1
            if status == .failed { checks.values[index].failed &+= 1 }
            if status == .timedOut { checks.values[index].timedOut &+= 1 }
        }
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

    /// Counts each reason whose `flag` bit is set in `reasons`.
    private mutating func increment(_ reasons: UInt8, nowMs: Int64) {
        guard reasons != 0 else { return }
        for reason in InvalidReason.allCases where reasons & reason.flag != 0 { increment(reason, nowMs: nowMs) }
    }

    /// Counts the odd-record reasons (`flag` bits) not yet counted for `key` and remembers
    /// them; returns whether any was new. When the creation time is unknown, the entry's
    /// expiry restarts each time the record is seen, so it counts once however long it
    /// stays.
    private mutating func countOnce(
        _ reasons: UInt8, key: Fingerprint, createTime: Int64?, in poll: PendingPoll, nowMs: Int64
    ) -> Bool {
        let seen = TrackedSubtasks.seconds(fromMs: createTime ?? poll.window.endMs)
        let new = tracked.update(key) { slot -> UInt8 in
            var entry = slot ?? TrackedEntry(flags: 0, createdSeconds: seen)
            let new = reasons & ~entry.flags
            entry.flags |= new
            if createTime == nil { entry.createdSeconds = seen }
            slot = entry
            return new
        }
        increment(new, nowMs: nowMs)
        return new != 0
    }

    /// Creates the three series of each check of the poll's records at 0 the first time
    /// it is seen (within `maxChecks`).
    private mutating func noteChecks(in poll: PendingPoll, nowMs: Int64) {
        for checkId in poll.distinctChecks() {
            guard checks[checkId] == nil, checks.count < configuration.maxChecks else { continue }
            var series = CheckSeries(createdMs: nowMs)
            if let name = poll.checkNames[checkId] { series.name = ExpositionText.exposedLabelValue(name) }
            checks[checkId] = series
        }
    }

    private static func floorSeconds(_ ms: Int64) -> Int64 {
        ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)
    }

    /// The reasons a record is odd (their `flag` bits), apart from a missing id,
    /// duplication and decoding.
    static func invalidReasons(_ record: SubtaskRecord) -> UInt8 {
        guard let code = record.statusCode else { return InvalidReason.missingStatus.flag }
        guard let status = SubtaskStatus(rawValue: code) else { return InvalidReason.unknownStatus.flag }
        guard status.isTerminal else { return 0 }
        guard let start = record.startTime, let end = record.endTime, start > 0, end > 0 else {
            return InvalidReason.missingTimes.flag
        }
        return end < start ? InvalidReason.endBeforeStart.flag : 0
    }
}
