/// `host`, `host:port`, `[v6]` or `[v6]:port`, split as URLs and listen addresses write
/// them (a bare IPv6 address, with more than one colon, is a host without a port). The
/// one parser of the project's endpoints, listen addresses and `NO_PROXY` entries.
public struct HostPort: Sendable, Equatable {
    /// The host, without brackets; may be empty (`:9793`).
    public var host: String
    public var port: Int?

    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }

    /// Splits `text`; throws with the reason when it is not of that form.
    public init(parsing text: some StringProtocol) throws(HostPortError) {
        let text = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw HostPortError("unterminated IPv6 literal") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw HostPortError("junk after the host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].contains(":") == false {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        } else {
            host = String(text)
        }
        if let portText {
            guard let value = Int(portText), (0...65_535).contains(value) else { throw HostPortError("invalid port") }
            port = value
        }
    }
}

/// Why a text is not `host[:port]`.
public struct HostPortError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
