import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension SASClient {
    /// A complete response: status, headers, body.
    struct ExchangeResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Sends a prepared request over the client's transport within `remaining`; the
    /// complete response (any status), or the transport's error.
    /// `reuse: false` sends on a new connection (direct transport only).
    func exchange(
        _ prepared: PreparedRequest, remaining: Duration, action: String, reuse: Bool = true
    ) async throws -> ExchangeResponse {
        var headers = HTTPHeaders()
        headers.reserveCapacity(prepared.headers.count + 1)
        for header in prepared.headers { headers.add(name: header.name, value: header.value) }
        let deadline = NIODeadline.now() + TimeAmount(remaining)
        switch transport {
        case .direct(let direct):
            let response = try await direct.post(
                uri: "/?" + prepared.wireQuery, headers: headers, maxBodyBytes: configuration.maxBodyBytes,
                deadline: deadline, reuse: reuse)
            return ExchangeResponse(status: response.status, headers: response.headers, body: response.body)
        case .asyncHTTPClient(let httpClient):
            let request = try HTTPClient.Request(
                url: prepared.url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer()))
            // The body is gathered on the event loop and handed over once, complete.
            let collector = ResponseAccumulator(request: request, maxBodySize: configuration.maxBodyBytes)
            let task = httpClient.execute(request: request, delegate: collector, deadline: deadline)
            let response: HTTPClient.Response
            do {
                response = try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
            } catch is ResponseAccumulator.ResponseTooBigError {
                throw SASAPIError(.bodyTooLarge(limit: configuration.maxBodyBytes), action: action)
            }
            return ExchangeResponse(
                status: Int(response.status.code), headers: response.headers, body: response.body ?? ByteBuffer())
        }
    }
}
