import SASMetrics

/// Turns the exporter's own state into metric families (names from DESIGN.md).
enum HealthFamilies {
    /// The poll and API families of one account.
    static func account(_ name: String, health: AccountHealth, calls: APICallMetrics.Snapshot) -> [MetricFamily] {
        let account = MetricLabel("account", name)
        /// One sample, or none where `value` is nil.
        func sample(_ value: Double?, counter: Bool = false) -> [MetricSample] {
            value.map { [MetricSample(labels: [account], value: $0, created: counter ? health.createdSeconds : nil)] }
                ?? []
        }
        let requests = calls.requests.map { key, count in
            MetricSample(
                labels: [account, MetricLabel("action", key.action), MetricLabel("code", key.code)],
                value: Double(count), created: health.createdSeconds
            )
        }
        let latency = calls.latency.flatMap { action, histogram in
            histogram.samples(labels: [account, MetricLabel("action", action)], created: health.createdSeconds)
        }
        return [
            MetricFamily(
                name: "alibabacloud_sas_up",
                help: "Whether the last background poll of the account fetched every page (1) or not (0).",
                type: .gauge, samples: sample(health.up ? 1 : 0)),
            MetricFamily(
                name: "alibabacloud_sas_last_poll_success_timestamp_seconds",
                help: "End time of the last complete background poll of the account, seconds since the epoch.",
                type: .gauge, samples: sample(health.lastSuccessSeconds)),
            MetricFamily(
                name: "alibabacloud_sas_poll_duration_seconds",
                help: "Duration of the last background poll of the account, complete or not.",
                type: .gauge, samples: sample(health.lastPollDurationSeconds)),
            MetricFamily(
                name: "alibabacloud_sas_polls_total", help: "Background polls run for the account.",
                type: .counter, samples: sample(Double(health.pollsTotal), counter: true)),
            MetricFamily(
                name: "alibabacloud_sas_poll_failures_total",
                help:
                    "Background polls of the account that did not fetch every page; the previous snapshot "
                    + "stayed served.",
                type: .counter, samples: sample(Double(health.pollFailuresTotal), counter: true)),
            MetricFamily(
                name: "alibabacloud_sas_poll_skipped_total",
                help: "Poll ticks skipped because the previous poll of the account was still running.",
                type: .counter, samples: sample(Double(health.pollsSkippedTotal), counter: true)),
            MetricFamily(
                name: "alibabacloud_sas_api_requests_total",
                help:
                    "Security Center API call attempts by action and outcome: OK, the API error code, timeout, "
                    + "transport, decode, deadline, credentials or pagination.",
                type: .counter, samples: requests),
            MetricFamily(
                name: "alibabacloud_sas_api_request_duration_seconds",
                help: "Latency of Security Center API calls (each HTTP attempt), seconds.",
                type: .histogram, samples: latency),
        ]
    }

    /// The exporter-wide families: reloads, the state file, the build.
    static func exporter(_ exporter: ExporterHealth) -> [MetricFamily] {
        [
            MetricFamily(
                name: "alibabacloud_sas_config_last_reload_successful",
                help: "Whether the last configuration load or reload succeeded (1) or was refused (0).",
                type: .gauge, samples: [MetricSample(labels: [MetricLabel](), value: exporter.reloadSuccessful ? 1 : 0)]
            ),
            MetricFamily(
                name: "alibabacloud_sas_config_last_reload_success_timestamp_seconds",
                help: "When the configuration was last loaded successfully, seconds since the epoch.",
                type: .gauge, samples: [MetricSample(labels: [MetricLabel](), value: exporter.reloadSuccessSeconds)]),
            MetricFamily(
                name: "alibabacloud_sas_state_file_errors_total",
                help:
                    "State file errors by operation: load (the file was unusable at start, moved aside, "
                    + "counting started fresh) or save (the state could not be written; polling and serving went "
                    + "on).",
                type: .counter,
                samples: [
                    MetricSample(
                        labels: [MetricLabel("operation", "load")], value: Double(exporter.stateFileLoadErrors)),
                    MetricSample(
                        labels: [MetricLabel("operation", "save")], value: Double(exporter.stateFileSaveErrors)),
                ]),
            MetricFamily(
                name: "alibabacloud_sas_exporter_build_info",
                help: "Build facts of the running sas-exporter; the value is always 1.",
                type: .gauge,
                samples: [
                    MetricSample(
                        labels: [
                            MetricLabel("revision", exporter.revision),
                            MetricLabel("swift_version", exporter.swiftVersion),
                            MetricLabel("version", exporter.version),
                        ], value: 1)
                ]),
        ]
    }

    /// The standard `process_*` families, read at scrape time.
    static func process(_ stats: ProcessStats) -> [MetricFamily] {
        var families: [MetricFamily] = []
        func gauge(_ name: String, _ help: String, _ value: Double?, type: MetricType = .gauge) {
            guard let value else { return }
            families.append(
                MetricFamily(
                    name: name, help: help, type: type, samples: [MetricSample(labels: [MetricLabel](), value: value)]))
        }
        gauge(
            "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", stats.cpuSeconds,
            type: .counter)
        gauge("process_max_fds", "Maximum number of open file descriptors.", stats.maxFileDescriptors)
        gauge("process_open_fds", "Number of open file descriptors.", stats.openFileDescriptors)
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", stats.residentMemoryBytes)
        gauge(
            "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
            stats.startTimeSeconds)
        gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", stats.virtualMemoryBytes)
        return families
    }
}
