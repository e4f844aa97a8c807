import SASSigning

/// A request as it arrived, independent of the HTTP server.
struct WireRequest: Sendable {
    let method: String
    let path: String
    /// The raw query, without `?`, still percent-encoded.
    let rawQuery: String
    /// Header names lower-cased, in arrival order (`host` included).
    let headers: [HTTPHeader]
    let body: [UInt8]

    /// The first value of a header (case-insensitive name).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// Decoded query parameters (`+` is a space).
    var queryParameters: [QueryParameter] {
        QueryString.parse(rawQuery[...])
    }
}

/// How the body of a response goes on the wire.
enum BodyDelivery: Sendable, Equatable {
    case whole
    /// Half of the body is written under a Content-Length for all of it, then the
    /// connection is closed.
    case closeMidway
}

/// A response, independent of the HTTP server.
struct WireResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var delivery: BodyDelivery = .whole

    static func json(_ status: Int, _ body: [UInt8], headers: [String: String] = [:]) -> WireResponse {
        var all = headers
        all["Content-Type"] = "application/json;charset=utf-8"
        return WireResponse(status: status, headers: all, body: body)
    }

    static func text(_ status: Int, _ text: String) -> WireResponse {
        WireResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }
}

extension [QueryParameter] {
    /// The first value of a parameter.
    func first(_ name: String) -> String? {
        first { $0.name == name }?.value
    }

    /// Values of a flattened array `Name.1`, `Name.2`, ... in index order.
    func array(_ name: String) -> [String] {
        let prefix = name + "."
        return compactMap { p -> (Int, String)? in
            guard p.name.hasPrefix(prefix), let index = Int(p.name.dropFirst(prefix.count)) else { return nil }
            return (index, p.value)
        }
        .sorted { $0.0 < $1.0 }
        .map(\.1)
    }
}
