import Foundation
import SASExporter
import Testing

/// The built `sas-exporter` binary, run as users run it. `swift build --build-tests`
/// (what scripts/test does) builds it beside the tests; `SAS_BIN` may point elsewhere.
@Suite("The sas-exporter executable", .serialized)
struct ProcessTests {
    static var binary: String {
        if let directory = ProcessInfo.processInfo.environment["SAS_BIN"] { return directory + "/sas-exporter" }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/sas-exporter").path
    }

    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs the binary to completion with a bounded wait.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sas-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
    }

    @Test func configCheckAcceptsAGoodFile() throws {
        let path = try Self.temporaryFile("accounts:\n  - name: prod\n    region: cn-hangzhou\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try Self.run(["--config.check", "--config.file=\(path)"])
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("OK (1 accounts"))
    }

    @Test func configCheckRejectsABadFileWithPathAndLine() throws {
        let path = try Self.temporaryFile("accounts:\n  - name: prod\n    region: cn-hangzhou\n    colour: blue\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try Self.run(["--config.check", "--config.file", path])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("\(path):4:5: accounts[0].colour: unknown key"))
    }

    @Test func missingCredentialsIsOneClearSentence() throws {
        let outcome = try Self.run(
            ["--sas.region", "cn-hangzhou"], environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"])
        #expect(outcome.status == 1)
        let lines = outcome.output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(
            outcome.output.contains(
                "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
    }

    @Test func versionAndHelp() throws {
        // The binary and this test were built from the same environment (SAS_VERSION,
        // SAS_REVISION; scripts/check-deploy checks that the test command sets them).
        let version = try Self.run(["--version"]).output
        #expect(version.hasPrefix("sas-exporter \(BuildFacts.version) (revision \(BuildFacts.revision)"), "\(version)")
        let help = try Self.run(["--help"]).output
        for flag in [
            "--config.file", "--web.listen-address", "--log.level", "--log.format", "--config.check", "--demo",
            "--shard.index", "--shard.count",
        ] {
            #expect(help.contains(flag), "--help explains \(flag)")
        }
    }

    @Test func sigtermStopsTheDemoWithinTwoSeconds() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--demo", "--web.listen-address", "127.0.0.1:0", "--log.format", "json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Wait for the first complete poll in the log.
        var log = ""
        let reader = pipe.fileHandleForReading
        let started = Date()
        while !log.contains("\"msg\":\"poll complete\""), Date().timeIntervalSince(started) < 30 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        #expect(log.contains("\"msg\":\"poll complete\""), "the demo polls: \(log.suffix(500))")
        #expect(!log.contains("demo-secret"), "the demo key's secret is never logged")
        let stopAsked = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, Date().timeIntervalSince(stopAsked) < 5 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!process.isRunning)
        #expect(Date().timeIntervalSince(stopAsked) < 2)
        #expect(process.terminationStatus == 0)
    }

    @Test func sighupReloadsAndRefusesABadFile() async throws {
        let path = try Self.temporaryFile(
            "accounts:\n  - name: a\n    endpoint: http://127.0.0.1:1\n    interval: 100s\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--config.file", path, "--web.listen-address", "127.0.0.1:0"]
        process.environment = [
            "PATH": "/usr/bin:/bin", "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "TOPSECRET-sighup",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let reader = pipe.fileHandleForReading
        var log = ""
        func waitFor(_ text: String) -> Bool {
            let started = Date()
            while !log.contains(text), Date().timeIntervalSince(started) < 20 {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                log += String(decoding: chunk, as: UTF8.self)
            }
            return log.contains(text)
        }
        #expect(waitFor("msg=listening"))
        try "accounts:\n  - name: a\n    endpoint: http://127.0.0.1:1\n    oops: 1\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(waitFor("configuration refused"))
        #expect(log.contains("\(path):4:5: accounts[0].oops: unknown key"))
        try "accounts:\n  - name: b\n    endpoint: http://127.0.0.1:1\n    interval: 100s\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(waitFor("configuration reloaded"))
        #expect(process.isRunning)
        #expect(!log.contains("TOPSECRET-sighup"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
