import Foundation
import Yams

/// What the configuration file and the web configuration file share: reading the file and
/// parsing its YAML into a strict `YAMLNodeReader`, every failure a `ConfigError`.
enum YAMLDocument {
    /// The text of the file at `path`; `what` names it in the error ("configuration file").
    static func read(_ path: String, what: String, with readFile: (String) throws -> String) throws(ConfigError)
        -> String
    {
        do {
            return try readFile(path)
        } catch {
            throw ConfigError(file: path, message: "cannot read the \(what) (\(reason(error)))")
        }
    }

    /// The root of `text`, nil for an empty document; `file` names it in errors.
    static func root(_ text: String, file: String) throws(ConfigError) -> YAMLNodeReader? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw describe(error, file: file)
        } catch {
            throw ConfigError(file: file, message: "not valid YAML")
        }
        guard let node else { return nil }
        let reader = YAMLNodeReader(file: file, node: node, path: "")
        return reader.isNull ? nil : reader
    }

    /// A file error in a few words, with nothing of the file's content.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return "read error"
    }

    /// A Yams error with its line and column.
    static func describe(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return ConfigError(file: file, message: "invalid YAML: \(problem)")
        default:
            return ConfigError(file: file, message: "invalid YAML")
        }
    }
}
