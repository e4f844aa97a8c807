import SASExpositionCheck
import Testing

@testable import SASMetrics

@Suite struct ExpositionRendererTests {
    static let families = [
        MetricFamily(
            name: "demo_requests", help: "Requests handled.", type: .counter,
            samples: [
                MetricSample(labels: [("code", "500")], value: 2, created: 1_700_000_000.5),
                MetricSample(labels: [("code", "200")], value: 10, created: 1_700_000_000),
            ]),
        MetricFamily(
            name: "demo_build_info", help: "Build facts.", type: .info,
            samples: [
                MetricSample(labels: [("version", "1.0")], value: 1)
            ]),
        MetricFamily(
            name: "demo_latency_seconds", help: "Latency \"quoted\" \\ back\nslash.", type: .histogram,
            samples: {
                var h = Histogram(bounds: [0.5, 1])
                h.observe(0.25)
                h.observe(3)
                return h.samples(labels: [MetricLabel("op", "get")], created: 1_700_000_000)
            }()),
        MetricFamily(
            name: "demo_temperature", help: "A gauge.", type: .gauge,
            samples: [
                MetricSample(labels: [MetricLabel](), value: -.infinity)
            ]),
        MetricFamily(name: "demo_empty", help: "No samples, so not rendered.", type: .gauge, samples: []),
    ]

    @Test func textFormatIsExact() {
        let text = String(decoding: ExpositionRenderer.render(Self.families, format: .prometheusText), as: UTF8.self)
        #expect(
            text == """
                # HELP demo_build_info Build facts.
                # TYPE demo_build_info gauge
                demo_build_info{version="1.0"} 1
                # HELP demo_latency_seconds Latency "quoted" \\\\ back\\nslash.
                # TYPE demo_latency_seconds histogram
                demo_latency_seconds_bucket{op="get",le="0.5"} 1
                demo_latency_seconds_bucket{op="get",le="1"} 1
                demo_latency_seconds_bucket{op="get",le="+Inf"} 2
                demo_latency_seconds_count{op="get"} 2
                demo_latency_seconds_sum{op="get"} 3.25
                # HELP demo_requests_total Requests handled.
                # TYPE demo_requests_total counter
                demo_requests_total{code="200"} 10
                demo_requests_total{code="500"} 2
                # HELP demo_temperature A gauge.
                # TYPE demo_temperature gauge
                demo_temperature -Inf

                """)
        #expect(ExpositionRenderer.terminator(.prometheusText).isEmpty)
    }

    @Test func openMetricsFormatIsExact() {
        let bytes =
            ExpositionRenderer.render(Self.families, format: .openMetrics) + ExpositionRenderer.terminator(.openMetrics)
        #expect(
            String(decoding: bytes, as: UTF8.self) == """
                # HELP demo_build Build facts.
                # TYPE demo_build info
                demo_build_info{version="1.0"} 1
                # HELP demo_latency_seconds Latency \\"quoted\\" \\\\ back\\nslash.
                # TYPE demo_latency_seconds histogram
                demo_latency_seconds_bucket{op="get",le="0.5"} 1
                demo_latency_seconds_bucket{op="get",le="1.0"} 1
                demo_latency_seconds_bucket{op="get",le="+Inf"} 2
                demo_latency_seconds_count{op="get"} 2
                demo_latency_seconds_sum{op="get"} 3.25
                demo_latency_seconds_created{op="get"} 1700000000
                # HELP demo_requests Requests handled.
                # TYPE demo_requests counter
                demo_requests_total{code="200"} 10
                demo_requests_created{code="200"} 1700000000
                demo_requests_total{code="500"} 2
                demo_requests_created{code="500"} 1700000000.5
                # HELP demo_temperature A gauge.
                # TYPE demo_temperature gauge
                demo_temperature -Inf
                # EOF

                """)
        #expect(ExpositionValidator.validate(bytes, format: .openMetrics).problems.isEmpty)
    }

    @Test(arguments: [
        (1.0, "1"), (0.0, "0"), (-0.0, "0"), (0.5, "0.5"), (1_730_335_622.0, "1730335622"),
        (1_730_335_622.123, "1730335622.123"), (1e-05, "1e-05"), (1e20, "1e+20"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"), (-3.0, "-3"),
    ])
    func valueFormatting(value: Double, expected: String) {
        #expect(ExpositionText.formatValue(value) == expected)
    }

    @Test func bucketBoundsAreCanonicalInOpenMetrics() {
        #expect(ExpositionText.formatBound(1, format: .openMetrics) == "1.0")
        #expect(ExpositionText.formatBound(21600, format: .openMetrics) == "21600.0")
        #expect(ExpositionText.formatBound(0.005, format: .openMetrics) == "0.005")
        #expect(ExpositionText.formatBound(.infinity, format: .openMetrics) == "+Inf")
        #expect(ExpositionText.formatBound(1, format: .prometheusText) == "1")
    }

    @Test func labelValuesAreEscapedSanitisedAndCapped() {
        let long = String(repeating: "é", count: 300)
        let family = MetricFamily(
            name: "x", help: "h", type: .gauge,
            samples: [
                MetricSample(labels: [("a", "q\"b\\n\nz\u{0}\u{7F}\t🔥"), ("b", long)], value: 1)
            ])
        for format in ExpositionFormat.allCases {
            let bytes = ExpositionRenderer.render([family], format: format) + ExpositionRenderer.terminator(format)
            let validator = ExpositionValidator.validate(bytes, format: format)
            #expect(validator.problems.isEmpty, "\(validator.problems)")
            let labels = validator.samples.first?.labels ?? []
            #expect(labels.first?.1 == "q\"b\\n\nz\u{FFFD}\u{FFFD}\t🔥")
            #expect(labels.last?.1 == String(repeating: "é", count: 255) + "…")
        }
        #expect(ExpositionText.exposedLabelValue(String(repeating: "a", count: 256)).count == 256)
        #expect(ExpositionText.exposedLabelValue(String(repeating: "a", count: 257)).unicodeScalars.count == 256)
    }

    @Test func namesAreSanitisedAndDuplicatesMerged() {
        let families = [
            MetricFamily(
                name: "9bad-name", help: "h", type: .gauge,
                samples: [MetricSample(labels: [("bad-label", "1")], value: 1)]),
            MetricFamily(
                name: "9bad-name", help: "h", type: .gauge,
                samples: [
                    MetricSample(labels: [("bad-label", "1")], value: 2),
                    MetricSample(labels: [("bad-label", "0")], value: 3),
                ]),
            MetricFamily(
                name: "9bad-name", help: "other type is dropped", type: .counter,
                samples: [MetricSample(labels: [MetricLabel](), value: 1)]),
        ]
        let text = String(decoding: ExpositionRenderer.render(families, format: .prometheusText), as: UTF8.self)
        #expect(
            text
                == "# HELP _9bad_name h\n# TYPE _9bad_name gauge\n_9bad_name{bad_label=\"0\"} "
                + "3\n_9bad_name{bad_label=\"1\"} 1\n"
        )
    }

    @Test func renderingIsDeterministic() {
        let shuffled = Self.families.reversed().map { family in
            MetricFamily(name: family.name, help: family.help, type: family.type, samples: family.samples)
        }
        #expect(
            ExpositionRenderer.render(Self.families, format: .openMetrics)
                == ExpositionRenderer.render(Array(shuffled), format: .openMetrics))
    }
}

@Suite struct NegotiationTests {
    @Test(arguments: [
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ExpositionFormat.openMetrics
        ),
        ("application/openmetrics-text; version=0.0.1", .openMetrics),
        (
            "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,text/plain;version=1.0.0;escaping=underscores;q=0.7",
            .prometheusText
        ),
        ("text/plain;version=2.0.0,application/openmetrics-text;version=1.0.0;q=0.2", .openMetrics),
        ("application/openmetrics-text", .openMetrics),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", .prometheusText),
        ("text/plain;q=0.5, application/openmetrics-text;q=0.6", .openMetrics),
        ("application/openmetrics-text;version=2.0.0", .prometheusText),
        ("application/openmetrics-text;q=0", .prometheusText),
        ("application/json", .prometheusText),
        ("*/*", .prometheusText),
        ("", .prometheusText),
        ("garbage;;;,,=", .prometheusText),
    ])
    func negotiate(accept: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func missingHeaderGivesText() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .prometheusText)
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}

@Suite struct HistogramTests {
    @Test func bucketsAreCumulativeAndBoundsInclusive() {
        var histogram = Histogram(bounds: [10, 1, 5, 5, .infinity])
        #expect(histogram.bounds == [1, 5, 10])
        for value in [0.5, 1, 1.5, 5, 11, .nan] { histogram.observe(value) }
        #expect(histogram.cumulativeCounts == [2, 4, 4, 5])
        #expect(histogram.count == 5)
        #expect(histogram.sum == 19)
    }
}
