import Foundation
import SASMetrics
import SASModels
import SASWorkloads

// Runs each workload of the benchmarks twice: once as a warm-up (first-use costs such as
// type metadata and lazy globals), then inside a function of its own whose name starts
// with `measured`, so that
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*'
// counts the instructions of the second runs alone, each under its own function
// (scripts/check-benchmarks reads their inclusive counts). Each returns its own name, so
// the optimizer cannot fold them into one. Without valgrind it just runs them.
// `sas-bench-counts NAME...` runs only the named workloads; `--memory` also prints the
// heap bytes per tracked subtask.

@inline(never) func measuredDecodeHandWritten(_ work: () -> Int) -> (String, Int) { ("DecodeHandWritten", work()) }
@inline(never) func measuredDecodeJSONDecoder(_ work: () -> Int) -> (String, Int) { ("DecodeJSONDecoder", work()) }
@inline(never) func measuredIngestFirstPoll(_ work: () -> Int) -> (String, Int) { ("IngestFirstPoll", work()) }
@inline(never) func measuredIngestSecondPoll(_ work: () -> Int) -> (String, Int) { ("IngestSecondPoll", work()) }
@inline(never) func measuredWindowEntries(_ work: () -> Int) -> (String, Int) { ("WindowEntries", work()) }
@inline(never) func measuredRender(_ work: () -> Int) -> (String, Int) { ("Render", work()) }
@inline(never) func measuredAssembleText(_ work: () -> Int) -> (String, Int) { ("AssembleText", work()) }
@inline(never) func measuredSignRequest(_ work: () -> Int) -> (String, Int) { ("SignRequest", work()) }
@inline(never) func measuredGzipText(_ work: () -> Int) -> (String, Int) { ("GzipText", work()) }

/// One workload: its `measured` function and its work.
struct Workload {
    let measured: (() -> Int) -> (String, Int)
    let work: () -> Int
}

let arguments = Array(CommandLine.arguments.dropFirst())
let body = Fixtures.body(page: 0, checkCount: 20)
let data = Data(body)
let firstPages = Fixtures.pages(subtasks: 100_000, checkCount: 20, settled: false)
let laterPages = Fixtures.pages(subtasks: 100_000, checkCount: 20, settled: true)
var known = AccountAggregator(account: "prod")
_ = Workloads.ingest(firstPages, into: &known, polledAtMs: Fixtures.windowEndMs)
let afterFirstPoll = known
let render = RenderFixture()

if arguments.contains("--memory") {
    let bytes = MemoryProbe.bytesPerTrackedSubtask(firstPages)
    print("heap bytes per tracked subtask: aggregator \(bytes.aggregator), task ledger \(bytes.ledger)")
    print("render fixture: \(render.seriesCount) series")
}

let signing = SigningFixture()
let textBody = Workloads.assemble([render.rendered], format: .prometheusText)
let workloads = [
    Workload(measured: measuredDecodeHandWritten) { Workloads.decodeHandWritten(body) },
    Workload(measured: measuredDecodeJSONDecoder) { Workloads.decodeJSONDecoder(data) },
    Workload(measured: measuredIngestFirstPoll) {
        var aggregator = AccountAggregator(account: "prod")
        return Workloads.ingest(firstPages, into: &aggregator, polledAtMs: Fixtures.windowEndMs).summary
            .subtasksInWindow
    },
    Workload(measured: measuredIngestSecondPoll) {
        var aggregator = afterFirstPoll
        return Workloads.ingest(laterPages, into: &aggregator, polledAtMs: Fixtures.windowEndMs + 60_000).summary
            .completedThisPoll
    },
    Workload(measured: measuredWindowEntries) { Workloads.windowEntries(laterPages, aggregator: afterFirstPoll).count },
    Workload(measured: measuredRender) { Workloads.render(render.families).families.count },
    Workload(measured: measuredAssembleText) { Workloads.assemble([render.rendered], format: .prometheusText).count },
    Workload(measured: measuredGzipText) { Workloads.gzip(textBody) },
    Workload(measured: measuredSignRequest) { Workloads.signV3(signing) },
]
let selected = arguments.filter { !$0.hasPrefix("--") }
for workload in workloads {
    let name = workload.measured { 0 }.0
    guard selected.isEmpty || selected.contains(name) else { continue }
    _ = workload.work()
    let (_, result) = workload.measured(workload.work)
    print("\(name): \(result)")
}
