import Logging
import SASMetrics
import SASModels

/// Polls one account: after `firstDelay` (zero: at once), then every interval, never
/// overlapping (a tick that falls inside a running poll is skipped and counted). A poll
/// may run up to `poll_timeout`. Each complete poll is committed, saved and then
/// published; an incomplete one keeps the last snapshot served, sets `up` to 0 and is
/// counted.
struct AccountPoller: Sendable {
    let account: AccountConfiguration
    /// When the first poll starts, from now (spreads many accounts over the interval).
    var firstDelay: Duration = .zero
    let durationBuckets: [Double]
    let source: any PollSource
    let store: MetricsStore
    let persistence: StatePersistence
    let clock: ExporterClock
    let logger: Logger

    /// Polls until `stop` is fulfilled (or the task is cancelled), then returns the
    /// account's state for a successor.
    func run(_ initial: AccountState, stop: OneShot<Void>) async -> AccountState {
        await withTaskGroup(of: AccountState?.self) { group in
            group.addTask {
                _ = await stop.wait()
                return nil
            }
            group.addTask { await loop(initial) }
            var final = initial
            while let outcome = await group.next() {
                if let outcome { final = outcome }
                group.cancelAll()
            }
            return final
        }
    }

    private func loop(_ initial: AccountState) async -> AccountState {
        var state = initial
        state.aggregator.reconfigure(account.aggregatorConfiguration(durationBuckets: durationBuckets))
        publish(state, snapshot: state.snapshot)
        var nextTick = clock.now().advanced(by: firstDelay)
        if firstDelay > .zero {
            do {
                try await clock.sleep(nextTick)
            } catch {
                return state
            }
        }
        while !Task.isCancelled {
            await pollOnce(&state)
            if Task.isCancelled { break }
            nextTick = nextTick.advanced(by: account.interval)
            var skipped: UInt64 = 0
            let now = clock.now()
            while nextTick <= now {
                nextTick = nextTick.advanced(by: account.interval)
                skipped += 1
            }
            if skipped > 0 {
                state.health.pollsSkippedTotal += skipped
                publish(state, snapshot: nil)
                logger.warning(
                    "poll took longer than the interval; ticks skipped",
                    metadata: [
                        "account": "\(account.name)", "skipped": "\(skipped)",
                    ])
            }
            do {
                try await clock.sleep(nextTick)
            } catch {
                break
            }
        }
        return state
    }

    /// One poll: read, commit, save, publish.
    func pollOnce(_ state: inout AccountState) async {
        let started = clock.now()
        let windowEndMs = clock.wallMs()
        let window = PollWindow(startMs: windowEndMs - account.lookback.milliseconds, endMs: windowEndMs)
        let deadline = started.advanced(by: account.pollTimeout)
        let callsBefore = state.calls.snapshot.total
        state.health.pollsTotal += 1
        let pending = state.aggregator.beginPoll(window: window, scope: account.scope)
        let reader = PollReader(account: account, source: source, logger: logger)
        do {
            let ledger = state.ledger
            let result = try await Self.withinDeadline(deadline, timeout: account.pollTimeout, clock: clock) {
                try await reader.read(
                    into: pending, ledger: ledger, nowMs: windowEndMs, deadline: deadline, clock: clock)
            }
            try Task.checkCancellation()
            let tasks = account.taskIds == nil ? TaskCounts(result.tasks, window: window) : nil
            let snapshot = state.aggregator.commit(
                result.pending, polledAtMs: clock.wallMs(), tasks: tasks, settled: result.plan.kept
            )
            state.ledger.record(
                result.plan, taskIds: result.taskIds, tasks: result.tasks, poll: result.pending, nowMs: windowEndMs)
            await persistence.save(account: account.name, state.aggregator)
            let seconds = clock.seconds(since: started)
            state.health.up = true
            state.health.hasFinishedPoll = true
            state.health.lastSuccessSeconds = clock.wallSeconds
            state.health.lastPollDurationSeconds = seconds
            state.health.lastError = nil
            state.health.lastSubtaskCount = snapshot.summary.subtasksInWindow
            state.snapshot = RenderedFamilies(snapshot.families)
            publish(state, snapshot: state.snapshot)
            for record in snapshot.summary.newlyUndecodable.prefix(20) {
                logger.debug(
                    "record undecodable; the rest of its page is used",
                    metadata: [
                        "account": "\(account.name)", "detail_task_id": "\(record.detailTaskId ?? "none")",
                        "field": "\(record.path)", "reason": "\(record.reason)",
                    ])
            }
            if snapshot.summary.endpointChanged {
                logger.warning(
                    "the account's endpoint changed: a new baseline (what this poll saw terminal is not counted)",
                    metadata: [
                        "account": "\(account.name)", "endpoint": "\(account.endpoint)",
                    ])
            }
            logger.info(
                "poll complete",
                metadata: outcomeMetadata(
                    "complete", seconds: seconds, apiCalls: state.calls.snapshot.total - callsBefore
                ).merging([
                    "tasks": "\(result.taskIds.count)", "tasks_read": "\(result.plan.read.count)",
                    "tasks_settled": "\(result.plan.kept.count)", "full_read": "\(result.plan.full)",
                    "batches": "\(result.batches)", "api_calls_estimated": "\(result.estimatedCalls)",
                    "subtasks": "\(snapshot.summary.subtasksInWindow)",
                    "records": "\(snapshot.summary.recordsReceived)",
                    "outside_window": "\(snapshot.summary.outsideWindow)",
                    "completed": "\(snapshot.summary.completedThisPoll)", "baseline": "\(snapshot.summary.isBaseline)",
                ]) { $1 })
        } catch {
            if Task.isCancelled { return }
            let seconds = clock.seconds(since: started)
            state.health.up = false
            state.health.hasFinishedPoll = true
            state.health.pollFailuresTotal += 1
            state.health.lastPollDurationSeconds = seconds
            state.health.lastError = String(describing: error)
            publish(state, snapshot: nil)
            logger.error(
                "poll incomplete; the previous snapshot stays served",
                metadata: outcomeMetadata(
                    "incomplete", seconds: seconds, apiCalls: state.calls.snapshot.total - callsBefore
                ).merging(["error": "\(error)"]) { $1 })
        }
    }

    /// What both poll outcome lines carry: the account, how long the poll took against its
    /// timeout, the API calls it made and the outcome.
    private func outcomeMetadata(_ outcome: String, seconds: Double, apiCalls: UInt64) -> Logger.Metadata {
        [
            "account": "\(account.name)", "duration_seconds": "\(Self.rounded(seconds))",
            "poll_timeout": "\(PrometheusDuration.format(account.pollTimeout))", "api_calls": "\(apiCalls)",
            "outcome": "\(outcome)",
        ]
    }

    /// Publishes the account's chunks; a nil `snapshot` keeps the one published before.
    private func publish(_ state: AccountState, snapshot: RenderedFamilies?) {
        let health = RenderedFamilies(
            HealthFamilies.account(account.name, health: state.health, calls: state.calls.snapshot))
        store.publish(account: account.name, snapshot: snapshot, health: health, status: state.health)
    }

    /// Runs `body`, cancelling it if it is still running a second after the deadline: the
    /// client's own deadlines should end every call before that, this is the guarantee.
    static func withinDeadline<T: Sendable>(
        _ deadline: ContinuousClock.Instant, timeout: Duration, clock: ExporterClock,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(deadline.advanced(by: .seconds(1)))
                return nil
            }
            defer { group.cancelAll() }
            if let first = try await group.next(), let value = first {
                return value
            }
            throw PollFailure(
                "the poll did not finish within its deadline (poll_timeout \(PrometheusDuration.format(timeout)))")
        }
    }

    /// The first-poll delay of an account among `accounts` started together: none for a
    /// lone account; otherwise a phase in `[0, interval)` from a stable hash of the name, so
    /// the accounts' polls (and their API calls) spread over the interval instead of all
    /// starting at the same instant, and keep their phases across restarts.
    static func phase(of name: String, interval: Duration, accounts: Int) -> Duration {
        guard accounts > 1 else { return .zero }
        let fraction = Double(StableHash.mix64(StableHash.fnv1a64(name.utf8)) >> 11) / Double(1 << 53)
        return .milliseconds(Int64(fraction * Double(interval.milliseconds)))
    }

    static func rounded(_ value: Double) -> String {
        let thousandths = (value * 1000).rounded()
        return "\(Int(thousandths) / 1000).\(String(Int(thousandths) % 1000).leftPadded(to: 3))"
    }
}

extension String {
    /// The text with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
