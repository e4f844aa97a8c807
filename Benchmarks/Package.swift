// swift-tools-version:6.1
import PackageDescription

/// The benchmarks of sas-exporter (issue 13): decode of one page, ingest of 100 000
/// subtasks, render of ~4 000 series and gzip of the body, memory per tracked subtask, and
/// the signature of one request.
///
/// A package of its own, so that the exporter's build never compiles the benchmark
/// framework. `Benchmarks/SASBenchmarks` runs under ordo-one/benchmark (wall time and
/// mallocs; `swift package benchmark`); `sas-bench-counts` runs the same workloads once
/// each, for callgrind to count instructions (the machine's perf counters are not
/// available to package-benchmark). scripts/check-benchmarks checks both against the
/// thresholds in `Thresholds/`.
let package = Package(
    name: "sas-exporter-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sas-exporter", path: ".."),
        // The malloc interposer only: the default `RuntimeInterposer` trait needs a package
        // that is not available here.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The allocator's count of heap bytes in use (glibc's mallinfo2 is not in the Glibc module).
        .target(name: "CHeapStats"),
        // The workloads and their inputs, shared by both executables.
        .target(
            name: "SASWorkloads",
            dependencies: [
                "CHeapStats",
                .product(name: "SASModels", package: "sas-exporter"),
                .product(name: "SASMetrics", package: "sas-exporter"),
                .product(name: "SASGzip", package: "sas-exporter"),
                .product(name: "SASSigning", package: "sas-exporter"),
            ]
        ),
        .executableTarget(
            name: "SASBenchmarks",
            dependencies: ["SASWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/SASBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(name: "sas-bench-counts", dependencies: ["SASWorkloads"]),
    ]
)
