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
        var page = ProcessPage()
        let header = try PageEnvelope.decode(body, listKey: "Processes") {
            (scanner: inout JSONScanner, _: Int) throws(JSONSyntaxError) in
            try decodeProcess(&scanner, into: &page)
        }
        page.pageInfo = header.pageInfo
        page.requestId = header.requestId
        return page
    }

    /// Decodes a page from bytes.
    public static func decode(_ body: [UInt8]) throws(ResponseDecodingError) -> ProcessPage {
        try PageEnvelope.withBytes(body) { bytes throws(ResponseDecodingError) in try decode(bytes) }
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
