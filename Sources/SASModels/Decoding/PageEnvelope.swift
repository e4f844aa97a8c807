/// The envelope both list actions answer with: an object holding the list (`Processes`
/// or `ProcessDetails`), `PageInfo` and `RequestId`, other keys skipped. One walker for
/// both page decoders: the list's elements are handed to the decoder that knows them.
enum PageEnvelope {
    /// What the envelope holds besides the list.
    struct Header {
        var pageInfo: PageInfo?
        var requestId: String?
    }

    /// Reads `body`, giving each element of the array under `listKey` to `element` (with
    /// its index). A missing or null list is empty. Throws when the body is not JSON, is
    /// not an object, or its list or `PageInfo` has the wrong type.
    static func decode(
        _ body: UnsafeRawBufferPointer, listKey: StaticString,
        element: (inout JSONScanner, Int) throws(JSONSyntaxError) -> Void
    ) throws(ResponseDecodingError) -> Header {
        var scanner = JSONScanner(body)
        var header = Header()
        var structural: ResponseDecodingError?
        do {
            try walk(&scanner, listKey: listKey, header: &header, structural: &structural, element: element)
        } catch {
            throw ResponseDecodingError(path: "", reason: "not valid JSON (byte \(error.offset): \(error.reason))")
        }
        if let structural { throw structural }
        return header
    }

    /// `decode` over an array of bytes.
    static func withBytes<Page>(
        _ body: [UInt8], _ decode: (UnsafeRawBufferPointer) throws(ResponseDecodingError) -> Page
    ) throws(ResponseDecodingError) -> Page {
        let result: Result<Page, ResponseDecodingError> = body.withUnsafeBytes { bytes in
            do throws(ResponseDecodingError) { return .success(try decode(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func walk(
        _ scanner: inout JSONScanner, listKey: StaticString, header: inout Header,
        structural: inout ResponseDecodingError?, element: (inout JSONScanner, Int) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            _ = try scanner.scalar()
            try scanner.expectEnd()
            structural = ResponseDecodingError(path: "", reason: "expected an object")
            return
        }
        try scanner.beginObject()
        var first = true
        while let key = try scanner.nextKey(first: first) {
            first = false
            if scanner.matches(key, listKey) {
                guard scanner.peek() == UInt8(ascii: "[") else {
                    let value = try scanner.scalar()
                    if case .null = value { continue }
                    structural =
                        structural
                        ?? ResponseDecodingError(
                            path: "\(listKey)", reason: "expected an array, found \(value.kind)")
                    continue
                }
                try scanner.beginArray()
                var index = 0
                while try scanner.nextElement(first: index == 0) {
                    try element(&scanner, index)
                    index += 1
                }
            } else if scanner.matches(key, "PageInfo") {
                header.pageInfo = try PageInfoDecoding.decode(&scanner, error: &structural)
            } else if scanner.matches(key, "RequestId") {
                header.requestId = LenientValue.text(try scanner.scalar(), scanner).value
            } else {
                try scanner.skipValue()
            }
        }
        try scanner.expectEnd()
    }
}
