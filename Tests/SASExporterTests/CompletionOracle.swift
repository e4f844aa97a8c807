import SASSimulator

/// The completions the exporter must count, worked out from the simulator's ground truth
/// at each poll by the rules of `docs/metrics.md` ("Coverage horizon"), independently of the aggregator: a
/// subtask created after coverage began counts once, when first seen terminal; one created
/// before it is a baseline, unless it was seen open at some poll (then its completion is
/// real and counts, even when it completes while out of the window and is only seen
/// terminal after a `lookback` raise brings it back).
struct CompletionOracle {
    /// Coverage began at the first poll: subtasks created up to this are pre-horizon.
    let horizonMs: Int64
    private var seenOpen: Set<String> = []
    private var settled: Set<String> = []

    /// Starts at the first poll's ground truth (a baseline: nothing counted).
    init(firstPoll truth: GroundTruth) {
        horizonMs = truth.atMs
        _ = observe(truth)
    }

    /// The completions by status code a poll seeing `truth` adds.
    mutating func observe(_ truth: GroundTruth) -> [Int: Double] {
        var counts: [Int: Double] = [2: 0, 3: 0, 4: 0]
        for subtask in truth.subtasks where !settled.contains(subtask.detailTaskId) {
            switch subtask.status {
            case 2...4:
                settled.insert(subtask.detailTaskId)
                if subtask.createTimeMs > horizonMs || seenOpen.contains(subtask.detailTaskId) {
                    counts[subtask.status, default: 0] += 1
                }
            case 0, 1:
                seenOpen.insert(subtask.detailTaskId)
            default:
                continue
            }
        }
        return counts
    }
}
