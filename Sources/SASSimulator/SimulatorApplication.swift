import Hummingbird
import Logging
import NIOCore
import SASSigning

/// The simulator's HTTP application: the API and STS on `/`, the ECS metadata endpoints
/// under `/latest/`, the unsigned admin API under `/admin/`.
///
/// The result is a swift-service-lifecycle `Service`: run it in a `ServiceGroup`, or
/// with `runService()`.
public func buildSimulatorApplication(
    simulator: Simulator,
    host: String = "127.0.0.1",
    port: Int = 18080,
    logger: Logger = Logger(label: "sas-simulator"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildSimulatorRouter(simulator: simulator),
        configuration: .init(address: .hostname(host, port: port), serverName: "sas-simulator"),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// The router alone, for `app.test(.router)` style tests.
///
/// | route | what |
/// |---|---|
/// | `POST /`, `GET /` | `ListOperationProcessDetail`, `ListOperationProcess` (V3 or RPC signed); `Action=AssumeRole` (RPC signed) and `Action=AssumeRoleWithOIDC` (unsigned) |
/// | `PUT /latest/api/token` | ECS metadata token (`X-aliyun-ecs-metadata-token-ttl-seconds`) |
/// | `GET /latest/meta-data/ram/security-credentials/[role]` | role name / credentials (needs `X-aliyun-ecs-metadata-token`) |
/// | `POST /admin/faults`, `GET /admin/faults` | partial `FaultSettings` JSON in, the settings out |
/// | `POST /admin/reset` | initial faults, no bursts, empty log and counters |
/// | `POST /admin/burst` | `{"check_id", "count", "status"}` → `{"task_id", ...}` |
/// | `POST /admin/advance` | `{"seconds"}` → `{"now_ms"}`; `GET /admin/time` → `{"now_ms"}` |
/// | `GET /admin/truth?start=&end=&at=&lang=` | `GroundTruth` (ms; default window: the last 24 h) |
/// | `GET /admin/stats`, `GET /admin/requests?limit=` | `RequestStats`, `[RequestRecord]` |
/// | `GET /-/healthy` | `OK` |
public func buildSimulatorRouter(simulator: Simulator) -> Router<BasicRequestContext> {
    let router = Router()
    let root: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        try await respond(simulator.handleRoot(wireRequest(request)))
    }
    router.post("/", use: root)
    router.get("/", use: root)
    router.put("/latest/api/token") { request, _ in
        try await respond(simulator.metadataToken(wireRequest(request)))
    }
    router.get("/latest/meta-data/ram/security-credentials") { request, _ in
        try await respond(simulator.metadataRoleName(wireRequest(request)))
    }
    router.get("/latest/meta-data/ram/security-credentials/:role") { request, context in
        try await respond(
            simulator.metadataCredentials(wireRequest(request), role: context.parameters.get("role") ?? ""))
    }
    router.get("/-/healthy") { _, _ in "OK\n" }
    let admin = router.group("admin")
    admin.post("faults") { request, _ in try await respond(simulator.adminSetFaults(wireRequest(request).body)) }
    admin.get("faults") { _, _ in respond(simulator.adminGetFaults()) }
    admin.post("reset") { _, _ in respond(simulator.adminReset()) }
    admin.post("burst") { request, _ in try await respond(simulator.adminBurst(wireRequest(request).body)) }
    admin.post("advance") { request, _ in try await respond(simulator.adminAdvance(wireRequest(request).body)) }
    admin.get("time") { _, _ in respond(simulator.adminTime()) }
    admin.get("truth") { request, _ in try await respond(simulator.adminTruth(wireRequest(request))) }
    admin.get("stats") { _, _ in respond(simulator.adminStats()) }
    admin.get("requests") { request, _ in try await respond(simulator.adminRequests(wireRequest(request))) }
    return router
}

/// Thrown from a body writer to close the connection mid-response.
struct ConnectionClosedOnPurpose: Error {}

private func wireRequest(_ request: Request) async throws -> WireRequest {
    var request = request
    let buffer = try await request.collectBody(upTo: 1 << 20)
    var headers: [HTTPHeader] = []
    if let authority = request.head.authority { headers.append(HTTPHeader("host", authority)) }
    for field in request.headers {
        headers.append(HTTPHeader(field.name.canonicalName.lowercased(), field.value))
    }
    return WireRequest(
        method: request.method.rawValue, path: request.uri.path, rawQuery: request.uri.query ?? "",
        headers: headers, body: Array(buffer: buffer)
    )
}

private func respond(_ wire: WireResponse) -> Response {
    var fields = HTTPFields()
    for (name, value) in wire.headers.sorted(by: { $0.key < $1.key }) {
        if let fieldName = HTTPFields.Element.Name(name) { fields[fieldName] = value }
    }
    let bytes = ByteBuffer(bytes: wire.body)
    let status = HTTPResponse.Status(code: wire.status)
    switch wire.delivery {
    case .whole:
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: bytes))
    case .closeMidway:
        let half = bytes.getSlice(at: 0, length: bytes.readableBytes / 2) ?? ByteBuffer()
        fields[.contentLength] = String(bytes.readableBytes)
        return Response(
            status: status, headers: fields,
            body: ResponseBody(contentLength: bytes.readableBytes) { writer in
                try await writer.write(half)
                // Give the half a moment to reach the socket before the close discards it.
                try await Task.sleep(for: .milliseconds(50))
                throw ConnectionClosedOnPurpose()
            })
    }
}
