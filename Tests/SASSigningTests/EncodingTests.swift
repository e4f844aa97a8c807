import Testing

@testable import SASSigning

@Suite struct EncodingTests {
    @Test func rfc3986KeepsOnlyUnreserved() {
        #expect(PercentEncoding.rfc3986("a b*~/é") == "a%20b%2A~%2F%C3%A9")
        #expect(PercentEncoding.rfc3986("x+y&z=1;!'()") == "x%2By%26z%3D1%3B%21%27%28%29")
        #expect(PercentEncoding.form("a b") == "a+b")
    }

    @Test func decodeRoundTripsAndToleratesBadEscapes() {
        let text = "a b*~/é 😀 %"
        #expect(PercentEncoding.decode(Substring(PercentEncoding.form(text)), plusAsSpace: true) == text)
        #expect(PercentEncoding.decode("%zz%4", plusAsSpace: false) == "%zz%4")
        #expect(PercentEncoding.decode("%FF", plusAsSpace: false) == "\u{FFFD}")
    }

    @Test func timestampsFormatAndParse() {
        #expect(ACSTimestamp.format(epochSeconds: 1_731_553_330) == "2024-11-14T03:02:10Z")
        #expect(ACSTimestamp.format(epochSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(ACSTimestamp.parse("2024-11-14T03:02:10Z") == 1_731_553_330)
        #expect(ACSTimestamp.parse("2000-02-29T23:59:59Z") == 951_868_799)
        #expect(ACSTimestamp.parse("2024-11-14 03:02:10") == nil)
        #expect(ACSTimestamp.parse("2024-13-14T03:02:10Z") == nil)
    }

    @Test func secretsNeverPrint() {
        let credentials = Credentials(
            accessKeyId: "LTAIexample", accessKeySecret: "s3cr3t-value", securityToken: "sts-token")
        let renderings = [
            "\(credentials)", String(describing: credentials), String(reflecting: credentials),
            "\(credentials.accessKeySecret)", String(reflecting: credentials.accessKeySecret),
            dumped(credentials),
        ]
        for text in renderings {
            #expect(!text.contains("s3cr3t-value"))
            #expect(!text.contains("sts-token"))
        }
        #expect(renderings[0].contains("LTAIexample"))
    }

    private func dumped(_ value: some Any) -> String {
        var out = ""
        dump(value, to: &out)
        return out
    }
}
