import Foundation

/// Why a response body could not be decoded, with the JSON path of the offending field.
public struct ResponseDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path such as `ProcessDetails[3].StartTime`, empty for the document itself.
    public let path: String
    /// What was wrong there.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? "response body: \(reason)" : "response field \(path): \(reason)"
    }
}

/// Decodes API response bodies, turning every failure into a `ResponseDecodingError`.
public enum ResponseDecoder {
    /// Decodes `type` from a JSON body.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(ResponseDecodingError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw ResponseDecodingError(path: "", reason: "not valid JSON")
        }
    }

    static func describe(_ error: DecodingError) -> ResponseDecodingError {
        switch error {
        case .typeMismatch(let type, let context):
            return .init(
                path: render(context.codingPath), reason: "expected \(describeType(type)), \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return .init(path: render(context.codingPath), reason: "missing \(describeType(type))")
        case .keyNotFound(let key, let context):
            return .init(path: render(context.codingPath + [key]), reason: "missing key")
        case .dataCorrupted(let context):
            return .init(path: render(context.codingPath), reason: "not valid JSON")
        @unknown default:
            return .init(path: "", reason: "undecodable")
        }
    }

    static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is Int64.Type, is Int.Type: "an integer"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }

    static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}
