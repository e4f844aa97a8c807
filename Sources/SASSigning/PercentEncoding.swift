/// RFC 3986 percent-encoding as Alibaba Cloud's signatures use it.
public enum PercentEncoding {
    /// Encodes everything except `A-Z a-z 0-9 - _ . ~` as upper-case `%XX` over UTF-8
    /// (space is `%20`, `*` is `%2A`). This is the encoding inside signatures.
    public static func rfc3986(_ text: String) -> String {
        encode(text, spaceAsPlus: false)
    }

    /// The encoding the official SDK puts on the wire: as `rfc3986`, but space is `+`.
    public static func form(_ text: String) -> String {
        encode(text, spaceAsPlus: true)
    }

    /// Decodes `%XX` escapes and, when `plusAsSpace`, `+` as space. Invalid escapes are
    /// kept as they are; invalid UTF-8 is replaced with U+FFFD.
    public static func decode(_ text: Substring, plusAsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func encode(_ text: String, spaceAsPlus: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        CanonicalBytes.appendEncoded(text, spaceAsPlus: spaceAsPlus, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Query-string helpers shared by the client (building) and the simulator (parsing).
public enum QueryString {
    /// `name=value` pairs in the given order, form-encoded as the SDK sends them.
    public static func wire(_ parameters: [QueryParameter]) -> String {
        parameters.map { "\(PercentEncoding.form($0.name))=\(PercentEncoding.form($0.value))" }
            .joined(separator: "&")
    }

    /// Parses a raw query string (without `?`), decoding `+` as space.
    public static func parse(_ query: Substring) -> [QueryParameter] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return QueryParameter(
                    PercentEncoding.decode(pair[..<equals], plusAsSpace: true),
                    PercentEncoding.decode(pair[pair.index(after: equals)...], plusAsSpace: true)
                )
            }
            return QueryParameter(PercentEncoding.decode(pair, plusAsSpace: true), "")
        }
    }
}

/// One query parameter; order matters on the wire, not in signatures.
public struct QueryParameter: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension String {
    /// Byte-wise (code point) ordering, as the SDKs sort parameter and header names.
    @inlinable
    func precedesByBytes(_ other: String) -> Bool {
        self.utf8.lexicographicallyPrecedes(other.utf8)
    }
}
