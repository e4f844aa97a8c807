import SASModels

/// A small, strict INI reader for `~/.alibabacloud/credentials.ini`: `[section]` headers,
/// `key = value` lines (keys case-insensitive, stored lowercased), full-line comments
/// starting with `#` or `;`, inline comments after whitespace + `#`/`;`, optional double
/// quotes around a value. Anything else is an error naming the file and line, never
/// echoing the line (it may hold a secret).
struct INIFile: Sendable {
    /// Section name → key → value.
    private(set) var sections: [String: [String: String]] = [:]

    init(parsing text: String, file: String) throws(CredentialFileError) {
        var current: String?
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            var line = Substring(raw)
            if number == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
            let trimmed = line.trimming([" ", "\t", "\r"])
            if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == ";" { continue }
            if trimmed.first == "[" {
                let header = Self.strippingInlineComment(trimmed)
                guard header.last == "]" else {
                    throw CredentialFileError(file: file, line: number, message: "a section header must end with `]`")
                }
                let name = String(header.dropFirst().dropLast().trimming([" ", "\t", "\r"]))
                guard !name.isEmpty else {
                    throw CredentialFileError(file: file, line: number, message: "empty section name")
                }
                guard sections[name] == nil else {
                    throw CredentialFileError(file: file, line: number, message: "section [\(name)] appears twice")
                }
                sections[name] = [:]
                current = name
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw CredentialFileError(
                    file: file, line: number, message: "expected `[section]`, `key = value` or a comment")
            }
            let key = trimmed[..<equals].trimming([" ", "\t", "\r"]).lowercased()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
            else {
                throw CredentialFileError(
                    file: file, line: number, message: "expected a key (letters, digits, `_`, `-`, `.`) before `=`")
            }
            guard let section = current else {
                throw CredentialFileError(file: file, line: number, message: "key `\(key)` is outside any [section]")
            }
            guard sections[section]?[key] == nil else {
                throw CredentialFileError(
                    file: file, line: number, message: "key `\(key)` appears twice in [\(section)]")
            }
            var value = Self.strippingInlineComment(trimmed[trimmed.index(after: equals)...]).trimming([
                " ", "\t", "\r",
            ])
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            sections[section]?[key] = String(value)
        }
    }

    /// Cuts `text` at the first `#` or `;` that follows whitespace.
    private static func strippingInlineComment(_ text: Substring) -> Substring {
        var previous: Character = "x"
        for index in text.indices {
            let character = text[index]
            if character == "#" || character == ";", previous == " " || previous == "\t" {
                return text[..<index].trimming([" ", "\t", "\r"])
            }
            previous = character
        }
        return text
    }
}
