import SASAPI
import SASMetrics
import SASModels
import SASTestKit
import Testing

@testable import SASExporter

/// Issue 13: a poll warns when its API budget (`requests_per_second` × the time left before
/// `poll_timeout`) is below the calls its window needs, and says nothing when it is not.
@Suite("The API budget of a poll")
struct PollBudgetTests {
    static func read(tasks: Int, subtasksPerTask: Int, requestsPerSecond: Double) async throws -> [String] {
        let capture = LogCapture()
        let processes = (0..<tasks).map {
            OperationProcess(taskId: "t\($0)", statusCode: 1, detailTaskTotalCount: subtasksPerTask)
        }
        let source = FakePollSource(.init(tasks: processes))
        let account = AccountConfiguration(
            name: "big", endpoint: Endpoint(host: "example.invalid"), requestsPerSecond: requestsPerSecond
        )
        let reader = PollReader(account: account, source: source, logger: capture.logger)
        let pending = AccountAggregator(account: "big").beginPoll(
            window: PollWindow(startMs: 0, endMs: 1), scope: account.scope)
        let clock = ExporterClock.system
        _ = try await reader.read(
            into: pending, ledger: TaskLedger(), nowMs: 1, deadline: clock.now().advanced(by: account.pollTimeout),
            clock: clock
        )
        return capture.lines.filter { $0.contains("API budget") }
    }

    @Test func aWindowNeedingMoreCallsThanTheBudgetIsReported() async throws {
        // 100 tasks of 10 000 subtasks: 10 batches of 1 000 pages; 10/s for 600 s is 6 000.
        let warnings = try await Self.read(tasks: 100, subtasksPerTask: 10_000, requestsPerSecond: 10)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("calls_needed=10000") == true, "\(warnings)")
    }

    @Test func aWindowWithinTheBudgetIsNot() async throws {
        // 100 000 subtasks: about 1 000 calls, well within 6 000.
        #expect(try await Self.read(tasks: 100, subtasksPerTask: 1_000, requestsPerSecond: 10).isEmpty)
    }
}
