import Crypto

/// The byte-level pieces of an ACS3 signature: the canonical request is written into one
/// buffer instead of being joined from interpolated strings (a signature is computed for
/// every API call, so its cost is paid a thousand times per large poll).
///
/// The string functions of `ACS3Signer` (`canonicalQuery`, `canonicalHeaders`,
/// `canonicalRequest`) stay the reference: the simulator verifies every request with
/// them, and the tests compare the two on awkward input.
enum CanonicalBytes {
    private static let upperHex = Array("0123456789ABCDEF".utf8)
    private static let lowerHex = Array("0123456789abcdef".utf8)

    /// Appends `text` percent-encoded as `PercentEncoding.rfc3986` (or `.form` when
    /// `spaceAsPlus`) does. Runs of bytes that need no escape are copied whole.
    static func appendEncoded(_ text: String, spaceAsPlus: Bool, to out: inout [UInt8]) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                if isUnreserved(byte) { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                if byte == UInt8(ascii: " ") && spaceAsPlus {
                    out.append(UInt8(ascii: "+"))
                } else {
                    out.append(UInt8(ascii: "%"))
                    out.append(upperHex[Int(byte >> 4)])
                    out.append(upperHex[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        if copied == nil {
            var contiguous = text
            contiguous.makeContiguousUTF8()
            appendEncoded(contiguous, spaceAsPlus: spaceAsPlus, to: &out)
        }
    }

    @inline(__always)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes (`precedesByBytes`), comparing
    /// contiguous storage directly.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let result = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right -> Bool in
                let common = min(left.count, right.count)
                var index = 0
                while index < common {
                    if left[index] != right[index] { return left[index] < right[index] }
                    index += 1
                }
                return left.count < right.count
            }
        }
        return (result ?? nil) ?? a.precedesByBytes(b)
    }

    /// Parameters in canonical order: by name, then by value, byte-wise.
    static func sortedParameters(_ parameters: [QueryParameter]) -> [QueryParameter] {
        parameters.sorted { $0.name == $1.name ? precedes($0.value, $1.value) : precedes($0.name, $1.name) }
    }

    /// `name=value` pairs joined by `&`, in the given order, each encoded.
    static func appendQuery(_ parameters: [QueryParameter], spaceAsPlus: Bool, to out: inout [UInt8]) {
        for (index, parameter) in parameters.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            appendEncoded(parameter.name, spaceAsPlus: spaceAsPlus, to: &out)
            out.append(UInt8(ascii: "="))
            appendEncoded(parameter.value, spaceAsPlus: spaceAsPlus, to: &out)
        }
    }

    /// A header as it is signed: the name lower-cased and the value without leading and
    /// trailing blanks, as UTF-8.
    struct SignedHeader {
        var name: [UInt8]
        var value: Substring.UTF8View
    }

    /// The headers lower-cased, trimmed and sorted by name, as `canonicalHeaders` does.
    static func signedHeaders(_ headers: [HTTPHeader]) -> [SignedHeader] {
        var normalized = headers.map { header in
            SignedHeader(name: lowercased(header.name), value: trimmed(header.value))
        }
        // The same sort as `canonicalHeaders` (equal names keep their order in both).
        normalized.sort { $0.name.lexicographicallyPrecedes($1.name) }
        return normalized
    }

    /// `trimmingBlanks`, looking at bytes when the value neither starts nor ends with a
    /// blank byte (the usual case; trimming itself works on characters).
    private static func trimmed(_ value: String) -> Substring.UTF8View {
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last else { return value[...].utf8 }
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 {
            return value.trimmingBlanks.utf8
        }
        return value[...].utf8
    }

    /// `String.lowercased()` as UTF-8, without building a string for the usual ASCII name.
    private static func lowercased(_ name: String) -> [UInt8] {
        var bytes = Array(name.utf8)
        for index in bytes.indices {
            let byte = bytes[index]
            if byte >= 0x80 { return Array(name.lowercased().utf8) }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { bytes[index] = byte | 0x20 }
        }
        return bytes
    }

    /// Appends lower-case hex.
    static func appendHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(lowerHex[Int(byte >> 4)])
            out.append(lowerHex[Int(byte & 0x0F)])
        }
    }
}
