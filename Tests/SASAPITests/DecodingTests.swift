import Foundation
import SASModels
import Testing
@testable import SASAPI

@Suite("Response decoding")
struct DecodingTests {
    @Test func referencePageExample() throws {
        let page = try ResponseDecoder.decode(
            ListOperationProcessDetailResponse.self, from: Fixtures.data("ListOperationProcessDetail-example", "json")
        )
        #expect(page.requestId == "CE500770-42D3-442E-9DDD-156E0F9F3***")
        #expect(page.pageInfo == PageInfo(currentPage: 1, pageSize: 20, totalCount: 19, count: 10))
        let detail = try #require(page.processDetails.first)
        #expect(detail.taskId == "v34578b8-e567-47ec-2345-3e5b077ca***\n")
        #expect(detail.detailTaskId == "fb4bcd41-a916-46bc-ab1a-65fd383be***")
        #expect(detail.statusCode == 0)
        #expect(detail.assetType == 8)
        #expect(detail.assetSubType == 1)
        #expect(detail.startTime == 1_730_335_622_000)
        #expect(detail.endTime == 1_706_544_199_000)
        #expect(try #require(detail.endTime) < (try #require(detail.startTime)))
        #expect(detail.checks == [CheckItem(checkId: 133, checkShowName: "Check for Security Center Agent Status")])
    }

    @Test func partialPages() throws {
        let empty = try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: Data("{}".utf8))
        #expect(empty.processDetails.isEmpty)
        #expect(empty.pageInfo == nil)
        let json = #"""
        {"RequestId": 12345, "Unknown": {"deep": [1, 2]}, "PageInfo": {"TotalCount": "3", "Extra": true},
         "ProcessDetails": [
           {"DetailTaskId": "a", "StatusCode": "4", "StartTime": "1730335622000", "Checks": null, "New": 1},
           {"StatusCode": 9, "Checks": [{"CheckId": "77", "CheckShowName": "检查 Agent 状态 🛡️"}, {}]},
           {}
         ]}
        """#
        let page = try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: Data(json.utf8))
        #expect(page.requestId == "12345")
        #expect(page.pageInfo?.totalCount == 3)
        #expect(page.pageInfo?.currentPage == nil)
        #expect(page.processDetails.count == 3)
        #expect(page.processDetails[0].statusCode == 4)
        #expect(page.processDetails[0].startTime == 1_730_335_622_000)
        #expect(page.processDetails[0].checks.isEmpty)
        #expect(page.processDetails[0].endTime == nil)
        #expect(page.processDetails[1].statusCode == 9)
        #expect(page.processDetails[1].detailTaskId == nil)
        #expect(page.processDetails[1].checks.first == CheckItem(checkId: 77, checkShowName: "检查 Agent 状态 🛡️"))
        #expect(page.processDetails[1].checks.last == CheckItem(checkId: nil, checkShowName: nil))
        #expect(page.processDetails[2] == ProcessDetail())
    }

    @Test func partialProcessPage() throws {
        let json = #"{"Processes":[{"TaskId":"p","StatusCode":"2","DetailTaskTotalCount":5,"Surprise":"x"}]}"#
        let page = try ResponseDecoder.decode(ListOperationProcessResponse.self, from: Data(json.utf8))
        #expect(page.processes == [OperationProcess(taskId: "p", statusCode: 2, detailTaskTotalCount: 5)])
        #expect(page.pageInfo == nil)
    }

    @Test func wrongTypeNamesTheField() {
        let json = #"{"ProcessDetails":[{"StartTime":{"ms":1}}]}"#
        #expect(throws: ResponseDecodingError.self) {
            try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: Data(json.utf8))
        }
        do {
            _ = try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: Data(json.utf8))
        } catch {
            #expect(error.path == "ProcessDetails[0].StartTime")
        }
    }

    @Test(arguments: [#"{"ProcessDetails":[{"TaskId":"a""#, "<html>502 Bad Gateway</html>", "", #"{"ProcessDetails":{}}"#])
    func brokenBodies(_ body: String) {
        #expect(throws: ResponseDecodingError.self) {
            try ResponseDecoder.decode(ListOperationProcessDetailResponse.self, from: Data(body.utf8))
        }
    }

    @Test func decodeErrorThroughTheClientCarriesThePath() async throws {
        try await FakeServer.with({ _ in .json(#"{"ProcessDetails":[{"StartTime":"soon"}]}"#) }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), observer: observer) { client in
                let error = try #require(await caught { try await client.listOperationProcessDetail(ProcessDetailQuery(taskIds: ["t"]), page: 1, deadline: nil) })
                #expect(error.kind == .decode(path: "ProcessDetails[0].StartTime"))
                #expect(error.metricCode == "decode")
                #expect(error.description.contains("ProcessDetails[0].StartTime"))
            }
            #expect(observer.codes == ["decode"])
            #expect(server.requests.count == 1)
        }
    }
}
