import SASModels
import Testing

@Suite("Trimming")
struct TrimmingTests {
    @Test(arguments: [
        ("abc", "abc"), (" abc", "abc"), ("abc\t", "abc"), (" \t a b \t", "a b"), ("", ""), ("  ", ""),
        ("\u{301}x ", "\u{301}x"), (" \u{301}x", " \u{301}x"),
    ])
    func blanksAreTrimmedAtBothEnds(input: String, expected: String) {
        #expect(String(input.trimmingBlanks) == expected)
    }
}
