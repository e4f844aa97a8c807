import Testing

@testable import SASAPI

@Suite("INI credentials file parser")
struct INIFileTests {
    @Test func sectionsKeysAndComments() throws {
        let text = """
            \u{FEFF}# a comment
            ; another
            [default]
            type = access_key   # inline comment
            Access_Key_Id=LTAIini
            access_key_secret = "TOPSECRET-ini"

            [other]
            role_arn = acs:ram::1:role/r;not-a-comment
            empty =
            """
        let file = try INIFile(parsing: text, file: "/h/credentials.ini")
        #expect(
            file.sections["default"] == [
                "type": "access_key", "access_key_id": "LTAIini", "access_key_secret": "TOPSECRET-ini",
            ])
        #expect(file.sections["other"] == ["role_arn": "acs:ram::1:role/r;not-a-comment", "empty": ""])
    }

    @Test(arguments: [
        ("[default]\ntype = access_key\nTOPSECRET-garbage-line\n", 3, "expected `[section]`"),
        ("access_key_secret = TOPSECRET-early\n[default]\n", 1, "outside any [section]"),
        ("[default\naccess_key_secret = TOPSECRET-x\n", 1, "must end with `]`"),
        ("[default]\naccess_key_secret = TOPSECRET-a\naccess_key_secret = TOPSECRET-b\n", 3, "appears twice"),
        ("[default]\n[default]\n", 2, "appears twice"),
        ("[]\n", 1, "empty section name"),
        ("[default]\n = TOPSECRET-nokey\n", 2, "expected a key"),
    ])
    func badLinesNameFileAndLineWithoutTheirText(text: String, line: Int, message: String) {
        do {
            _ = try INIFile(parsing: text, file: "/h/credentials.ini")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "/h/credentials.ini")
            #expect(error.line == line)
            #expect(error.description.hasPrefix("/h/credentials.ini:\(line): "))
            #expect(error.description.contains(message))
            #expect(!error.description.contains("TOPSECRET"))
        }
    }

    @Test func crlfLineEndingsCountLines() {
        do {
            _ = try INIFile(parsing: "[default]\r\ntype = access_key\r\nbroken\r\n", file: "f.ini")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
        }
    }
}
