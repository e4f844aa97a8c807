import Foundation
import Logging
import Synchronization
import Testing

@testable import SASExporter

@Suite("Log lines")
struct LogFormatTests {
    @Test func timestampIsUTCWithMilliseconds() throws {
        let stamp = LineLogHandler.timestamp()
        #expect(stamp.count == 24)
        #expect(try #require(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/)).output == stamp)
    }

    @Test func logfmtAndJSONQuoteWhatNeedsIt() {
        let lines = Mutex<[String]>([])
        let sink = LogSink { line in lines.withLock { $0.append(line) } }
        for format in LogFormat.allCases {
            var handler = LineLogHandler(label: "t", level: .info, format: format, sink: sink)
            handler[metadataKey: "account"] = "prod"
            handler.log(
                event: LogEvent(
                    level: .error, message: "poll incomplete", metadata: ["error": "a \"b\"\nc"],
                    source: "t", file: #fileID, function: #function, line: #line
                ))
        }
        let (logfmt, json) = lines.withLock { ($0[0], $0[1]) }
        #expect(logfmt.hasSuffix(#"level=error source=t msg="poll incomplete" account=prod error="a \"b\"\nc""#))
        #expect(
            json.hasSuffix(
                #""level":"error","source":"t","msg":"poll incomplete","account":"prod","error":"a \"b\"\nc"}"#))
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }
}
