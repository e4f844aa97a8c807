/// One decoded page of `ListOperationProcess` (parent tasks).
public struct ProcessPage: Sendable, Equatable {
    public var requestId: String?
    public var pageInfo: PageInfo?
    /// The tasks; a task record with a field of the wrong type keeps only its `TaskId`
    /// (so its subtasks are still read) and is counted in `undecodable`.
    public var processes: [OperationProcess]
    /// Task records with a field of the wrong type.
    public var undecodable: Int

    /// Rows on the page (what pagination counts against `TotalCount`); an unreadable
    /// record without a readable `TaskId` still counts as a row.
    public var rowCount: Int

    /// A page; `rowCount` defaults to the number of processes.
    public init(
        requestId: String? = nil, pageInfo: PageInfo? = nil, processes: [OperationProcess] = [], undecodable: Int = 0,
        rowCount: Int? = nil
    ) {
        self.requestId = requestId
        self.pageInfo = pageInfo
        self.processes = processes
        self.undecodable = undecodable
        self.rowCount = rowCount ?? processes.count
    }
}

/// Decodes `ListOperationProcess` bodies straight from their bytes, with the leniency of
/// `DetailPageDecoder`.
public enum ProcessPageDecoder {
    /// Decodes a page from a body.
    public static func decode(_ body: UnsafeRawBufferPointer) throws(ResponseDecodingError) -> ProcessPage {
        var scanner = JSONScanner(body)
        var page = ProcessPage()
        var structural: ResponseDecodingError?
        do {
            try decodeDocument(&scanner, into: &page, structural: &structural)
        } catch {
            throw ResponseDecodingError(path: "", reason: "not valid JSON (byte \(error.offset): \(error.reason))")
        }
        if let structural { throw structural }
        return page
    }

    /// Decodes a page from bytes.
    public static func decode(_ body: [UInt8]) throws(ResponseDecodingError) -> ProcessPage {
        let result: Result<ProcessPage, ResponseDecodingError> = body.withUnsafeBytes { bytes in
            do throws(ResponseDecodingError) { return .success(try decode(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func decodeDocument(
        _ scanner: inout JSONScanner, into page: inout ProcessPage, structural: inout ResponseDecodingError?
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
            if scanner.matches(key, "Processes") {
                guard scanner.peek() == UInt8(ascii: "[") else {
                    let value = try scanner.scalar()
                    if case .null = value { continue }
                    structural =
                        structural
                        ?? ResponseDecodingError(path: "Processes", reason: "expected an array, found \(value.kind)")
                    continue
                }
                try scanner.beginArray()
                var index = 0
                while try scanner.nextElement(first: index == 0) {
                    try decodeProcess(&scanner, into: &page)
                    index += 1
                }
            } else if scanner.matches(key, "PageInfo") {
                page.pageInfo = try PageInfoDecoding.decode(&scanner, error: &structural)
            } else if scanner.matches(key, "RequestId") {
                page.requestId = LenientValue.text(try scanner.scalar(), scanner).value
            } else {
                try scanner.skipValue()
            }
        }
        try scanner.expectEnd()
    }

    private static func decodeProcess(_ scanner: inout JSONScanner, into page: inout ProcessPage)
        throws(JSONSyntaxError)
    {
        page.rowCount += 1
        guard scanner.peek() == UInt8(ascii: "{") else {
            _ = try scanner.scalar()
            page.undecodable += 1
            return
        }
        try scanner.beginObject()
        var process = OperationProcess()
        var bad = false
        let texts: [(StaticString, WritableKeyPath<OperationProcess, String?>)] = [
            ("TaskId", \.taskId), ("TaskType", \.taskType), ("TaskSource", \.taskSource),
        ]
        let longs: [(StaticString, WritableKeyPath<OperationProcess, Int64?>)] = [
            ("CreateTime", \.createTime), ("StartTime", \.startTime), ("EndTime", \.endTime),
        ]
        let ints: [(StaticString, WritableKeyPath<OperationProcess, Int?>)] = [
            ("StatusCode", \.statusCode), ("FinishCount", \.finishCount), ("TotalCount", \.totalCount),
            ("DetailTaskReadyCount", \.detailTaskReadyCount), ("DetailTaskTotalCount", \.detailTaskTotalCount),
        ]
        var first = true
        while let key = try scanner.nextKey(first: first) {
            first = false
            if let (_, path) = texts.first(where: { scanner.matches(key, $0.0) }) {
                let read = LenientValue.text(try scanner.scalar(), scanner)
                process[keyPath: path] = read.value
                bad = bad || read.problem != nil
            } else if let (_, path) = longs.first(where: { scanner.matches(key, $0.0) }) {
                let read = LenientValue.integer(try scanner.scalar(), scanner)
                process[keyPath: path] = read.value
                bad = bad || read.problem != nil
            } else if let (_, path) = ints.first(where: { scanner.matches(key, $0.0) }) {
                let read = LenientValue.integer(try scanner.scalar(), scanner)
                process[keyPath: path] = read.value.map { Int(clamping: $0) }
                bad = bad || read.problem != nil
            } else {
                try scanner.skipValue()
            }
        }
        if bad {
            page.undecodable += 1
            guard let id = process.taskId else { return }
            process = OperationProcess(taskId: id)
        }
        page.processes.append(process)
    }
}
