#if canImport(Glibc)
    import Glibc
#endif

// Shared by every fuzz target (Fuzz/build compiles this file into each): how a broken
// invariant stops the run, and a reader that turns the fuzzer's bytes into choices.

/// Stops the run with `message`: libFuzzer sees the abort as a crash and keeps the input.
func violated(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    var report = "INVARIANT BROKEN (\(file):\(line)): \(message)\n"
    report.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    abort()
}

/// Checks an invariant of the code under test.
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line)
{
    if !condition { violated(message(), file: file, line: line) }
}

/// The input of one run, read front to back; reads past the end give zeros, so every
/// input is usable and a longer input only adds detail.
struct FuzzReader {
    private var bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isExhausted: Bool { index >= bytes.count }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A value in `0..<count` (count > 0).
    mutating func below(_ count: Int) -> Int { Int(byte()) % count }

    mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return Int64(bitPattern: value)
    }

    /// Up to `limit` raw bytes as text (invalid UTF-8 repaired, as every String is).
    mutating func text(limit: Int = 64) -> String {
        let count = min(Int(byte()), limit)
        var raw: [UInt8] = []
        for _ in 0..<count { raw.append(byte()) }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Text that may be long: a piece repeated up to four times (long label values, names
    /// past the exposition's 256-scalar cap).
    mutating func longText() -> String {
        let piece = text(limit: 255)
        return String(repeating: piece, count: 1 + below(4))
    }

    /// The unread rest.
    mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return index < bytes.count ? Array(bytes[index...]) : []
    }
}

/// The input as an array (libFuzzer passes a pointer and a length; the pointer may be
/// null when the length is zero).
func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Whether the UTF-8 bytes of `text` contain those of `part` (byte-wise: no Unicode
/// equivalence, so a secret is found exactly as it was given).
func containsBytes(_ text: String, _ part: String) -> Bool {
    let haystack = Array(text.utf8)
    let needle = Array(part.utf8)
    guard !needle.isEmpty else { return true }
    guard haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

/// A loader error's position (`error` describes it) lies within `text`: a line and a
/// column unless the error is about the whole document, the line within the text's line
/// breaks (YAML breaks at LF, CR, CRLF, NEL, LS and PS: counted generously), the column
/// at least 1.
func checkErrorPosition(
    line: Int?, column: Int?, in text: String, documentLevel: Bool, error: @autoclosure () -> String
) {
    if !documentLevel {
        require(line != nil && column != nil, "error without a line and column: \(error())")
    }
    guard let line else { return }
    let breaks = text.unicodeScalars.count { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }
    require(line >= 1 && line <= breaks + 2, "error at line \(line) of a text with \(breaks) line breaks: \(error())")
    require((column ?? 1) >= 1, "error at column \(column ?? 0): \(error())")
}
