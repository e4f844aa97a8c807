import Foundation
import Testing

@testable import SASExporter

/// exporter-toolkit re-reads the certificate and key for every connection; so does the
/// listener (when their files changed), without a restart.
@Suite("Server certificate rotation")
struct WebCertificateRotationTests {
    /// Makes a self-signed certificate for 127.0.0.1 named `name` (`name.crt`, `name.key`).
    static func certificate(_ name: String, in directory: URL) throws {
        try TestCertificates.run(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=\(name)", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(name).key", "-out",
                "\(name).crt",
            ], in: directory)
    }

    /// Replaces `to` with a copy of `from` the way renewal tools do (write aside, rename).
    static func replace(_ to: String, with from: String, in directory: URL) throws {
        let staged = directory.appendingPathComponent(".\(to).new")
        try? FileManager.default.removeItem(at: staged)
        try FileManager.default.copyItem(at: directory.appendingPathComponent(from), to: staged)
        guard rename(staged.path, directory.appendingPathComponent(to).path) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// A request that trusts only `name`'s certificate: it succeeds only if that one is served.
    static func trusting(_ name: String, _ directory: URL) -> TestRequest {
        TestRequest(tls: .init(trust: directory.appendingPathComponent("\(name).crt").path))
    }

    @Test func aRotatedCertificateIsServedOnTheNextHandshake() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["old", "new"] { try Self.certificate(name, in: directory) }
        try Self.replace("server.crt", with: "old.crt", in: directory)
        try Self.replace("server.key", with: "old.key", in: directory)
        let settings = try ListenerHarness.settings(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n", in: directory)
        try await ListenerHarness.run(web: settings) { port in
            #expect(try await Self.trusting("old", directory).send(to: port).status == 200)
            await #expect(throws: (any Error).self, "the new certificate is not served yet") {
                try await Self.trusting("new", directory).send(to: port)
            }

            // A renewal that writes a broken certificate first: the old pair keeps being served.
            try "-----BEGIN CERTIFICATE-----\nhalf written\n".write(
                to: directory.appendingPathComponent("server.crt"), atomically: true, encoding: .utf8)
            #expect(
                try await Self.trusting("old", directory).send(to: port).status == 200,
                "a broken file does not stop the listener")

            try Self.replace("server.crt", with: "new.crt", in: directory)
            try Self.replace("server.key", with: "new.key", in: directory)
            let rotated = try await Self.trusting("new", directory).send(to: port)
            #expect(rotated.status == 200, "the next handshake serves the new certificate, no restart")
            await #expect(throws: (any Error).self, "and no longer the old one") {
                try await Self.trusting("old", directory).send(to: port)
            }
        }
    }
}
