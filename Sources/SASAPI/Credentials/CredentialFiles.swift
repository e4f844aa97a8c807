import Foundation

/// How the credential chain reads its files (`~/.aliyun/config.json`,
/// `~/.alibabacloud/credentials.ini`); tests inject contents instead of touching the disk.
public struct CredentialFiles: Sendable {
    /// The bytes of the file at `path`; nil when there is no such file. Throws
    /// `CredentialFileError` when the file exists but cannot be read.
    public var read: @Sendable (_ path: String) throws -> Data?

    public init(read: @escaping @Sendable (_ path: String) throws -> Data?) {
        self.read = read
    }

    /// Files larger than this are refused (a credentials file is a few hundred bytes).
    public static let maxBytes = 1024 * 1024

    /// The real file system.
    public static let live = CredentialFiles { path in
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CredentialFileError(file: path, message: "exists but cannot be read")
        }
        guard data.count <= maxBytes else {
            throw CredentialFileError(file: path, message: "is larger than \(maxBytes) bytes")
        }
        return data
    }

    /// Only the given files exist, with the given text (tests).
    public static func inMemory(_ files: [String: String]) -> CredentialFiles {
        CredentialFiles { path in files[path].map { Data($0.utf8) } }
    }

    /// No file exists.
    public static let none = CredentialFiles { _ in nil }
}

/// A credentials file that exists but is broken (bad syntax, unknown type or mode, a
/// missing key). It stops the credential chain: a file the operator wrote is not silently
/// passed over for another identity. The message names the file (and line) and never
/// contains a value read from the file.
public struct CredentialFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based line for INI syntax errors; nil otherwise.
    public let line: Int?
    public let message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}
