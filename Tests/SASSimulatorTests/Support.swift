import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SASModels
import SASSigning

@testable import SASSimulator

typealias HTTPField = HTTPFields.Element

/// Which signature a test request uses.
enum SignatureStyle: CaseIterable, Sendable {
    case v3, rpc
}

/// A request ready for the test client.
struct TestCall {
    var uri: String
    var method: HTTPRequest.Method
    var headers: HTTPFields
    var body: ByteBuffer?
}

/// 2025-06-01T00:00:00Z, a fixed simulated "now" for manual clocks.
let fixedNowMs: Int64 = 1_748_736_000_000

let testCredentials = Credentials(accessKeyId: "testid", accessKeySecret: "testsecret")

func makeSimulator(
    seed: UInt64 = 1, tasks: Int = 20, subtasks: Int = 50, maxPageSize: Int = 100,
    clock: SimulatorClock? = SimulatorClock.manual(startMs: fixedNowMs),
    configure: (inout SimulatorConfiguration) -> Void = { _ in }
) -> Simulator {
    var configuration = SimulatorConfiguration(
        seed: seed, tasks: tasks, subtasksPerTask: subtasks, maxPageSize: maxPageSize)
    configure(&configuration)
    return Simulator(configuration: configuration, clock: clock)
}

func wallNowString(offsetSeconds: Int64 = 0) -> String {
    ACSTimestamp.format(epochSeconds: SimulatorClock.wallClockMs() / 1000 + offsetSeconds)
}

func freshNonce() -> String {
    UUID().uuidString.lowercased()
}

/// Signs an API call as the official SDK would, for the router test client (whose
/// requests carry the authority `localhost`).
func signedCall(
    action: String = "ListOperationProcessDetail",
    version: String = "2018-12-03",
    query: [QueryParameter],
    credentials: Credentials = testCredentials,
    style: SignatureStyle = .v3,
    date: String = wallNowString(),
    nonce: String = freshNonce(),
    method: HTTPRequest.Method = .post
) -> TestCall {
    switch style {
    case .v3:
        let signed = ACS3Signer.sign(
            method: method.rawValue, action: action, version: version, query: query,
            headers: [HTTPHeader("host", "localhost"), HTTPHeader("accept", "application/json")],
            credentials: credentials, date: date, nonce: nonce
        )
        var fields = HTTPFields()
        for header in signed.headers where header.name != "host" {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return TestCall(uri: "/?" + signed.wireQuery, method: method, headers: fields, body: nil)
    case .rpc:
        let signed = RPCSigner.sign(
            method: method.rawValue, action: action, version: version, query: query,
            credentials: credentials, timestamp: date, nonce: nonce
        )
        return TestCall(uri: "/?" + signed.wireQuery, method: method, headers: [:], body: nil)
    }
}

/// A decoded test response.
struct Reply {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    var error: APIErrorBody? {
        try? JSONDecoder().decode(APIErrorBody.self, from: Data(body))
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }
}

extension TestClientProtocol {
    func send(_ call: TestCall) async throws -> Reply {
        try await execute(uri: call.uri, method: call.method, headers: call.headers, body: call.body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body))
        }
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await send(TestCall(uri: uri, method: .get, headers: headers, body: nil))
    }

    func postJSON(_ uri: String, _ json: String) async throws -> Reply {
        try await send(
            TestCall(
                uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json)))
    }
}

/// Runs `body` against the simulator's router, in process.
func withRouter<T: Sendable>(
    _ simulator: Simulator, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> T
) async throws -> T {
    let app = Application(router: buildSimulatorRouter(simulator: simulator))
    return try await app.test(.router) { client in try await body(client) }
}

/// Query of a detail call.
func detailQuery(taskIds: [String], page: Int? = nil, pageSize: Int? = nil, extra: [QueryParameter] = [])
    -> [QueryParameter]
{
    var query: [QueryParameter] = []
    if let page { query.append(QueryParameter("CurrentPage", String(page))) }
    if let pageSize { query.append(QueryParameter("PageSize", String(pageSize))) }
    for (i, id) in taskIds.enumerated() { query.append(QueryParameter("TaskIds.\(i + 1)", id)) }
    return query + extra
}

/// Every task id created in the last 24 h (of the simulator's clock), via the API.
func discoverTaskIds(_ client: any TestClientProtocol, simulator: Simulator, style: SignatureStyle = .v3) async throws
    -> [String]
{
    let now = simulator.clock.nowMs
    var ids: [String] = []
    var page = 1
    while true {
        let reply = try await client.send(
            signedCall(
                action: "ListOperationProcess",
                query: [
                    QueryParameter("CurrentPage", String(page)), QueryParameter("PageSize", "10"),
                    QueryParameter("StartTime", String(now - 86_400_000)), QueryParameter("EndTime", String(now)),
                ],
                style: style
            ))
        let decoded = try reply.decode(ListOperationProcessResponse.self)
        ids += decoded.processes.compactMap(\.taskId)
        if decoded.processes.isEmpty || ids.count >= (decoded.pageInfo?.totalCount ?? 0) { break }
        page += 1
    }
    return ids
}
