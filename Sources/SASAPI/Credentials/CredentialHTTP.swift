import AsyncHTTPClient
import Foundation
import NIOCore

/// Small HTTP helper for credential sources: one request on the client chosen for its URL,
/// a deadline for the whole exchange, a capped body.
struct CredentialHTTP: Sendable {
    let clients: CredentialHTTPClients
    var timeout: Duration = .seconds(5)
    var maxBytes = 1024 * 1024

    func send(_ url: String, put: Bool = false, headers: [(String, String)] = [], source: String) async throws -> (
        status: Int, body: Data
    ) {
        let client = try clients.client(for: url, source: source)
        var request = HTTPClientRequest(url: url)
        request.method = put ? .PUT : .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            let body = try await response.body.collect(upTo: maxBytes)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw CredentialsError("\(source) request failed (\(SASClient.classify(error, action: source).metricCode))")
        }
    }

    func document(_ url: String, headers: [(String, String)] = [], source: String) async throws -> TemporaryCredentials
    {
        let (status, body) = try await send(url, headers: headers, source: source)
        guard (200...299).contains(status) else { throw CredentialsError("\(source) answered HTTP \(status)") }
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: body) else {
            throw CredentialsError("\(source) returned a body that is not a credentials document")
        }
        return try document.temporaryCredentials(source: source)
    }
}
