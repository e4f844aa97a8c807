import Benchmark
import Foundation
import SASMetrics
import SASModels
import SASWorkloads

/// Wall time and mallocs of the exporter's hot paths. Thresholds (mallocs only, p90) live
/// in `Thresholds/`; `scripts/check-benchmarks` checks them with `--metric mallocCountTotal`,
/// and counts instructions with callgrind (`sas-bench-counts`). Wall time is printed,
/// never checked: the machine is shared.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(2),
        maxIterations: 25,
        // Mallocs are deterministic for a given build: 1 % (and at least 2) either way
        // before a run counts as worse or better than its threshold.
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 1.0], absolute: [.p90: 2])]
    )

    let body = Fixtures.body(page: 0, checkCount: 20)
    let data = Data(body)
    Benchmark("DecodePage100.HandWritten") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.decodeHandWritten(body)) }
    }
    Benchmark("DecodePage100.JSONDecoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.decodeJSONDecoder(data)) }
    }
    Benchmark("DecodePage100.JSONSerialization") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.decodeJSONSerialization(data)) }
    }

    let firstPages = Fixtures.pages(subtasks: 100_000, checkCount: 20, settled: false)
    let laterPages = Fixtures.pages(subtasks: 100_000, checkCount: 20, settled: true)
    Benchmark("Ingest100k.FirstPoll") { benchmark in
        for _ in benchmark.scaledIterations {
            var aggregator = AccountAggregator(account: "prod")
            blackHole(Workloads.ingest(firstPages, into: &aggregator, polledAtMs: Fixtures.windowEndMs))
        }
    }
    var known = AccountAggregator(account: "prod")
    _ = Workloads.ingest(firstPages, into: &known, polledAtMs: Fixtures.windowEndMs)
    let afterFirstPoll = known
    Benchmark("Ingest100k.SecondPoll") { benchmark in
        for _ in benchmark.scaledIterations {
            var aggregator = afterFirstPoll
            blackHole(Workloads.ingest(laterPages, into: &aggregator, polledAtMs: Fixtures.windowEndMs + 60_000))
        }
    }
    Benchmark("Ingest100k.WindowEntriesByTask") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workloads.windowEntries(laterPages, aggregator: afterFirstPoll))
        }
    }

    let render = RenderFixture()
    Benchmark("Render4k.BothFormats") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.render(render.families)) }
    }
    Benchmark("Render4k.AssembleText") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workloads.assemble([render.rendered], format: .prometheusText))
        }
    }
    Benchmark("Render4k.AssembleOpenMetrics") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.assemble([render.rendered], format: .openMetrics)) }
    }
    let textBody = Workloads.assemble([render.rendered], format: .prometheusText)
    Benchmark("Render4k.GzipText") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.gzip(textBody)) }
    }

    let signing = SigningFixture()
    Benchmark("SignV3.ListOperationProcessDetail") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Workloads.signV3(signing)) }
    }

    Benchmark(
        "TrackedMemory100k",
        configuration: .init(
            metrics: [.custom("heapBytesPerTrackedSubtask", polarity: .prefersSmaller, useScalingFactor: false)],
            maxIterations: 3, thresholds: [:]
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let measured = MemoryProbe.bytesPerTrackedSubtask(firstPages)
            benchmark.measurement(.custom("heapBytesPerTrackedSubtask"), measured.aggregator + measured.ledger)
        }
    }
}
