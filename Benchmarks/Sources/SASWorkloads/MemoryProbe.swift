import CHeapStats
import SASMetrics
import SASModels

/// Heap bytes that the exporter keeps per tracked subtask between polls, read from the
/// allocator (`mallinfo2`, bytes in use) rather than from the resident size, so the
/// figure does not depend on what else the process did.
public enum MemoryProbe {
    /// Heap bytes in use (0 where the allocator cannot tell).
    public static func heapInUse() -> Int {
        Int(sas_heap_in_use())
    }

    /// Heap bytes per entry of the de-duplication state, and per subtask of the window
    /// entries a task ledger keeps for settled tasks, when every subtask of `pages` is
    /// tracked: a first poll a day earlier saw nothing, so all of them are new.
    public static func bytesPerTrackedSubtask(_ pages: [SubtaskPage]) -> (aggregator: Int, ledger: Int) {
        var aggregator = AccountAggregator(account: "prod")
        let earlier = PollWindow(startMs: Fixtures.window.startMs - 86_400_000, endMs: Fixtures.window.startMs)
        _ = aggregator.commit(
            aggregator.beginPoll(window: earlier, scope: Fixtures.scope), polledAtMs: earlier.endMs, tasks: nil)
        let before = heapInUse()
        _ = Workloads.ingest(pages, into: &aggregator, polledAtMs: Fixtures.windowEndMs)
        let afterAggregator = heapInUse()
        let entries = Workloads.windowEntries(pages, aggregator: aggregator)
        let afterLedger = heapInUse()
        let tracked = max(1, aggregator.trackedCount)
        let subtasks = max(1, entries.values.reduce(0) { $0 + $1.count })
        withExtendedLifetime((aggregator, entries)) {}
        return ((afterAggregator - before) / tracked, (afterLedger - afterAggregator) / subtasks)
    }
}
