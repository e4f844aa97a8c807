import Yams

/// A strict reader over a Yams node tree: every key must be known, every value of the
/// right type, and every error names the key path, line and column.
struct YAMLNodeReader {
    let file: String
    let node: Node
    let path: String

    func error(_ message: String, at node: Node? = nil) -> ConfigError {
        let mark = (node ?? self.node).mark
        return ConfigError(file: file, line: mark?.line, column: mark?.column, keyPath: path, message: message)
    }

    /// The entries of a mapping, rejecting keys outside `allowed` and duplicates.
    func mapping(allowed: Set<String>) throws(ConfigError) -> [String: YAMLNodeReader] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping, found \(kind)")
        }
        var entries: [String: YAMLNodeReader] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw error("keys must be plain strings", at: keyNode)
            }
            let childPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            guard allowed.contains(key.string) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigError(
                    file: file, line: keyNode.mark?.line, column: keyNode.mark?.column, keyPath: childPath,
                    message: "unknown key (known keys here: \(known))"
                )
            }
            guard entries[key.string] == nil else {
                throw ConfigError(
                    file: file, line: keyNode.mark?.line, column: keyNode.mark?.column, keyPath: childPath,
                    message: "key given twice"
                )
            }
            entries[key.string] = YAMLNodeReader(file: file, node: valueNode, path: childPath)
        }
        return entries
    }

    /// The items of a sequence.
    func sequence() throws(ConfigError) -> [YAMLNodeReader] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list, found \(kind)")
        }
        return sequence.enumerated().map { index, item in
            YAMLNodeReader(file: file, node: item, path: "\(path)[\(index)]")
        }
    }

    /// Whether the value is YAML null (`~`, `null` or empty).
    var isNull: Bool {
        if case .scalar(let scalar) = node,
            scalar.tag == Tag(.null)
                || (scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string))
        {
            return true
        }
        return false
    }

    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error("expected a string, found \(kind)")
        }
        return scalar.string
    }

    func nonEmptyString() throws(ConfigError) -> String {
        let value = try string()
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text) else { throw error("expected an integer, found \"\(text)\"") }
        guard range.contains(value) else {
            throw error("must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
        }
        return value
    }

    func double() throws(ConfigError) -> Double {
        let text = try string()
        guard let value = Double(text), value.isFinite else { throw error("expected a number, found \"\(text)\"") }
        return value
    }

    /// A Prometheus duration of at least `minimum` (`what` names the minimum in the error
    /// when it is not a constant).
    func duration(minimum: Duration, what: String? = nil) throws(ConfigError) -> Duration {
        let text = try string()
        guard let value = PrometheusDuration.parse(text) else {
            throw error("\"\(text)\" is not a duration (use forms such as 30s, 5m, 1h30m)")
        }
        guard value >= minimum else {
            let bound = PrometheusDuration.format(minimum)
            throw error("must be at least \(what.map { "\($0) (\(bound))" } ?? bound), found \(text)")
        }
        return value
    }

    func stringList() throws(ConfigError) -> [String] {
        var values: [String] = []
        for item in try sequence() { values.append(try item.nonEmptyString()) }
        return values
    }

    private var kind: String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
