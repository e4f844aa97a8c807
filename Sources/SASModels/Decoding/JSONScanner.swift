/// A strict JSON tokenizer over contiguous bytes that allocates nothing except for
/// strings with escapes.
///
/// The page decoders walk a response body with it: they read the keys they know, turn
/// values into numbers and text leniently, and skip everything else. Every syntax error
/// (a body cut short, a stray byte, nesting deeper than `maxDepth`) throws
/// `JSONSyntaxError`; a wrong *type* is not a syntax error and is the caller's business.
///
/// `bytes` must stay valid while the scanner is used (callers create it inside
/// `withUnsafeBytes`).
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    private var depth = 0

    /// Deepest nesting of arrays and objects accepted (a response needs four).
    static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// The next byte after whitespace, without consuming it; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `byte` (after whitespace) if it is next.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `byte` or throws.
    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard consume(byte) else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
    }

    /// Enters an object at `{`; then call `nextKey` until it returns nil.
    mutating func beginObject() throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "{"))
        try enter()
    }

    /// The next key of the object being read (its raw bytes range), or nil after `}`.
    /// `first` tells whether no key was read yet.
    mutating func nextKey(first: Bool) throws(JSONSyntaxError) -> JSONString? {
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return nil
        }
        if !first { try expect(UInt8(ascii: ",")) }
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a key") }
        let key = try string()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Enters an array at `[`; then call `nextElement` until it returns false.
    mutating func beginArray() throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "["))
        try enter()
    }

    /// Whether another element follows (consuming the `,`), false after `]`.
    mutating func nextElement(first: Bool) throws(JSONSyntaxError) -> Bool {
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return false
        }
        if !first { try expect(UInt8(ascii: ",")) }
        return true
    }

    /// Throws unless only whitespace remains.
    mutating func expectEnd() throws(JSONSyntaxError) {
        guard peek() == nil else { throw error("unexpected data after the document") }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
    }

    // MARK: Values

    /// Reads any value as a scalar; an object or array is skipped whole and reported by kind.
    mutating func scalar() throws(JSONSyntaxError) -> JSONScalar {
        guard let byte = peek() else { throw error("expected a value") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue()
            return byte == UInt8(ascii: "{") ? .object : .array
        default:
            throw error("unexpected byte 0x\(String(byte, radix: 16))")
        }
    }

    /// Skips one value of any kind, checking its syntax.
    mutating func skipValue() throws(JSONSyntaxError) {
        guard let byte = peek() else { throw error("expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            try beginObject()
            var first = true
            while try nextKey(first: first) != nil {
                first = false
                try skipValue()
            }
        case UInt8(ascii: "["):
            try beginArray()
            var first = true
            while try nextElement(first: first) {
                first = false
                try skipValue()
            }
        default:
            _ = try scalar()
        }
    }

    /// Reads a string at `"`: its raw byte range when it has no escapes, else its
    /// unescaped UTF-8 bytes.
    mutating func string() throws(JSONSyntaxError) -> JSONString {
        try expect(UInt8(ascii: "\""))
        let start = index
        while true {
            if index + 8 <= bytes.count {
                // Eight bytes at a time; the first `"`, `\\` or control byte among them
                // is the lowest flagged byte.
                let special = Self.specialBytes(
                    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                guard special != 0 else {
                    index += 8
                    continue
                }
                index += special.trailingZeroBitCount >> 3
            } else if index >= bytes.count {
                throw error("unterminated string")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return .raw(start..<(index - 1))
            }
            if byte == UInt8(ascii: "\\") { return .escaped(try escapedString(from: start)) }
            guard byte >= 0x20 else { throw error("control character in a string") }
            // Only in the last seven bytes of the body: an ordinary byte.
            index += 1
        }
    }

    /// The high bit of each byte of `word` (little-endian: first byte lowest) that is `"`,
    /// `\\` or below 0x20. Bits above the lowest one may be false (a borrow carries into
    /// the next byte); the lowest one is always right, and it is the only one used.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word))
            & highs
    }

    private mutating func escapedString(from start: Int) throws(JSONSyntaxError) -> [UInt8] {
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &out)
                default: throw error("invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw error("control character in a string") }
                out.append(byte)
            }
        }
        throw error("unterminated string")
    }

    /// `\uXXXX`, with surrogate pairs; a lone surrogate becomes U+FFFD.
    private mutating func appendUnicodeEscape(to out: inout [UInt8]) throws(JSONSyntaxError) {
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                index += 2
                let low = try hex4()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    scalar = low
                }
            } else {
                scalar = 0xFFFD
            }
        }
        let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(Character(value)).utf8))
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Reads the next value when it is a plain integer literal (`-?[0-9]{1,18}`, no
    /// leading zero, followed by something that is not part of a number) and returns it;
    /// otherwise consumes nothing and returns nil, and the caller reads the value with
    /// `scalar()`. One pass over the digits, where `number()` and `integer(_:)` take two.
    @inline(__always)
    mutating func plainInteger() -> Int64? {
        skipWhitespace()
        var position = index
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let digitsStart = position
        var value: Int64 = 0
        while position < bytes.count, position - digitsStart < 18, isDigit(bytes[position]) {
            value = value &* 10 &+ Int64(bytes[position] &- UInt8(ascii: "0"))
            position += 1
        }
        guard position > digitsStart, position < bytes.count else { return nil }
        let next = bytes[position]
        guard !isDigit(next), next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E") else {
            return nil
        }
        if bytes[digitsStart] == UInt8(ascii: "0") && position - digitsStart > 1 { return nil }
        index = position
        return negative ? -value : value
    }

    /// Reads a number, checking the JSON grammar; returns its byte range.
    mutating func number() throws(JSONSyntaxError) -> Range<Int> {
        skipWhitespace()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return start..<index
    }

    private mutating func literal(_ text: StaticString) throws(JSONSyntaxError) {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        let matches = text.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw error("invalid literal") }
        index += count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] <= 0x20 {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, reason: reason)
    }

    // MARK: Reading tokens

    /// Whether the raw or unescaped bytes of `string` equal `key` (ASCII key names).
    @inline(__always)
    func matches(_ string: JSONString, _ key: StaticString) -> Bool {
        guard key.hasPointerRepresentation else {
            return key.withUTF8Buffer { expected in withBytes(string) { $0.elementsEqual(expected) } }
        }
        let expected = key.utf8Start
        let count = key.utf8CodeUnitCount
        switch string {
        case .raw(let range):
            guard range.count == count else { return false }
            var offset = 0
            while offset < count {
                if bytes[range.lowerBound &+ offset] != expected[offset] { return false }
                offset &+= 1
            }
            return true
        case .escaped(let unescaped):
            return unescaped.elementsEqual(UnsafeBufferPointer(start: expected, count: count))
        }
    }

    /// The length in bytes of a string token (unescaped).
    @inline(__always)
    func length(_ string: JSONString) -> Int {
        switch string {
        case .raw(let range): range.count
        case .escaped(let unescaped): unescaped.count
        }
    }

    /// The text of a string token.
    func text(_ string: JSONString) -> String {
        switch string {
        case .raw(let range): String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .escaped(let unescaped): String(decoding: unescaped, as: UTF8.self)
        }
    }

    /// Calls `body` with the UTF-8 bytes of a string token.
    func withBytes<T>(_ string: JSONString, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        switch string {
        case .raw(let range): body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .escaped(let unescaped): unescaped.withUnsafeBytes(body)
        }
    }

    /// An integer from a number token: exact for integer literals, and for literals with a
    /// fraction or exponent whose value is a whole number below 2^63; nil otherwise.
    func integer(_ range: Range<Int>) -> Int64? {
        var position = range.lowerBound
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        if range.upperBound - position <= 18 {
            // At most 18 digits cannot overflow.
            var value: Int64 = 0
            while position < range.upperBound, isDigit(bytes[position]) {
                value = value &* 10 &+ Int64(bytes[position] &- UInt8(ascii: "0"))
                position += 1
            }
            if position == range.upperBound { return negative ? -value : value }
            return fractionalInteger(range)
        }
        // Accumulated as a negative number, whose range reaches Int64.min.
        var value: Int64 = 0
        while position < range.upperBound, isDigit(bytes[position]) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.subtractingReportingOverflow(Int64(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        guard position == range.upperBound else { return fractionalInteger(range) }
        if negative { return value }
        return value == .min ? nil : -value
    }

    /// A number with a fraction or exponent as an integer, when its value is whole.
    private func fractionalInteger(_ range: Range<Int>) -> Int64? {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard let double = Double(text), double.isFinite, double == double.rounded(), abs(double) < 9.2e18 else {
            return nil
        }
        return Int64(double)
    }
}

/// A string token: its raw bytes in the body, or its unescaped bytes.
enum JSONString {
    case raw(Range<Int>)
    case escaped([UInt8])
}

/// A value read as a scalar; objects and arrays are skipped and only their kind kept.
enum JSONScalar {
    case string(JSONString)
    case number(Range<Int>)
    case bool
    case null
    case object
    case array

    /// What the value is, for error messages.
    var kind: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

/// A body that is not JSON: where the scanner stopped and why.
struct JSONSyntaxError: Error, Equatable {
    let offset: Int
    let reason: String
}

/// Whether two byte ranges hold the same bytes, compared eight at a time.
@inline(__always)
func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var offset = 0
    while offset + 8 <= a.count {
        if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        {
            return false
        }
        offset += 8
    }
    while offset < a.count {
        if a[offset] != b[offset] { return false }
        offset += 1
    }
    return true
}
