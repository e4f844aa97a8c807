/// Decodes `ListOperationProcessDetail` bodies straight from their bytes into a
/// `SubtaskPage`.
///
/// Numbers sent as strings of digits and text sent as integers are accepted, a missing or
/// null array is empty, and unknown keys are skipped. A record whose JSON parses but one
/// of whose fields has a type that cannot be read (`"CreateTime": "soon"`, `"Checks": 3`)
/// is set aside as an `UndecodableRecord`; the rest of the page is kept. Only a body that
/// is not JSON, or whose `PageInfo`/`ProcessDetails` are not an object/array, fails.
public enum DetailPageDecoder {
    /// Decodes a page from a body.
    public static func decode(_ body: UnsafeRawBufferPointer) throws(ResponseDecodingError) -> SubtaskPage {
        var page = SubtaskPage()
        var builder = SubtaskPage.Builder()
        let header = try PageEnvelope.decode(body, listKey: "ProcessDetails") {
            (scanner: inout JSONScanner, index: Int) throws(JSONSyntaxError) in
            try decodeRecord(&scanner, index: index, builder: &builder, page: &page)
        }
        page.pageInfo = header.pageInfo
        page.requestId = header.requestId
        return page
    }

    /// Decodes a page from bytes.
    public static func decode(_ body: [UInt8]) throws(ResponseDecodingError) -> SubtaskPage {
        try PageEnvelope.withBytes(body) { bytes throws(ResponseDecodingError) in try decode(bytes) }
    }

    /// The fields of one record as read, before it is turned into a `SubtaskRecord`.
    private struct RawRecord {
        var detailTaskId: JSONString?
        var taskId: JSONString?
        var fields = SubtaskPage.Builder.Fields()
        var problem: (field: String, reason: String)?

        mutating func fail(_ field: String, _ reason: String) {
            if problem == nil { problem = (field, reason) }
        }
    }

    private static func decodeRecord(
        _ scanner: inout JSONScanner, index: Int, builder: inout SubtaskPage.Builder, page: inout SubtaskPage
    ) throws(JSONSyntaxError) {
        _ = scanner.peek()
        let start = scanner.index
        let checkStart = page.checkIds.count
        var raw = RawRecord()
        if scanner.peek() == UInt8(ascii: "{") {
            try scanner.beginObject()
            var first = true
            while let key = try scanner.nextKey(first: first) {
                first = false
                try decodeField(key, &scanner, record: &raw, builder: builder, page: &page)
            }
        } else {
            let value = try scanner.scalar()
            raw.fail("", "expected an object, found \(value.kind)")
        }
        // The id's bytes are read in place (no copy); an empty id counts as none.
        let id = raw.detailTaskId.flatMap { scanner.length($0) > 0 ? $0 : nil }
        if let problem = raw.problem {
            page.checkIds.removeSubrange(checkStart...)
            var hasher = Fingerprint.Hasher128()
            if let id {
                hasher.add("id\u{0}".utf8)
                scanner.withBytes(id) { hasher.add($0) }
            } else {
                hasher.add("undecodable\u{0}".utf8)
                hasher.add(UnsafeRawBufferPointer(rebasing: scanner.bytes[start..<scanner.index]))
            }
            let path = "ProcessDetails[\(index)]" + (problem.field.isEmpty ? "" : ".\(problem.field)")
            page.undecodable.append(
                UndecodableRecord(
                    key: hasher.finish(), detailTaskId: id.map { scanner.text($0) },
                    path: path, reason: problem.reason
                ))
            return
        }
        var taskIndex: Int32 = -1
        if let task = raw.taskId {
            taskIndex = scanner.withBytes(task) { builder.taskIndex($0, in: &page) }
        }
        let record: SubtaskRecord
        if let id {
            record = scanner.withBytes(id) { idBytes in
                SubtaskPage.Builder.record(
                    id: idBytes, taskId: UnsafeRawBufferPointer?.none, taskIndex: taskIndex, fields: raw.fields,
                    checkStart: checkStart, page: page
                )
            }
        } else {
            let taskBytes = raw.taskId.map { scanner.withBytes($0) { Array($0) } }
            record = SubtaskPage.Builder.record(
                id: [UInt8]?.none, taskId: taskBytes, taskIndex: taskIndex, fields: raw.fields, checkStart: checkStart,
                page: page
            )
        }
        page.records.append(record)
    }

    private static func decodeField(
        _ key: JSONString, _ scanner: inout JSONScanner, record: inout RawRecord,
        builder: SubtaskPage.Builder, page: inout SubtaskPage
    ) throws(JSONSyntaxError) {
        func integer(_ name: String) throws(JSONSyntaxError) -> Int64? {
            if let value = scanner.plainInteger() { return value }
            let read = LenientValue.integer(try scanner.scalar(), scanner)
            if let problem = read.problem { record.fail(name, problem) }
            return read.value
        }
        func text(_ name: String) throws(JSONSyntaxError) -> JSONString? {
            let value = try scanner.scalar()
            switch value {
            case .string(let string): return string
            case .null: return nil
            case .number(let range):
                guard let number = scanner.integer(range) else {
                    record.fail(name, "expected a string, found a number that is not an integer")
                    return nil
                }
                return .escaped(Array(String(number).utf8))
            default:
                record.fail(name, "expected a string, found \(value.kind)")
                return nil
            }
        }
        // Most keys are told apart by their length alone; the rest by one comparison.
        switch scanner.length(key) {
        case 6, 7, 9, 10, 11, 12: break
        default:
            try scanner.skipValue()
            return
        }
        if scanner.matches(key, "DetailTaskId") {
            record.detailTaskId = try text("DetailTaskId")
        } else if scanner.matches(key, "TaskId") {
            record.taskId = try text("TaskId")
        } else if scanner.matches(key, "StatusCode") {
            record.fields.statusCode = try integer("StatusCode")
        } else if scanner.matches(key, "CreateTime") {
            record.fields.createTime = try integer("CreateTime")
        } else if scanner.matches(key, "StartTime") {
            record.fields.startTime = try integer("StartTime")
        } else if scanner.matches(key, "EndTime") {
            record.fields.endTime = try integer("EndTime")
        } else if scanner.matches(key, "AssetVendor") {
            record.fields.assetVendor = try integer("AssetVendor")
        } else if scanner.matches(key, "AssetType") {
            record.fields.assetType = try integer("AssetType")
        } else if scanner.matches(key, "AssetSubType") {
            record.fields.assetSubType = try integer("AssetSubType")
        } else if scanner.matches(key, "Checks") {
            try decodeChecks(&scanner, record: &record, builder: builder, page: &page)
        } else {
            try scanner.skipValue()
        }
    }

    private static func decodeChecks(
        _ scanner: inout JSONScanner, record: inout RawRecord, builder: SubtaskPage.Builder, page: inout SubtaskPage
    ) throws(JSONSyntaxError) {
        guard scanner.peek() == UInt8(ascii: "[") else {
            let value = try scanner.scalar()
            if case .null = value { return }
            record.fail("Checks", "expected an array, found \(value.kind)")
            return
        }
        try scanner.beginArray()
        var index = 0
        while try scanner.nextElement(first: index == 0) {
            defer { index += 1 }
            guard scanner.peek() == UInt8(ascii: "{") else {
                let value = try scanner.scalar()
                record.fail("Checks[\(index)]", "expected an object, found \(value.kind)")
                continue
            }
            try scanner.beginObject()
            var checkId: Int64?
            var name: JSONScalar?
            var first = true
            while let key = try scanner.nextKey(first: first) {
                first = false
                if scanner.matches(key, "CheckId") {
                    if let value = scanner.plainInteger() {
                        checkId = value
                        continue
                    }
                    let read = LenientValue.integer(try scanner.scalar(), scanner)
                    if let problem = read.problem { record.fail("Checks[\(index)].CheckId", problem) }
                    checkId = read.value
                } else if scanner.matches(key, "CheckShowName") {
                    let value = try scanner.scalar()
                    switch value {
                    case .string, .null: name = value
                    default:
                        let read = LenientValue.text(value, scanner)
                        if let problem = read.problem { record.fail("Checks[\(index)].CheckShowName", problem) }
                        name = read.value.map { .string(.escaped(Array($0.utf8))) }
                    }
                } else {
                    try scanner.skipValue()
                }
            }
            guard let checkId else { continue }
            page.checkIds.append(checkId)
            if case .string(let text) = name, scanner.length(text) > 0 {
                scanner.withBytes(text) { builder.noteName($0, of: checkId, in: &page) }
            }
        }
    }
}

/// Lenient reading of scalar values: integers sent as numbers or strings of digits, text
/// sent as strings or integers, null and empty strings as absent.
enum LenientValue {
    /// A value, or why it could not be read.
    struct Read<T> {
        /// The value; nil when absent or unreadable.
        var value: T?
        /// Why it could not be read; nil when it could (or was absent).
        var problem: String?

        static func ok(_ value: T?) -> Read { Read(value: value, problem: nil) }
        static func bad(_ problem: String) -> Read { Read(value: nil, problem: problem) }
    }

    static func integer(_ scalar: JSONScalar, _ scanner: JSONScanner) -> Read<Int64> {
        switch scalar {
        case .null: return .ok(nil)
        case .number(let range):
            guard let value = scanner.integer(range) else {
                return .bad("expected an integer, found \(scanner.text(.raw(range)))")
            }
            return .ok(value)
        case .string(let string):
            let text = scanner.text(string)
            let trimmed = text.trimming([" "])
            if trimmed.isEmpty { return .ok(nil) }
            guard let value = Int64(trimmed) else {
                return .bad("expected an integer, found the string \"\(text.prefix(40))\"")
            }
            return .ok(value)
        default:
            return .bad("expected an integer, found \(scalar.kind)")
        }
    }

    static func text(_ scalar: JSONScalar, _ scanner: JSONScanner) -> Read<String> {
        switch scalar {
        case .null: return .ok(nil)
        case .string(let string): return .ok(scanner.text(string))
        case .number(let range):
            guard let value = scanner.integer(range) else {
                return .bad("expected a string, found a number that is not an integer")
            }
            return .ok(String(value))
        default:
            return .bad("expected a string, found \(scalar.kind)")
        }
    }
}

/// `PageInfo`: an object of lenient integers, or null. Any other type is structural.
enum PageInfoDecoding {
    static func decode(_ scanner: inout JSONScanner, error: inout ResponseDecodingError?) throws(JSONSyntaxError)
        -> PageInfo?
    {
        guard scanner.peek() == UInt8(ascii: "{") else {
            let value = try scanner.scalar()
            if case .null = value { return nil }
            error = error ?? ResponseDecodingError(path: "PageInfo", reason: "expected an object, found \(value.kind)")
            return nil
        }
        try scanner.beginObject()
        var info = PageInfo()
        var first = true
        while let key = try scanner.nextKey(first: first) {
            first = false
            let names: [(StaticString, WritableKeyPath<PageInfo, Int?>)] = [
                ("CurrentPage", \.currentPage), ("PageSize", \.pageSize), ("TotalCount", \.totalCount),
                ("Count", \.count),
            ]
            guard let (name, path) = names.first(where: { scanner.matches(key, $0.0) }) else {
                try scanner.skipValue()
                continue
            }
            let read = LenientValue.integer(try scanner.scalar(), scanner)
            if let problem = read.problem {
                error = error ?? ResponseDecodingError(path: "PageInfo.\(name)", reason: problem)
            }
            info[keyPath: path] = read.value.map { Int(clamping: $0) }
        }
        return info
    }
}
