import Foundation
import SASModels
import SASTestKit
import Testing

@testable import SASAPI

@Suite("Response decoding through the client")
struct DecodingTests {
    @Test func anOddRecordKeepsThePage() async throws {
        try await FakeServer.with({ _ in
            .json(#"{"ProcessDetails":[{"DetailTaskId":"a","StartTime":"soon"},{"DetailTaskId":"b"}]}"#)
        }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), observer: observer) { client in
                let page = try await client.page(ProcessDetailQuery(taskIds: ["t"]), number: 1, deadline: nil)
                #expect(page.records.map(\.key) == [Fingerprint("id\u{0}b")])
                #expect(page.undecodable.map(\.path) == ["ProcessDetails[0].StartTime"])
            }
            #expect(observer.codes == ["OK"])
        }
    }

    @Test func decodeErrorThroughTheClientCarriesThePath() async throws {
        try await FakeServer.with({ _ in .json(#"{"ProcessDetails":{"StartTime":"soon"}}"#) }) { server in
            let observer = RecordingObserver()
            try await TestClient.with(try TestClient.configuration(server), observer: observer) { client in
                let error = try #require(
                    await caught { try await client.page(ProcessDetailQuery(taskIds: ["t"]), number: 1, deadline: nil) }
                )
                #expect(error.kind == .decode(path: "ProcessDetails"))
                #expect(error.metricCode == "decode")
                #expect(error.description.contains("ProcessDetails"))
            }
            #expect(observer.codes == ["decode"])
            #expect(server.requests.count == 1)
        }
    }
}
