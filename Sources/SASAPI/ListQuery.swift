import SASModels
import SASSigning

/// A list request of one action, without the page number: what the client's one
/// paginated call takes.
public protocol ListQuery: Sendable {
    /// The decoded page of this action.
    associatedtype Page: PagedResponse

    /// The action called.
    static var action: SecurityCenterAPI.Action { get }
    /// Decodes a 2xx body of this action.
    static func decode(_ body: UnsafeRawBufferPointer) throws(ResponseDecodingError) -> Page

    /// Entries per page; the pagination sequence sets it.
    var pageSize: Int? { get set }
    /// The query parameters for one page, flattened as the official SDK does.
    func parameters(page: Int?) -> [QueryParameter]
}

/// A decoded list page that can be paginated.
public protocol PagedResponse: Sendable {
    var pageInfo: PageInfo? { get }
    /// Rows on the page, usable or not.
    var rowCount: Int { get }
    /// A fingerprint of the page's rows, to tell a page that repeats the previous one; nil
    /// when no row has an identity (alike rows without ids may fill two pages honestly).
    var rowsFingerprint: Fingerprint? { get }
}

extension SubtaskPage: PagedResponse {
    public var rowsFingerprint: Fingerprint? {
        guard records.contains(where: \.hasId) || undecodable.contains(where: { $0.detailTaskId != nil }) else {
            return nil
        }
        var hasher = Fingerprint.Hasher128()
        for record in records {
            hasher.add(word: record.key.high)
            hasher.add(word: record.key.low)
        }
        for record in undecodable { hasher.add(word: record.key.high) }
        return hasher.finish()
    }
}

extension ProcessPage: PagedResponse {
    public var rowsFingerprint: Fingerprint? {
        guard processes.contains(where: { !($0.taskId ?? "").isEmpty }) else { return nil }
        var hasher = Fingerprint.Hasher128()
        for process in processes {
            hasher.add((process.taskId ?? "-").utf8)
            hasher.add(0)
        }
        hasher.add(decimal: Int64(rowCount))
        return hasher.finish()
    }
}

extension ProcessDetailQuery: ListQuery {
    public static var action: SecurityCenterAPI.Action { .listOperationProcessDetail }

    public static func decode(_ body: UnsafeRawBufferPointer) throws(ResponseDecodingError) -> SubtaskPage {
        try DetailPageDecoder.decode(body)
    }
}

extension ProcessQuery: ListQuery {
    public static var action: SecurityCenterAPI.Action { .listOperationProcess }

    public static func decode(_ body: UnsafeRawBufferPointer) throws(ResponseDecodingError) -> ProcessPage {
        try ProcessPageDecoder.decode(body)
    }
}
