import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import SASAPI
import SASTestKit
import ServiceLifecycle
import Testing

@testable import SASExporter

/// Certificates made for one test run by `openssl` in a temporary directory: a
/// self-signed server certificate for 127.0.0.1, a client CA, a client certificate it
/// signed, and a self-signed client certificate it did not.
struct TestCertificates {
    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certs = TestCertificates(directory: directory)
        try "extendedKeyUsage=clientAuth\n".write(toFile: certs.path("client.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        try run(
            ["req", "-x509"] + ec + [
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "server.key", "-out",
                "server.crt",
            ], in: directory)
        try run(
            ["req", "-x509"] + ec + ["-subj", "/CN=sas test client CA", "-keyout", "ca.key", "-out", "ca.crt"],
            in: directory)
        try run(
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                "/CN=prometheus", "-keyout", "client.key", "-out", "client.csr",
            ], in: directory)
        try run(
            [
                "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days",
                "2", "-extfile", "client.ext", "-out", "client.crt",
            ], in: directory)
        try run(
            ["req", "-x509"] + ec + ["-subj", "/CN=stranger", "-keyout", "stranger.key", "-out", "stranger.crt"],
            in: directory)
        return certs
    }

    static func run(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw OpenSSLFailed(arguments: arguments) }
    }

    struct OpenSSLFailed: Error { let arguments: [String] }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("TLS on the exporter's listener")
struct WebTLSTests {
    /// Runs the exporter's own `httpServer` on 127.0.0.1 with an ephemeral port.
    static func withServer(web: WebServerSettings, _ body: (Int) async throws -> Void) async throws {
        let served = try ExporterApplication.make(
            configuration: ExporterConfiguration(accounts: [
                AccountConfiguration(
                    name: "prod", endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: 1),
                    interval: .seconds(100)
                )
            ]),
            configFile: nil, listen: ListenAddress(host: "127.0.0.1", port: 0),
            build: .init(version: "test", revision: "none", swiftVersion: "6"),
            makeSource: { _, _ in FakePollSource() }, web: web, logger: Logger(label: "test")
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try served.httpServer(onServerRunning: { continuation.yield($0) })
        try await ListenerHarness.serve(server, ports: ports, body)
    }

    /// GETs `uri` over HTTPS trusting only the test server certificate.
    static func get(
        _ port: Int, _ uri: String, certs: TestCertificates, clientCert: String? = nil, authorization: String? = nil
    ) async throws -> Int {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certs.path("server.crt")))
        if let clientCert {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certs.path("\(clientCert).crt")).map {
                .certificate($0)
            }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certs.path("\(clientCert).key"), format: .pem))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(uri)")
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return Int(response.status.code)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func settings(_ certs: TestCertificates, _ yaml: String) throws -> WebServerSettings {
        let path = certs.path("web.yml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try WebServerSettings.load(path: path, logger: Logger(label: "test"))
    }

    /// Serves a web config whose `tls_server_config` has the test server's certificate
    /// and key, then `extra` (the rest of that block, indented two spaces, and any further
    /// top-level keys), and runs `body` with the certificates and the port.
    static func withTLSServer(
        _ extra: String = "", _ body: (TestCertificates, Int) async throws -> Void
    ) async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let web = try settings(certs, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n" + extra)
        try await withServer(web: web) { port in try await body(certs, port) }
    }

    @Test func servesHTTPSWithBasicAuth() async throws {
        try await Self.withTLSServer("basic_auth_users:\n  alice: \(WebBasicAuthTests.htpasswdHash)\n") { certs, port in
            let anonymous = try await Self.get(port, "/-/healthy", certs: certs)
            #expect(anonymous == 401)
            let authorised = try await Self.get(
                port, "/metrics", certs: certs, authorization: WebBasicAuthTests.basic("alice", "s3cret-Pass"))
            #expect(authorised == 200)
        }
    }

    @Test func requiredClientCertificateIsEnforced() async throws {
        try await Self.withTLSServer("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n") {
            certs, port in
            await #expect(throws: (any Error).self, "no client certificate") {
                try await Self.get(port, "/-/healthy", certs: certs)
            }
            await #expect(throws: (any Error).self, "a client certificate the CA did not sign") {
                try await Self.get(port, "/-/healthy", certs: certs, clientCert: "stranger")
            }
            let withCertificate = try await Self.get(port, "/-/healthy", certs: certs, clientCert: "client")
            #expect(withCertificate == 200)
        }
    }

    @Test func optionalClientCertificateLetsPlainClientsIn() async throws {
        try await Self.withTLSServer(
            "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n  min_version: TLS13\n"
        ) { certs, port in
            let withoutCertificate = try await Self.get(port, "/-/healthy", certs: certs)
            #expect(withoutCertificate == 200)
            let withCertificate = try await Self.get(port, "/-/healthy", certs: certs, clientCert: "client")
            #expect(withCertificate == 200)
            await #expect(throws: (any Error).self, "a certificate that is given must verify") {
                try await Self.get(port, "/-/healthy", certs: certs, clientCert: "stranger")
            }
        }
    }

    @Test func requireAnyClientCertAcceptsAnyCertificateButNeedsOne() async throws {
        try await Self.withTLSServer("  client_auth_type: RequireAnyClientCert\n") { certs, port in
            await #expect(throws: (any Error).self, "no client certificate") {
                try await Self.get(port, "/-/healthy", certs: certs)
            }
            let stranger = try await Self.get(port, "/-/healthy", certs: certs, clientCert: "stranger")
            #expect(stranger == 200, "any certificate is accepted, as in Go's RequireAnyClientCert")
        }
    }

    @Test func badTLSMaterialIsReportedAtLoad() throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let file = certs.path("web.yml")
        #expect(
            throws: ConfigError(
                file: file, keyPath: "tls_server_config.cert_file",
                message: "cannot read \(certs.path("missing.crt")) (no such file)")
        ) {
            try Self.settings(certs, "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n")
        }
        #expect(
            throws: ConfigError(
                file: file, keyPath: "tls_server_config.cert_file",
                message: "holds no valid PEM certificate (failedToLoadCertificate)")
        ) {
            try Self.settings(certs, "tls_server_config:\n  cert_file: client.ext\n  key_file: server.key\n")
        }
        do {
            _ = try Self.settings(certs, "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n")
            Issue.record("a key that does not match the certificate was accepted")
        } catch let error as ConfigError {
            #expect(error.keyPath == "tls_server_config" && error.message.hasPrefix("the TLS settings were refused"))
        }
    }
}
