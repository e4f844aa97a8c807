import AsyncHTTPClient
import Foundation
import HummingbirdBcrypt
import NIOSSL
import Testing

@testable import SASExporter

/// exporter-toolkit's published web-config cases (its `web/testdata/*.yml` and the outcomes
/// `web/tls_config_test.go` expects), rewritten here: every good file is served as the
/// toolkit serves it, every bad one refused with a one-line error naming the key.
@Suite("exporter-toolkit web-config cases", .serialized)
struct WebToolkitCompatibilityTests {
    /// The toolkit's test material, made by `openssl`: an RSA server certificate for
    /// localhost and 127.0.0.1 (RSA, because some cases allow `TLS_ECDHE_RSA_*` suites
    /// only), two self-signed client certificates (`client2` names `test3`), the server's
    /// chain as `tls-ca-chain.pem` and a file that holds no certificate.
    struct Files {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        static func make() throws -> Files {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sas-toolkit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let ec = [
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-addext",
                "extendedKeyUsage=clientAuth",
            ]
            try TestCertificates.run(
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", "server.key", "-out",
                    "server.crt",
                ], in: directory)
            try TestCertificates.run(
                ["req", "-x509"] + ec + [
                    "-subj", "/CN=client", "-keyout", "client_selfsigned.key", "-out", "client_selfsigned.pem",
                ], in: directory)
            try TestCertificates.run(
                ["req", "-x509"] + ec + [
                    "-subj", "/CN=client2", "-addext", "subjectAltName=DNS:test3,IP:192.168.1.1", "-keyout",
                    "client2_selfsigned.key", "-out", "client2_selfsigned.pem",
                ], in: directory)
            try FileManager.default.copyItem(
                atPath: directory.appendingPathComponent("server.crt").path,
                toPath: directory.appendingPathComponent("tls-ca-chain.pem").path)
            try "this is not a certificate\n".write(
                to: directory.appendingPathComponent("tls-ca-chain-invalid.pem"), atomically: true, encoding: .utf8)
            return Files(directory: directory)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// The server certificate and key as inline YAML block scalars.
        func inlinePEM() throws -> String {
            func block(_ name: String) throws -> String {
                try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n").map { "    \($0)" }
                    .joined(separator: "\n")
            }
            return "  cert: |\n\(try block("server.crt"))\n  key: |\n\(try block("server.key"))\n"
        }
    }

    static let header = "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"

    /// A well-formed hash at `cost` whose password nobody knows (for users never logged in).
    static func placeholder(cost: Int) -> String { BcryptHash.decoy(cost: cost)?.text ?? "" }

    @Test func goodFilesAreServedAsTheToolkitServesThem() async throws {
        let files = try Files.make()
        defer { files.remove() }
        let trust = files.path("server.crt")
        func tls(_ change: (inout TestRequest.TLSOptions) -> Void = { _ in }) -> TestRequest {
            var options = TestRequest.TLSOptions(trust: trust)
            change(&options)
            return TestRequest(tls: options)
        }
        let client = (chain: files.path("client_selfsigned.pem"), key: files.path("client_selfsigned.key"))
        let client2 = (chain: files.path("client2_selfsigned.pem"), key: files.path("client2_selfsigned.key"))
        let dave = WebBasicAuthTests.basic("dave", "dave123")
        let daveHash = Bcrypt.hash("dave123", cost: 10)
        let carolHash = Bcrypt.hash("carol123", cost: 10)
        let users =
            "basic_auth_users:\n  alice: \(Self.placeholder(cost: 12))\n  carol: \(carolHash)\n  dave: \(daveHash)\n"

        /// Each case: the toolkit's file name, the YAML, and what clients must see.
        let cases: [(String, String, (Int) async throws -> Void)] = [
            (
                "web_config_empty.yml", "",
                { (port: Int) async throws in
                    #expect(try await TestRequest().send(to: port).status == 200)
                }
            ),
            (
                "web_config_noAuth.good.yml", Self.header + "  client_auth_type: \"VerifyClientCertIfGiven\"\n",
                { (port: Int) async throws in
                    let answer = try await tls().send(to: port)
                    #expect(answer.status == 200, "no client certificate is fine with VerifyClientCertIfGiven")
                    #expect(answer.version == "HTTP/2.0", "HTTP/2 is on by default over TLS")
                    await #expect(throws: (any Error).self, "a plain HTTP request to the HTTPS listener fails") {
                        try await TestRequest().send(to: port)
                    }
                    await #expect(throws: (any Error).self, "a TLS 1.1 client is refused") {
                        try await tls { $0.maxVersion = .tlsv11 }.send(to: port)
                    }
                    await #expect(throws: (any Error).self, "a given certificate is verified, against the system roots")
                    {
                        try await tls { $0.certificate = client }.send(to: port)
                    }
                }
            ),
            (
                "web_config_noAuth_tlsInline.good.yml",
                "tls_server_config:\n" + (try files.inlinePEM()) + "  client_auth_type: \"VerifyClientCertIfGiven\"\n",
                { (port: Int) async throws in
                    #expect(try await tls().send(to: port).status == 200)
                }
            ),
            (
                "web_config_noAuth_allCiphers.good.yml",
                Self.header + """
                      client_auth_type: "VerifyClientCertIfGiven"
                      cipher_suites:
                      - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                      - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                      - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                      - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
                      - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                      - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
                      - TLS_AES_128_GCM_SHA256
                      - TLS_AES_256_GCM_SHA384
                      - TLS_CHACHA20_POLY1305_SHA256
                      - TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
                      - TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
                      - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
                      - TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
                      - TLS_RSA_WITH_AES_128_CBC_SHA
                      - TLS_RSA_WITH_AES_256_CBC_SHA
                      - TLS_RSA_WITH_AES_128_GCM_SHA256
                      - TLS_RSA_WITH_AES_256_GCM_SHA384

                    """,
                { (port: Int) async throws in
                    #expect(try await tls().send(to: port).status == 200)
                }
            ),
            (
                "web_config_noAuth_someCiphers.good.yml",
                Self.header + """
                      client_auth_type: "VerifyClientCertIfGiven"
                      cipher_suites:
                      - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                      - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
                      min_version: TLS12
                      max_version: TLS12

                    """,
                { (port: Int) async throws in
                    #expect(
                        try await tls { $0.cipherSuites = [.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] }.send(to: port)
                            .status == 200)
                    await #expect(throws: (any Error).self, "no common cipher: handshake failure") {
                        try await tls { $0.cipherSuites = [.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA] }.send(to: port)
                    }
                }
            ),
            (
                "web_config_noAuth_someCiphers_noOrder.good.yml",
                """
                tls_server_config :
                  cert_file : "server.crt"
                  key_file : "server.key"
                  client_auth_type : "VerifyClientCertIfGiven"
                  cipher_suites:
                  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
                  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                  prefer_server_cipher_suites: false
                  min_version: TLS12
                  max_version: TLS12

                """,
                { (port: Int) async throws in
                    #expect(
                        try await tls {
                            $0.cipherSuites = [
                                .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                            ]
                        }.send(to: port).status == 200)
                }
            ),
            (
                "web_config_noAuth_allCurves.good.yml",
                Self.header + """
                      client_auth_type: "VerifyClientCertIfGiven"
                      curve_preferences:
                        - CurveP256
                        - CurveP384
                        - CurveP521
                        - X25519
                        - X25519MLKEM768

                    """,
                { (port: Int) async throws in
                    #expect(try await tls().send(to: port).status == 200)
                }
            ),
            (
                "web_config_noAuth_someCurves.good.yml",
                Self.header + """
                      client_auth_type: "VerifyClientCertIfGiven"
                      min_version: TLS13
                      curve_preferences:
                      - CurveP521

                    """,
                { (port: Int) async throws in
                    #expect(try await tls { $0.curves = [.secp521r1] }.send(to: port).status == 200)
                    await #expect(throws: (any Error).self, "no common curve: handshake failure") {
                        try await tls { $0.curves = [.secp384r1] }.send(to: port)
                    }
                }
            ),
            (
                "web_config_noAuth_noHTTP2.good.yml",
                Self.header + """
                      client_auth_type: "VerifyClientCertIfGiven"
                      cipher_suites:
                        - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
                      max_version: TLS12
                    http_server_config:
                      http2: false

                    """,
                { (port: Int) async throws in
                    let answer = try await tls().send(to: port)
                    #expect(answer.status == 200 && answer.version == "HTTP/1.1", "http2: false serves HTTP/1.1 only")
                }
            ),
            (
                "web_config_headers.good.yml",
                """
                http_server_config:
                  headers:
                    X-Frame-Options: deny
                    Strict-Transport-Security: max-age=31536000; includeSubDomains
                    X-Content-Type-Options: nosniff
                    X-XSS-Protection: 1
                    Content-Security-Policy: "default-src 'self' *.test.example.net"

                """,
                { (port: Int) async throws in
                    let answer = try await TestRequest().send(to: port)
                    #expect(answer.status == 200)
                    #expect(
                        answer.headers["x-frame-options"] == ["deny"] && answer.headers["x-xss-protection"] == ["1"])
                    #expect(answer.headers["content-security-policy"] == ["default-src 'self' *.test.example.net"])
                }
            ),
            (
                "tls_config_noAuth.requireanyclientcert.good.yml",
                Self.header + "  client_auth_type: \"RequireAnyClientCert\"\n  client_ca_file: \"tls-ca-chain.pem\"\n",
                { (port: Int) async throws in
                    #expect(
                        try await tls { $0.certificate = client }.send(to: port).status == 200,
                        "any certificate, unverified")
                    await #expect(throws: (any Error).self, "but one is required") { try await tls().send(to: port) }
                }
            ),
            (
                "tls_config_noAuth.requireandverifyclientcert.good.yml",
                Self.header
                    + "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: "
                    + "\"client_selfsigned.pem\"\n",
                { (port: Int) async throws in
                    #expect(try await tls { $0.certificate = client }.send(to: port).status == 200)
                    await #expect(throws: (any Error).self, "a certificate of another CA is refused") {
                        try await tls { $0.certificate = client2 }.send(to: port)
                    }
                }
            ),
            (
                "web_config_auth_client_san.good.yaml",
                Self.header + """
                      client_auth_type: "RequireAndVerifyClientCert"
                      client_ca_file: "client2_selfsigned.pem"
                      client_allowed_sans:
                        - "one"
                        - "test3"
                        - "two"

                    """,
                { (port: Int) async throws in
                    #expect(
                        try await tls { $0.certificate = client2 }.send(to: port).status == 200,
                        "the certificate names test3")
                    await #expect(throws: (any Error).self, "the chain is still verified") {
                        try await tls { $0.certificate = client }.send(to: port)
                    }
                }
            ),
            (
                "web_config_auth_client_san.bad.yaml (a good file: the client is refused)",
                Self.header + """
                      client_auth_type: "RequireAndVerifyClientCert"
                      client_ca_file: "client2_selfsigned.pem"
                      client_allowed_sans:
                        - "bad"

                    """,
                { (port: Int) async throws in
                    await #expect(throws: (any Error).self, "no allowed SAN: handshake failure") {
                        try await tls { $0.certificate = client2 }.send(to: port)
                    }
                }
            ),
            (
                "client_allowed_sans with RequireAnyClientCert and an IP name",
                Self.header + "  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [\"192.168.1.1\"]\n",
                { (port: Int) async throws in
                    #expect(try await tls { $0.certificate = client2 }.send(to: port).status == 200)
                    await #expect(throws: (any Error).self, "a certificate without the name") {
                        try await tls { $0.certificate = client }.send(to: port)
                    }
                }
            ),
            (
                "web_config_rate_limiter_nonblocking.yaml", "rate_limit:\n  interval: 0\n  burst: 0\n",
                { (port: Int) async throws in
                    for _ in 0...10 { #expect(try await TestRequest().send(to: port).status == 200) }
                }
            ),
            (
                "web_config_rate_limiter_one_second.yaml", "rate_limit:\n  interval: \"1s\"\n  burst: 0\n",
                { (port: Int) async throws in
                    let answer = try await TestRequest().send(to: port)
                    #expect(answer.status == 429 && answer.body == "Too Many Requests\n")
                }
            ),
            (
                "rate limit with a burst", "rate_limit:\n  interval: 1m\n  burst: 2\n",
                { (port: Int) async throws in
                    let statuses = try await [
                        TestRequest().send(to: port).status, TestRequest().send(to: port).status,
                        TestRequest().send(to: port).status,
                    ]
                    #expect(statuses == [200, 200, 429], "two tokens, then one a minute")
                }
            ),
            (
                "web_config_users_noTLS.good.yml", users + "  bob: \(Self.placeholder(cost: 14))\n",
                { (port: Int) async throws in
                    #expect(try await TestRequest().send(to: port).status == 401)
                    #expect(try await TestRequest(authorization: dave).send(to: port).status == 200)
                }
            ),
            (
                "web_config_users.good.yml", Self.header + users + "  bob: \(Self.placeholder(cost: 18))\n",
                { (port: Int) async throws in
                    #expect(try await tls().send(to: port).status == 401)
                    #expect(try await tls { _ in }.with(authorization: dave).send(to: port).status == 200)
                    #expect(
                        try await tls().with(authorization: WebBasicAuthTests.basic("carol", "carol123")).send(to: port)
                            .status == 200)
                    #expect(
                        try await tls().with(authorization: WebBasicAuthTests.basic("dave", "bad")).send(to: port)
                            .status == 401)
                    let started = ContinuousClock.now
                    #expect(
                        try await tls().with(authorization: WebBasicAuthTests.basic("nonexistent", "nonexistent")).send(
                            to: port
                        ).status == 401)
                    #expect(
                        ContinuousClock.now - started < .seconds(8),
                        "bob's cost 18 does not set the decoy (about 15 s at cost 18 here)")
                }
            ),
            (
                "web_config_noAuth.good.blocking.yml",
                Self.header + "  client_auth_type: \"RequireAndVerifyClientCert\"\n",
                { (port: Int) async throws in
                    await #expect(throws: (any Error).self, "a certificate is required") {
                        try await tls().send(to: port)
                    }
                    await #expect(throws: (any Error).self, "and must chain to the system roots") {
                        try await tls { $0.certificate = client }.send(to: port)
                    }
                }
            ),
        ]
        for (name, yaml, check) in cases {
            let settings: WebServerSettings
            do {
                settings = try ListenerHarness.settings(yaml, in: files.directory)
            } catch {
                Issue.record("\(name) was refused: \(error)")
                continue
            }
            try await ListenerHarness.run(web: settings) { port in
                do { try await check(port) } catch { Issue.record("\(name): \(error)") }
            }
        }
    }

    /// Each bad file of the toolkit, with the key its error must name.
    static let badFiles: [(name: String, yaml: String, key: String)] = [
        ("web_config_junk.yml", "tls_server_config\n  cert_file: a\n - [\n", "web.yml:"),
        (
            "web_config_junk_key.yml", "tls_server_config:\n  cert_filse: \"server.crt\"\n",
            "tls_server_config.cert_filse"
        ),
        (
            "web_config_noAuth_certPath_empty.bad.yml",
            "tls_server_config:\n  cert_file: \"\"\n  key_file: \"server.key\"\n", "`cert_file`"
        ),
        (
            "web_config_noAuth_cert_empty.bad.yml", "tls_server_config:\n  cert: \"\"\n  key_file: \"server.key\"\n",
            "`cert_file`"
        ),
        (
            "web_config_noAuth_keyPath_empty.bad.yml",
            "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"\"\n", "`key_file`"
        ),
        (
            "web_config_noAuth_key_empty.bad.yml", "tls_server_config:\n  cert_file: \"server.crt\"\n  key: \"\"\n",
            "`key_file`"
        ),
        (
            "web_config_noAuth_certPath_keyPath_empty.bad.yml",
            "tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n  client_auth_type: \"x\"\n", "`cert_file`"
        ),
        (
            "web_config_noAuth_certPath_invalid.bad.yml",
            "tls_server_config:\n  cert_file: \"somefile\"\n  key_file: \"server.key\"\n", "tls_server_config.cert_file"
        ),
        (
            "web_config_noAuth_keyPath_invalid.bad.yml",
            "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"somefile\"\n", "tls_server_config.key_file"
        ),
        (
            "web_config_noAuth_certPath_keyPath_invalid.bad.yml",
            "tls_server_config:\n  cert_file: \"somefile\"\n  key_file: \"somefile\"\n", "tls_server_config.cert_file"
        ),
        ("web_config_noAuth.bad.yml", header + "  client_ca_file: \"/dev/null\"\n", "client_auth_type"),
        (
            "web_config_auth_clientCAs_invalid.bad.yml",
            header + "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: \"somefile\"\n",
            "tls_server_config.client_ca_file"
        ),
        (
            "web_config_auth_clientCAs_nocerts.bad.yml",
            header
                + "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: "
                + "\"tls-ca-chain-invalid.pem\"\n",
            "tls_server_config.client_ca_file"
        ),
        (
            "web_config_auth_clientCAsText_nocerts.bad.yml",
            header + "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca: \"not a certificate\"\n",
            "tls_server_config.client_ca"
        ),
        (
            "web_config_auth_user_list_invalid.bad.yml", header + "basic_auth_users:\n  john: doe\n",
            "basic_auth_users.john"
        ),
        (
            "web_config_noAuth_inventedCiphers.bad.yml",
            header
                + "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n  - "
                + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048\n",
            "tls_server_config.cipher_suites[0]"
        ),
        (
            "web_config_noAuth_inventedCurves.bad.yml",
            header + "  client_auth_type: \"VerifyClientCertIfGiven\"\n  curve_preferences:\n  - CurveP257\n",
            "tls_server_config.curve_preferences[0]"
        ),
        (
            "web_config_noAuth_wrongTLSVersion.bad.yml",
            header + "  client_auth_type: \"VerifyClientCertIfGiven\"\n  min_version: TLS111\n",
            "tls_server_config.min_version"
        ),
        (
            "web_config_noAuth_noHTTP2Cipher.bad.yml",
            header
                + "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n    - "
                + "TLS_RSA_WITH_AES_128_CBC_SHA\n  max_version: TLS12\n",
            "tls_server_config.cipher_suites"
        ),
        (
            "web_config_headers_content_type_options.bad.yml",
            "http_server_config:\n  headers:\n    X-Content-Type-Options: DENY\n",
            "http_server_config.headers.X-Content-Type-Options"
        ),
        (
            "web_config_headers_frame_options.bad.yml",
            "http_server_config:\n  headers:\n    X-Frame-Options: allow-from https://example.com/\n",
            "http_server_config.headers.X-Frame-Options"
        ),
        (
            "web_config_headers_extra_header.bad.yml", "http_server_config:\n  headers:\n    Content-Type: foo\n",
            "http_server_config.headers.Content-Type"
        ),
        (
            "web_config_auth_client_san_no_client_auth.bad.yaml", header + "  client_allowed_sans:\n    - \"one\"\n",
            "tls_server_config.client_allowed_sans"
        ),
        (
            "web_config_auth_client_san_optional_cert.bad.yaml",
            header
                + "  client_auth_type: \"VerifyClientCertIfGiven\"\n  client_ca_file: "
                + "\"client2_selfsigned.pem\"\n  client_allowed_sans:\n    - \"one\"\n",
            "tls_server_config.client_allowed_sans"
        ),
    ]

    @Test func badFilesAreRefusedWithOneLineNamingTheKey() throws {
        let files = try Files.make()
        defer { files.remove() }
        for bad in Self.badFiles {
            do {
                _ = try ListenerHarness.settings(bad.yaml, in: files.directory)
                Issue.record("\(bad.name) was accepted")
            } catch {
                let text = "\(error)"
                #expect(!text.contains("\n"), "\(bad.name): one line: \(text)")
                #expect(text.contains(bad.key), "\(bad.name): names \(bad.key): \(text)")
                #expect(text.hasPrefix(files.path("web.yml")), "\(bad.name): names the file: \(text)")
            }
        }
        #expect(throws: ConfigError.self, "a missing file (the toolkit's `somefile`)") {
            try WebServerSettings.load(path: files.path("somefile"), logger: .init(label: "test"))
        }
    }
}

extension TestRequest {
    func with(authorization: String) -> TestRequest {
        var copy = self
        copy.authorization = authorization
        return copy
    }
}
