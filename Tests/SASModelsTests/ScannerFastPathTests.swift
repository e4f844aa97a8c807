import Foundation
import Testing

@testable import SASModels

/// The scanner's fast paths (strings eight bytes at a time, plain integers in one pass)
/// against Foundation's `JSONDecoder` through the wire model, on the input where they could
/// go wrong: every string length and escape position around a word, strings and numbers at
/// the very end of a body, and every number form JSON allows next to the plain one.
@Suite("JSON scanner fast paths")
struct ScannerFastPathTests {
    static func viaFoundation(_ body: String) throws -> SubtaskPage {
        let wire = try JSONDecoder().decode(ListOperationProcessDetailResponse.self, from: Data(body.utf8))
        return SubtaskPage(details: wire.processDetails, requestId: wire.requestId, pageInfo: wire.pageInfo)
    }

    @Test func everyStringLengthAndEscapePosition() throws {
        for length in 0...19 {
            let plain = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            var ids = [plain]
            for position in 0...length {
                let prefix = String(plain.prefix(position))
                let suffix = String(plain.dropFirst(position))
                ids += [prefix + #"\""# + suffix, prefix + #"\\"# + suffix, prefix + #"\u00e9"# + suffix]
                ids.append(prefix + "é中" + suffix)
            }
            for id in ids {
                // The id both inside the body and as the body's last string.
                for body in [
                    #"{"ProcessDetails":[{"DetailTaskId":"\#(id)","TaskId":"t"}],"RequestId":"r"}"#,
                    #"{"RequestId":"r","ProcessDetails":[{"TaskId":"t","DetailTaskId":"\#(id)"}]}"#,
                ] {
                    let decoded = try DetailPageDecoder.decode(Array(body.utf8))
                    #expect(decoded == (try Self.viaFoundation(body)), "\(body)")
                }
            }
        }
    }

    @Test func aStringCutShortOrWithAControlByteIsASyntaxError() {
        for length in 0...17 {
            let text = String(repeating: "x", count: length)
            for body in [#"{"ProcessDetails":[{"DetailTaskId":"\#(text)"#, "{\"RequestId\":\"\(text)\u{01}\"}"] {
                #expect(throws: ResponseDecodingError.self, "\(body)") {
                    try DetailPageDecoder.decode(Array(body.utf8))
                }
            }
        }
    }

    static let numbers = [
        "0", "-0", "7", "-7", "42 ", "1764504000000", "123456789012345678", "-123456789012345678",
        "1234567890123456789", "9223372036854775807", "-9223372036854775808", "1.0", "2.50", "1e3", "1E+2",
        "17e-1", "-0.0", "0.5",
    ]

    @Test(arguments: numbers)
    func numbersAgreeWithFoundation(_ number: String) throws {
        for body in [
            #"{"ProcessDetails":[{"DetailTaskId":"x","EndTime":\#(number),"Checks":[{"CheckId":\#(number)}]}]}"#,
            #"{"ProcessDetails":[{"DetailTaskId":"x","Checks":[{"CheckShowName":"n","CheckId":\#(number)}],"CreateTime":\#(number)}]}"#,
        ] {
            let decoded = try DetailPageDecoder.decode(Array(body.utf8))
            if let wire = try? Self.viaFoundation(body) {
                #expect(decoded == wire, "\(body)")
            } else {
                // Foundation refuses a value of the wire model's type (a fraction for an
                // Int64): the decoder sets the record aside, never misreads it.
                #expect(decoded.records.isEmpty && decoded.undecodable.count == 1, "\(body)")
            }
        }
    }

    @Test func numbersJSONForbidsAreSyntaxErrors() {
        for number in ["007", "-", "01", "1.", "+1", "1e", "--1"] {
            let body = #"{"ProcessDetails":[{"DetailTaskId":"x","EndTime":\#(number)}]}"#
            #expect(throws: ResponseDecodingError.self, "\(number)") { try DetailPageDecoder.decode(Array(body.utf8)) }
        }
        #expect(throws: ResponseDecodingError.self, "a number cut short by the end of the body") {
            try DetailPageDecoder.decode(Array(#"{"ProcessDetails":[{"EndTime":12"#.utf8))
        }
    }
}
