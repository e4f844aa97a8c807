import Foundation
import Logging
import SASMetrics

/// Polls one account: at once on start, then every interval, never overlapping (a tick
/// that finds the previous poll still running is skipped and counted). Each complete
/// poll replaces the published snapshot; an incomplete one keeps the last snapshot,
/// sets `up` to 0 and is counted.
public struct AccountPoller: Sendable {
    public let account: AccountConfiguration
    let source: any PollSource
    let recorder: APICallRecorder
    let store: MetricsStore
    let states: AggregatorStates
    let durationBuckets: [Double]
    let logger: Logger
    /// Wall clock in milliseconds since the epoch; injectable for tests.
    var nowMs: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    init(
        account: AccountConfiguration, source: any PollSource, recorder: APICallRecorder, store: MetricsStore,
        states: AggregatorStates, durationBuckets: [Double], logger: Logger
    ) {
        self.account = account
        self.source = source
        self.recorder = recorder
        self.store = store
        self.states = states
        self.durationBuckets = durationBuckets
        self.logger = logger
    }

    /// Polls until the task is cancelled. `health` carries on the counters of a poller
    /// this one replaces (after a reload changed the account), so they never reset.
    public func run(continuing previous: AccountHealth? = nil) async {
        var health = previous ?? AccountHealth(createdSeconds: Double(nowMs()) / 1000)
        store.register(account: account.name, health: health)
        let interval = Duration.milliseconds(account.intervalMs)
        let clock = ContinuousClock()
        var nextTick = clock.now
        while !Task.isCancelled {
            await pollOnce(health: &health)
            if Task.isCancelled { break }
            nextTick = nextTick.advanced(by: interval)
            var skipped: UInt64 = 0
            while nextTick <= clock.now {
                nextTick = nextTick.advanced(by: interval)
                skipped += 1
            }
            if skipped > 0 {
                health.pollsSkippedTotal += skipped
                store.publish(account: account.name, snapshot: nil, health: health)
                logger.warning("poll took longer than the interval; ticks skipped", metadata: [
                    "account": "\(account.name)", "skipped": "\(skipped)",
                ])
            }
            do {
                try await Task.sleep(until: nextTick, clock: clock)
            } catch {
                break
            }
        }
    }

    /// One poll: fetch, aggregate, publish, save.
    func pollOnce(health: inout AccountHealth) async {
        let started = ContinuousClock.now
        let windowEndMs = nowMs()
        let windowStartMs = windowEndMs - account.lookbackMs
        let deadline = started.advanced(by: .milliseconds(account.pollTimeoutMs))
        health.pollsTotal += 1
        do {
            let result = try await Self.withinDeadline(deadline, timeoutMs: account.pollTimeoutMs) { [account, source] in
                try await PollRunner(account: account, source: source)
                    .run(windowStartMs: windowStartMs, windowEndMs: windowEndMs, deadline: deadline)
            }
            try Task.checkCancellation()
            let input = PollInput(
                account: account.name, polledAtMs: nowMs(), windowStartMs: windowStartMs, windowEndMs: windowEndMs,
                tasks: result.tasks, subtasks: result.subtasks
            )
            let snapshot = await states.ingest(input, configuration: aggregatorConfiguration)
            let seconds = Self.seconds(since: started)
            health.up = true
            health.hasFinishedPoll = true
            health.lastSuccessSeconds = Double(nowMs()) / 1000
            health.lastPollDurationSeconds = seconds
            health.lastError = nil
            health.lastSubtaskCount = snapshot.summary.subtasksInWindow
            let calls = recorder.drain(into: &health)
            store.publish(account: account.name, snapshot: snapshot, health: health)
            logger.info("poll complete", metadata: [
                "account": "\(account.name)", "duration_seconds": "\(Self.rounded(seconds))",
                "tasks": "\(result.tasks.map { String($0.count) } ?? "configured")",
                "batches": "\(result.batches)", "api_calls": "\(calls)", "subtasks": "\(snapshot.summary.subtasksInWindow)",
                "records": "\(snapshot.summary.recordsReceived)", "completed": "\(snapshot.summary.completedThisPoll)",
                "baseline": "\(snapshot.summary.isBaseline)", "outcome": "complete",
            ])
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            let seconds = Self.seconds(since: started)
            health.up = false
            health.hasFinishedPoll = true
            health.pollFailuresTotal += 1
            health.lastPollDurationSeconds = seconds
            health.lastError = String(describing: error)
            let calls = recorder.drain(into: &health)
            store.publish(account: account.name, snapshot: nil, health: health)
            logger.error("poll incomplete; the previous snapshot stays served", metadata: [
                "account": "\(account.name)", "duration_seconds": "\(Self.rounded(seconds))",
                "api_calls": "\(calls)", "error": "\(error)", "outcome": "incomplete",
            ])
        }
    }

    /// Runs `body`, cancelling it if it is still running a second after the deadline: the
    /// client's own timeouts should end every call before that, this is the guarantee.
    static func withinDeadline<T: Sendable>(
        _ deadline: ContinuousClock.Instant, timeoutMs: Int64, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: deadline.advanced(by: .seconds(1)), clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            if let first = try await group.next(), let value = first {
                return value
            }
            throw PollFailure("the poll did not finish within its deadline (poll_timeout \(PrometheusDuration.format(milliseconds: timeoutMs)))")
        }
    }

    var aggregatorConfiguration: AggregatorConfiguration {
        AggregatorConfiguration(durationBuckets: durationBuckets, lookbackMs: account.lookbackMs)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func rounded(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}
