// swift-tools-version:6.2
import PackageDescription

/// Warnings are errors when `SAS_STRICT=1` (the test command and CI set it), so a
/// warning never lands; local edit-compile loops stay forgiving.
let strict = Context.environment["SAS_STRICT"] == "1"

let swiftSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny")
    ] + (strict ? [.treatAllWarnings(as: .error)] : [])

/// Build facts for `--version`, the landing page and `alibabacloud_sas_exporter_build_info`:
/// `SAS_VERSION` and `SAS_REVISION` from the environment (scripts/test and the Dockerfile
/// set them), "unknown" when not given. SwiftPM caches the manifest's evaluation keyed by its
/// contents and the environment, so a new value rebuilds the one C file that holds them; git
/// state read here (`Context.gitInformation`) would go stale after a commit under that cache
/// (fresh only with `--manifest-cache none --disable-build-manifest-caching`), so it is not
/// used. README, "Build facts".
func buildFact(_ variable: String) -> CSetting {
    let value = Context.environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
    // A C string literal (no Foundation in the manifest): quotes and backslashes escaped.
    let literal = value.map { $0 == "\\" || $0 == "\"" ? "\\\($0)" : String($0) }.joined()
    return .define("SAS_BUILD_" + variable.dropFirst("SAS_".count), to: "\"\(literal)\"")
}

let buildFacts = [buildFact("SAS_VERSION"), buildFact("SAS_REVISION")]

let package = Package(
    name: "sas-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sas-exporter", targets: ["sas-exporter"]),
        .executable(name: "sas-simulator", targets: ["sas-simulator"]),
        // For the benchmark package (Benchmarks/), which depends on this one by path.
        .library(name: "SASModels", targets: ["SASModels"]),
        .library(name: "SASMetrics", targets: ["SASMetrics"]),
        .library(name: "SASGzip", targets: ["SASGzip"]),
        .library(name: "SASSigning", targets: ["SASSigning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The listener: HTTP parts between codec and app, client certificate chains.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // Wire models of the two API actions; no dependencies.
        .target(name: "SASModels", swiftSettings: swiftSettings),
        // Request signing (ACS3-HMAC-SHA256 and RPC HMAC-SHA1); clock and nonce injected.
        .target(
            name: "SASSigning",
            dependencies: ["SASModels", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The signed HTTP client: endpoints, pagination, retries, limits, credentials.
        .target(
            name: "SASAPI",
            dependencies: [
                "SASModels", "SASSigning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Aggregation, de-duplication state, snapshots and exposition; no I/O.
        .target(name: "SASMetrics", dependencies: ["SASModels"], swiftSettings: swiftSettings),
        // Gzip of response bodies (zlib through CompressNIO).
        .target(
            name: "SASGzip",
            dependencies: [
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The local Security Center stand-in, as a library.
        .target(
            name: "SASSimulator",
            dependencies: [
                "SASModels", "SASSigning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Version and revision fixed at build time (see buildFacts above); C, so that the
        // values reach the binary through compiler defines without a generated source file.
        .target(name: "SASBuildFacts", cSettings: buildFacts),
        // The exporter as a library: config, pollers, HTTP server.
        .target(
            name: "SASExporter",
            dependencies: [
                "SASAPI", "SASMetrics", "SASSigning", "SASModels", "SASBuildFacts", "SASGzip",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                // --web.config.file: bcrypt basic auth and TLS on the exporter's listener.
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The listener's limits and HTTP/2 (http_server_config.http2), and
                // client_allowed_sans (chain verification beside the SAN check).
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // `--demo`: the simulator as a service of the exporter's group (kept out of the
        // exporter library).
        .target(
            name: "SASDemo",
            dependencies: [
                "SASExporter", "SASSimulator", "SASAPI", "SASSigning", "SASModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sas-exporter",
            dependencies: [
                "SASExporter", "SASDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sas-simulator",
            dependencies: [
                "SASSimulator", "SASModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every test target shares: fixtures, fakes, clocks, a simulator-plus-exporter stack.
        .target(
            name: "SASTestKit",
            dependencies: [
                "SASExporter", "SASSimulator", "SASAPI", "SASSigning", "SASModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/SASTestKit",
            resources: [.copy("Resources/signature-vectors.json")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SASModelsTests", dependencies: ["SASModels"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),
        .testTarget(name: "SASSigningTests", dependencies: ["SASSigning", "SASTestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SASAPITests",
            dependencies: [
                "SASAPI", "SASSimulator", "SASTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The strict exposition validator: one home for the SASMetrics tests and the
        // exposition fuzzer (Fuzz/, which compiles this directory as its own module).
        .target(
            name: "SASExpositionCheck", dependencies: ["SASMetrics"], path: "Tests/SASExpositionCheck",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SASMetricsTests", dependencies: ["SASMetrics", "SASExpositionCheck"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SASSimulatorTests",
            dependencies: [
                "SASSimulator", "SASAPI", "SASTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SASExporterTests",
            dependencies: [
                "SASExporter", "SASSimulator", "SASAPI", "SASSigning", "SASMetrics", "SASModels", "SASTestKit",
                "SASGzip",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Raw connections against the listener (slow, idle, oversized clients).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
