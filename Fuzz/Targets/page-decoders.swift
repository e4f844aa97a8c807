import Foundation
import SASModels

// Fuzz target: the byte-level page decoders, `DetailPageDecoder.decode`
// (ListOperationProcessDetail) and `ProcessPageDecoder.decode` (ListOperationProcess),
// both run on every input. Besides "no crash, no memory error" (ASan), the invariants:
//
// 1. Deterministic: decoding the same bytes twice gives equal pages or equal errors.
// 2. Indexes are consistent: every record's task index is -1 or inside `taskIds`; its
//    checks are a range inside `checkIds`, and the ranges of the records tile `checkIds`
//    in record order; every task id is used by some record.
// 3. Rows are counted: when Foundation's JSONSerialization reads the body as an object with
//    a `ProcessDetails` (`Processes`) array of n elements, `rowCount` is at least n, and
//    exactly n when the key occurs once in the body (a repeated key appends, Foundation
//    keeps one). For the task page, `processes` ≤ `rowCount` ≤ `processes` + `undecodable`.
// 4. JSON syntax agrees with Foundation on UTF-8 bodies: a valid UTF-8 body
//    JSONSerialization rejects is rejected as "not valid JSON". The other way, a body it
//    accepts is not rejected as "not valid JSON", unless it nests deeper than the
//    scanner's 64 levels, is not plain UTF-8 (Foundation also reads UTF-16/32, guessed
//    from NUL bytes, and skips a byte-order mark; the API sends UTF-8, RFC 8259 §8.1), or
//    has a comma before a closing bracket, which Foundation's parser tolerates and
//    RFC 8259 (and the decoder) does not.
//    Outside the invariant, by design: invalid UTF-8 inside strings and `\u` escapes of
//    surrogates, which Foundation refuses and the decoder reads (ids and names repaired
//    with U+FFFD, as `String(decoding:)` does; a lone surrogate escape becomes U+FFFD:
//    one odd character in a check name must not lose a page), and numbers beyond Double's
//    range (`1e400`), which Foundation refuses as "not representable" and RFC 8259 §6
//    leaves to the implementation: the decoder reads them as "not an integer", which
//    sets that record aside as undecodable.
// 5. Shape errors are errors: a body that parses but is not an object, or whose
//    `ProcessDetails`/`Processes` is neither an array nor null, or `PageInfo` neither an
//    object nor null, throws.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPageDecoders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = inputBytes(data, size)
    let foundation = FoundationView(body)
    checkDetailPage(body, foundation)
    checkProcessPage(body, foundation)
    return 0
}

/// What Foundation makes of the body.
struct FoundationView {
    /// The parsed value, nil when JSONSerialization rejects the body.
    let value: Any?
    /// Why it rejected the body.
    let refusal: String?
    /// Whether the body is valid UTF-8.
    let isValidUTF8: Bool
    /// Whether it is also plain UTF-8 JSON text: no byte-order mark, no NUL (Foundation
    /// guesses UTF-16/32 from NULs).
    let isPlainUTF8: Bool
    /// Deepest nesting of arrays and objects outside strings.
    let depth: Int
    /// Whether a `,` is followed (after whitespace) by `]` or `}` outside strings.
    let hasTrailingComma: Bool
    /// Whether a `\uXXXX` escape of a UTF-16 surrogate (D800–DFFF) occurs.
    let hasSurrogateEscape: Bool

    init(_ body: [UInt8]) {
        do {
            value = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            refusal = nil
        } catch {
            value = nil
            refusal = "\(error)"
        }
        isValidUTF8 = String(validating: body, as: UTF8.self) != nil
        isPlainUTF8 = isValidUTF8 && !body.starts(with: [0xEF, 0xBB, 0xBF]) && !body.contains(0)
        (depth, hasTrailingComma) = Self.scan(body)
        hasSurrogateEscape = body.indices.contains { index in
            index + 2 < body.count && body[index] == UInt8(ascii: "\\") && body[index + 1] == UInt8(ascii: "u")
                && (body[index + 2] | 0x20) == UInt8(ascii: "d") && index + 3 < body.count
                && [
                    UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c"),
                    UInt8(ascii: "d"),
                    UInt8(ascii: "e"), UInt8(ascii: "f"),
                ].contains(body[index + 3] | 0x20)
        }
    }

    /// The nesting and trailing commas of the body, outside strings.
    static func scan(_ body: [UInt8]) -> (depth: Int, trailingComma: Bool) {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        var afterComma = false
        var trailingComma = false
        for byte in body {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09: continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if afterComma { trailingComma = true }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            afterComma = byte == UInt8(ascii: ",")
        }
        return (deepest, trailingComma)
    }

    /// The elements of `key` when the body is an object holding an array there.
    func array(_ key: String) -> [Any]? {
        (value as? [String: Any])?[key] as? [Any]
    }
}

/// How often `"key"` occurs in the body as plain bytes (escaped spellings are not found,
/// so a count of 1 with an escaped duplicate is possible: then only "at least" is checked).
func occurrences(of key: String, in body: [UInt8]) -> Int {
    let needle = Array("\"\(key)\"".utf8)
    guard body.count >= needle.count else { return 0 }
    var count = 0
    for start in 0...(body.count - needle.count) where body[start] == needle[0] {
        if body[start..<(start + needle.count)].elementsEqual(needle) { count += 1 }
    }
    return count
}

func isSyntaxError(_ error: ResponseDecodingError) -> Bool {
    error.path.isEmpty && error.reason.hasPrefix("not valid JSON")
}

/// Invariants 4 and 5, shared by both decoders.
func checkAgreement(
    _ error: ResponseDecodingError?, _ foundation: FoundationView, body: [UInt8], arrayKey: String, what: String
) {
    guard let value = foundation.value else {
        guard foundation.isValidUTF8, !foundation.hasSurrogateEscape,
            foundation.refusal.map({ $0.contains("not representable") }) != true
        else { return }
        require(
            error.map(isSyntaxError) == true,
            "\(what): JSONSerialization rejects the body but the decoder gave \(error.map { "\($0)" } ?? "a page")")
        return
    }
    let scannable = foundation.isPlainUTF8 && foundation.depth <= 64 && !foundation.hasTrailingComma
    if scannable, let error {
        require(!isSyntaxError(error), "\(what): JSONSerialization accepts the body but the decoder says \(error)")
    }
    guard scannable else { return }
    guard let object = value as? [String: Any] else {
        require(error != nil, "\(what): the body is not an object but the decoder gave a page")
        return
    }
    let onlyOnce = occurrences(of: arrayKey, in: body) <= 1 && !body.contains(UInt8(ascii: "\\"))
    if onlyOnce, let rows = object[arrayKey], !(rows is [Any]), !(rows is NSNull) {
        require(error != nil, "\(what): \(arrayKey) is \(type(of: rows)), not an array, but the decoder gave a page")
    }
    if occurrences(of: "PageInfo", in: body) <= 1, !body.contains(UInt8(ascii: "\\")),
        let info = object["PageInfo"], !(info is [String: Any]), !(info is NSNull)
    {
        require(error != nil, "\(what): PageInfo is \(type(of: info)), not an object, but the decoder gave a page")
    }
}

/// Decodes twice (invariant 1) and gives the first outcome.
func decodeTwice<Page: Equatable>(
    _ what: String, _ decode: () throws(ResponseDecodingError) -> Page
) -> Result<Page, ResponseDecodingError> {
    let first = Result(catching: decode)
    require(first == Result(catching: decode), "\(what) is not deterministic")
    return first
}

/// Invariant 3's count of rows against Foundation's reading of the array at `key`.
func checkRowCount(_ rowCount: Int, key: String, body: [UInt8], _ foundation: FoundationView) {
    guard foundation.isPlainUTF8, let rows = foundation.array(key) else { return }
    require(rowCount >= rows.count, "rowCount \(rowCount) below the \(rows.count) elements of \(key)")
    if occurrences(of: key, in: body) == 1, !body.contains(UInt8(ascii: "\\")) {
        require(rowCount == rows.count, "rowCount \(rowCount) but \(key) has \(rows.count) elements")
    }
}

func checkDetailPage(_ body: [UInt8], _ foundation: FoundationView) {
    let first = decodeTwice("DetailPageDecoder") { () throws(ResponseDecodingError) in
        try DetailPageDecoder.decode(body)
    }
    var error: ResponseDecodingError?
    switch first {
    case .failure(let failure):
        error = failure
    case .success(let page):
        var nextCheck = 0
        var usedTasks = Set<Int32>()
        for (index, record) in page.records.enumerated() {
            require(
                record.taskIndex >= -1 && Int(record.taskIndex) < page.taskIds.count,
                "record \(index): task index \(record.taskIndex) outside \(page.taskIds.count) task ids")
            if record.taskIndex >= 0 { usedTasks.insert(record.taskIndex) }
            require(record.checkStart >= 0 && record.checkCount >= 0, "record \(index): negative check range")
            require(
                Int(record.checkStart) == nextCheck,
                "record \(index): checks start at \(record.checkStart), the previous record's end at \(nextCheck)")
            nextCheck = Int(record.checkStart) + Int(record.checkCount)
            require(
                nextCheck <= page.checkIds.count,
                "record \(index): checks end at \(nextCheck) of \(page.checkIds.count)")
            _ = page.checks(of: record)
            _ = page.taskId(of: record)
        }
        require(nextCheck == page.checkIds.count, "\(page.checkIds.count - nextCheck) check ids belong to no record")
        require(
            usedTasks.count == page.taskIds.count,
            "\(page.taskIds.count - usedTasks.count) task ids belong to no record")
        require(page.rowCount == page.records.count + page.undecodable.count, "rowCount is not records + undecodable")
        for record in page.undecodable {
            require(record.path.hasPrefix("ProcessDetails["), "undecodable record with path \(record.path)")
        }
        checkRowCount(page.rowCount, key: "ProcessDetails", body: body, foundation)
    }
    checkAgreement(error, foundation, body: body, arrayKey: "ProcessDetails", what: "DetailPageDecoder")
}

func checkProcessPage(_ body: [UInt8], _ foundation: FoundationView) {
    let first = decodeTwice("ProcessPageDecoder") { () throws(ResponseDecodingError) in
        try ProcessPageDecoder.decode(body)
    }
    var error: ResponseDecodingError?
    switch first {
    case .failure(let failure):
        error = failure
    case .success(let page):
        require(
            page.undecodable >= 0 && page.undecodable <= page.rowCount,
            "undecodable \(page.undecodable) of \(page.rowCount) rows")
        require(page.processes.count <= page.rowCount, "\(page.processes.count) processes from \(page.rowCount) rows")
        require(
            page.rowCount <= page.processes.count + page.undecodable,
            "\(page.rowCount) rows but only \(page.processes.count) processes and \(page.undecodable) undecodable")
        checkRowCount(page.rowCount, key: "Processes", body: body, foundation)
    }
    checkAgreement(error, foundation, body: body, arrayKey: "Processes", what: "ProcessPageDecoder")
}
