import Foundation
import Testing

@testable import SASModels

@Suite("Page decoding from bytes")
struct PageDecoderTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return [UInt8](try Data(contentsOf: url))
    }

    static func decode(_ json: String) throws -> SubtaskPage {
        try DetailPageDecoder.decode(Array(json.utf8))
    }

    static func key(_ id: String) -> Fingerprint { Fingerprint("id\u{0}" + id) }

    @Test func referencePageExample() throws {
        let page = try DetailPageDecoder.decode(Self.fixture("ListOperationProcessDetail-example"))
        #expect(page.requestId == "CE500770-42D3-442E-9DDD-156E0F9F3***")
        #expect(page.pageInfo == PageInfo(currentPage: 1, pageSize: 20, totalCount: 19, count: 10))
        let record = try #require(page.records.first)
        #expect(page.taskId(of: record) == "v34578b8-e567-47ec-2345-3e5b077ca***\n", "\\n is unescaped")
        #expect(record.key == Self.key("fb4bcd41-a916-46bc-ab1a-65fd383be***"))
        #expect(record.hasId)
        #expect(record.statusCode == 0)
        #expect(record.startTime == 1_730_335_622_000)
        #expect(record.endTime == 1_706_544_199_000)
        #expect(record.createTime == 1_706_544_199_000)
        #expect(Array(page.checks(of: record)) == [133])
        #expect(page.checkNames == [133: "Check for Security Center Agent Status"])
    }

    /// The decoder and Foundation's `JSONDecoder` (through the wire model) agree on every
    /// record of a page.
    @Test func agreesWithJSONDecoderOnTheWireModel() throws {
        let bytes = try Self.fixture("ListOperationProcessDetail-example")
        let wire = try JSONDecoder().decode(ListOperationProcessDetailResponse.self, from: Data(bytes))
        let converted = SubtaskPage(details: wire.processDetails, requestId: wire.requestId, pageInfo: wire.pageInfo)
        #expect(try DetailPageDecoder.decode(bytes) == converted)
    }

    @Test func lenientFieldsAndUnknownKeys() throws {
        let page = try Self.decode(
            #"""
            {"RequestId": 12345, "Unknown": {"deep": [1, 2, {"x": null}]}, "PageInfo": {"TotalCount": "3", "Extra": true},
             "ProcessDetails": [
               {"DetailTaskId": "a", "StatusCode": "4", "StartTime": "1730335622000", "Checks": null, "New": 1},
               {"StatusCode": 9, "Checks": [{"CheckId": "77", "CheckShowName": "检查 Agent 状态 🛡️"}, {}]},
               {"DetailTaskId": "c", "StatusCode": 2.0, "EndTime": 1.7e12, "CreateTime": " 5 "}
             ]}
            """#)
        #expect(page.requestId == "12345")
        #expect(page.pageInfo?.totalCount == 3)
        #expect(page.records.count == 3)
        #expect(page.records[0].statusCode == 4)
        #expect(page.records[0].startTime == 1_730_335_622_000)
        #expect(page.checks(of: page.records[0]).isEmpty)
        #expect(!page.records[1].hasId)
        #expect(Array(page.checks(of: page.records[1])) == [77], "a check without an id is left out")
        #expect(page.checkNames[77] == "检查 Agent 状态 🛡️")
        #expect(page.records[2].statusCode == 2)
        #expect(page.records[2].endTime == 1_700_000_000_000)
        #expect(page.records[2].createTime == 5)
        #expect(page.undecodable.isEmpty)
    }

    /// The record the issue describes: the rest of the page is kept, the record is set
    /// aside with the field that could not be read.
    @Test func aRecordWithAWrongTypeIsSetAsideAndTheRestKept() throws {
        let page = try Self.decode(
            #"""
            {"PageInfo": {"TotalCount": 3},
             "ProcessDetails": [
               {"DetailTaskId": "good1", "StatusCode": 2, "CreateTime": 1},
               {"DetailTaskId": "odd", "CreateTime": "soon", "Checks": null, "StatusCode": "2"},
               {"DetailTaskId": "good2", "StatusCode": 1, "Checks": [{"CheckId": 5}]}
             ]}
            """#)
        #expect(page.records.map(\.key) == [Self.key("good1"), Self.key("good2")])
        #expect(page.rowCount == 3, "the odd record still counts as a row for pagination")
        let odd = try #require(page.undecodable.first)
        #expect(odd.detailTaskId == "odd")
        #expect(odd.key == Self.key("odd"))
        #expect(odd.path == "ProcessDetails[1].CreateTime")
        #expect(odd.reason.contains("soon"))
        #expect(Array(page.checks(of: page.records[1])) == [5], "the odd record's checks left no trace")
    }

    @Test(arguments: [
        (#"{"DetailTaskId": "x", "StatusCode": [2]}"#, "StatusCode"),
        (#"{"DetailTaskId": "x", "Checks": 3}"#, "Checks"),
        (#"{"DetailTaskId": "x", "Checks": [7]}"#, "Checks[0]"),
        (#"{"DetailTaskId": "x", "Checks": [{"CheckId": "seven"}]}"#, "Checks[0].CheckId"),
        (#"{"DetailTaskId": {"id": 1}}"#, "DetailTaskId"),
        (#"{"DetailTaskId": "x", "EndTime": 99999999999999999999}"#, "EndTime"),
        ("42", ""),
    ])
    func undecodableRecords(record: String, field: String) throws {
        let page = try Self.decode(#"{"ProcessDetails": [\#(record)]}"#)
        #expect(page.records.isEmpty)
        #expect(page.undecodable.first?.path == "ProcessDetails[0]" + (field.isEmpty ? "" : ".\(field)"))
    }

    @Test func anUndecodableRecordWithoutIdIsKeyedByItsBytes() throws {
        let body = #"{"ProcessDetails": [{"StatusCode": "two"}]}"#
        let first = try Self.decode(body)
        let second = try Self.decode(body)
        #expect(first.undecodable.first?.key == second.undecodable.first?.key, "the same record counts once")
        #expect(first.undecodable.first?.detailTaskId == nil)
    }

    @Test(arguments: [
        #"{"ProcessDetails":[{"TaskId":"a""#, "<html>502 Bad Gateway</html>", "", "{} {}", #"{"ProcessDetails":{}}"#,
        #"{"PageInfo":[]}"#, #"["ProcessDetails"]"#, #"{"a":"\u12"}"#, #"{"a":01}"#, #"{"a":tru}"#,
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func bodiesThatFailThePage(_ body: String) {
        #expect(throws: ResponseDecodingError.self) { try Self.decode(body) }
    }

    /// Where the decoder and Foundation's `JSONSerialization` part ways, by design: the
    /// page-decoders fuzz target's agreement invariant leaves exactly these out
    /// (docs/reliability.md, "Fuzzing").
    @Test func whereTheDecoderAndFoundationDisagree() throws {
        let trailingComma = #"{"ProcessDetails":[{"DetailTaskId":"x"},]}"#
        #expect(
            try JSONSerialization.jsonObject(with: Data(trailingComma.utf8)) is [String: Any], "Foundation tolerates it"
        )
        #expect(throws: ResponseDecodingError.self, "RFC 8259 does not") { try Self.decode(trailingComma) }

        let loneSurrogate = #"{"ProcessDetails":[{"DetailTaskId":"a\ud800b"}]}"#
        #expect((try? JSONSerialization.jsonObject(with: Data(loneSurrogate.utf8))) == nil)
        #expect(try Self.decode(loneSurrogate).records.first?.key == Self.key("a\u{FFFD}b"), "repaired, the page kept")

        let badUTF8 =
            Array(#"{"ProcessDetails":[{"DetailTaskId":"x","Checks":[{"CheckId":1,"CheckShowName":"a"#.utf8)
            + [0xFF] + Array(#"b"}]}]}"#.utf8)
        #expect((try? JSONSerialization.jsonObject(with: Data(badUTF8))) == nil)
        #expect(try DetailPageDecoder.decode(badUTF8).checkNames[1] == "a\u{FFFD}b", "repaired, the page kept")

        let huge = #"{"ProcessDetails":[{"DetailTaskId":"x","EndTime":1e400},{"DetailTaskId":"y"}]}"#
        #expect((try? JSONSerialization.jsonObject(with: Data(huge.utf8))) == nil, "not representable")
        let page = try Self.decode(huge)
        #expect(page.undecodable.map(\.path) == ["ProcessDetails[0].EndTime"] && page.records.count == 1)
    }

    /// A check's latest non-empty name wins; an empty one changes nothing.
    @Test func theLatestNameOfACheckWins() throws {
        let names = [
            (5, "a"), (1029, "b"), (5, "a"), (2053, "c"), (5, "a2"), (1029, "b"), (5, ""), (1029, "b2"), (5, "a2"),
        ]
        let checks = names.map { #"{"CheckId":\#($0.0),"CheckShowName":"\#($0.1)"}"# }
        let records = checks.enumerated().map { #"{"DetailTaskId":"r\#($0.offset)","Checks":[\#($0.element)]}"# }
        let body = #"{"ProcessDetails":[\#(records.joined(separator: ","))]}"#
        let page = try Self.decode(body)
        #expect(page.checkNames == [5: "a2", 1029: "b2", 2053: "c"])
        let wire = try JSONDecoder().decode(ListOperationProcessDetailResponse.self, from: Data(body.utf8))
        #expect(page == SubtaskPage(details: wire.processDetails))
    }

    @Test func escapesAndSurrogatePairs() throws {
        let page = try Self.decode(
            #"{"ProcessDetails":[{"DetailTaskId":"a\"b\\c\/d\u00e9\ud83d\udee1","Checks":[{"CheckId":1,"CheckShowName":"x\ty"}]}]}"#
        )
        #expect(page.records.first?.key == Self.key("a\"b\\c/dé🛡"))
        #expect(page.checkNames[1] == "x\ty")
    }

    @Test func processPages() throws {
        let page = try ProcessPageDecoder.decode(
            Array(
                #"""
                {"Processes":[
                  {"TaskId":"p","StatusCode":"2","DetailTaskTotalCount":5,"Surprise":"x"},
                  {"TaskId":"q","StatusCode":{"bad":1}},
                  {"StatusCode":[1]},
                  7
                ],"PageInfo":{"TotalCount":4}}
                """#.utf8))
        #expect(
            page.processes == [
                OperationProcess(taskId: "p", statusCode: 2, detailTaskTotalCount: 5),
                OperationProcess(taskId: "q"),
            ])
        #expect(page.undecodable == 3)
        #expect(page.rowCount == 4)
    }

    /// Keys computed from the wire model and from the bytes agree for records without id
    /// too (the state file's keys must not depend on the path a record took).
    @Test func recordsWithoutIdGetTheSameKeyFromBytesAndFromTheWireModel() throws {
        let json =
            #"{"ProcessDetails":[{"TaskId":"t","CreateTime":7,"AssetVendor":1,"AssetType":8,"Checks":[{"CheckId":3},{"CheckId":4}]}]}"#
        let wire = try JSONDecoder().decode(ListOperationProcessDetailResponse.self, from: Data(json.utf8))
        let fromBytes = try Self.decode(json)
        #expect(SubtaskPage(details: wire.processDetails).records.first?.key == fromBytes.records.first?.key)
        #expect(fromBytes.records.first?.key == Fingerprint("noid\u{0}t\u{0}7\u{0}1\u{0}8\u{0}-\u{0}3,4"))
    }
}
