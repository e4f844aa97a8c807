import SASExpositionCheck
import Testing

@testable import SASMetrics

/// The validator the property test relies on must reject broken expositions.
@Suite struct ExpositionValidatorTests {
    @Test(arguments: [
        ("x 1\n", "sample before TYPE"),
        ("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n", "duplicate series"),
        ("# HELP x h\n# TYPE x gauge\nx{a=\"\\q\"} 1\n", "bad escape"),
        ("# HELP x h\n# TYPE x gauge\nx 1 1700000000\n", "timestamp"),
        ("# HELP x h\n# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n", "repeated label"),
        ("# HELP x h\n# TYPE x gauge\nx{1a=\"1\"} 1\n", "bad label name"),
        ("# HELP x_total h\n# TYPE x_total counter\nx_total -1\n", "negative"),
        (
            "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
            "not cumulative"
        ),
        ("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n", "no +Inf"),
        ("# HELP x h\n# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\n", "second TYPE"),
        ("# HELP x h\n# TYPE x gauge\nx 1", "newline"),
    ])
    func rejectsBrokenText(exposition: String, problem: String) {
        let validator = ExpositionValidator.validate(Array(exposition.utf8), format: .prometheusText)
        #expect(!validator.problems.isEmpty, "expected a problem: \(problem)")
    }

    @Test func rejectsOpenMetricsRuleBreaks() {
        let missingEOF = "# HELP x h\n# TYPE x gauge\nx 1\n"
        #expect(!ExpositionValidator.validate(Array(missingEOF.utf8), format: .openMetrics).problems.isEmpty)
        let textCounter = "# HELP x_total h\n# TYPE x_total counter\nx_total 1\n# EOF\n"
        #expect(!ExpositionValidator.validate(Array(textCounter.utf8), format: .openMetrics).problems.isEmpty)
        let nonCanonical =
            "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n# EOF\n"
        #expect(!ExpositionValidator.validate(Array(nonCanonical.utf8), format: .openMetrics).problems.isEmpty)
        let valid = "# HELP x h\n# TYPE x counter\nx_total 1\nx_created 1.5\n# EOF\n"
        #expect(ExpositionValidator.validate(Array(valid.utf8), format: .openMetrics).problems.isEmpty)
    }
}
