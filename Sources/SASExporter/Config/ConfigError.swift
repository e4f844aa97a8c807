/// A configuration problem, located by file, line and key path so the user can fix it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (empty for command-line or environment settings).
    public let file: String
    /// 1-based line, when known.
    public let line: Int?
    /// 1-based column, when known.
    public let column: Int?
    /// Key path such as `accounts[1].interval`; empty for the document itself.
    public let keyPath: String
    /// What is wrong, in one sentence.
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String = "", message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COLUMN: KEYPATH`, with the parts that are known.
    public var location: String {
        var location = file
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        if !keyPath.isEmpty { location += location.isEmpty ? keyPath : ": \(keyPath)" }
        return location
    }

    /// `FILE:LINE:COLUMN: KEYPATH: MESSAGE`, with the parts that are known.
    public var description: String {
        location.isEmpty ? message : "\(location): \(message)"
    }
}
