import Foundation
import Logging
import Testing

@testable import SASExporter

@Suite("Web configuration file")
struct WebConfigLoaderTests {
    static let hash = "$2y$05$XVGEi3bJ8ln8bdoSP/WJD.R3rR2Ffieee5LtK09tZL8TKBciwR1ti"
    let loader = WebConfigLoader(readFile: { _ in throw Missing() })
    struct Missing: Error {}

    @Test func fullFile() throws {
        let config = try loader.parse(
            """
            tls_server_config:
              cert_file: server.crt
              key_file: /etc/sas/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
              curve_preferences: [X25519, CurveP256]
              prefer_server_cipher_suites: true
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
            basic_auth_users:
              prometheus: \(Self.hash)
            """, file: "/etc/sas/web.yml", directory: "/etc/sas")
        let tls = try #require(config.tls)
        #expect(tls.certificate == .file("/etc/sas/server.crt"), "relative paths are taken from the file's directory")
        #expect(tls.key == .file("/etc/sas/server.key"))
        #expect(tls.clientCA == .file("/etc/sas/ca.crt"))
        #expect(tls.clientAuth == .requireAndVerifyClientCert)
        #expect(tls.minVersion == .tls13 && tls.maxVersion == .tls13)
        #expect(tls.cipherSuites == [0xC02B, 0xC030])
        #expect(tls.curves == [0x1D, 0x17])
        #expect(
            config.headers == [
                .init(name: "X-Frame-Options", value: "deny"),
                .init(name: "Strict-Transport-Security", value: "max-age=31536000"),
            ])
        #expect(config.users["prometheus"]?.cost == 5)
        #expect(config.users["prometheus"]?.verifiable.hasPrefix("$2b$05$XVGEi3") == true)
    }

    @Test func emptyFileAndEmptySectionsMeanPlainOpenHTTP() throws {
        #expect(try loader.parse("", file: "web.yml") == WebConfiguration())
        #expect(try loader.parse("tls_server_config: {}\nbasic_auth_users:\n", file: "web.yml") == WebConfiguration())
        #expect(
            try loader.parse("tls_server_config:\n  min_version: TLS13\n  cert_file: \"\"\n", file: "web.yml").tls
                == nil, "no certificate, key, CA or client auth type: plain HTTP, as in exporter-toolkit")
        #expect(throws: ConfigError.self, "but the values are still checked") {
            try loader.parse("tls_server_config:\n  min_version: TLS14\n", file: "web.yml")
        }
    }

    @Test func toolkitSettingsOnceRefusedAreRead() throws {
        let config = try loader.parse(
            """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_allowed_sans: [prometheus, 10.0.0.1]
              cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
              curve_preferences: [X25519MLKEM768, X25519]
            http_server_config:
              http2: true
            rate_limit:
              interval: 1.5s
              burst: 3
            """, file: "web.yml")
        let tls = try #require(config.tls)
        #expect(tls.clientCA == nil, "a verifying client_auth_type without client_ca_file uses the system roots")
        #expect(tls.allowedSANs == ["prometheus", "10.0.0.1"])
        #expect(tls.cipherSuites == [0x1301, 0xC02F], "TLS 1.3 names are accepted, as Go accepts them")
        #expect(tls.curves == [0x11EC, 0x1D])
        #expect(config.http2)
        #expect(config.rateLimit == WebConfiguration.RateLimit(interval: .milliseconds(1500), burst: 3))
        #expect(
            try loader.parse("rate_limit:\n  interval: 0\n  burst: 0\n", file: "web.yml").rateLimit == nil,
            "interval 0 turns the limit off")
        #expect(try loader.parse("http_server_config:\n  http2: false\n", file: "web.yml").http2 == false)
        #expect(try loader.parse("", file: "web.yml").http2, "HTTP/2 is on by default, as in exporter-toolkit")
    }

    @Test func goDurations() {
        #expect(GoDuration.parse("1s") == .seconds(1))
        #expect(GoDuration.parse("1m30s") == .seconds(90))
        #expect(GoDuration.parse("1.5h") == .seconds(5400))
        #expect(GoDuration.parse("250ms") == .milliseconds(250))
        #expect(GoDuration.parse("10us") == .microseconds(10) && GoDuration.parse("10µs") == .microseconds(10))
        #expect(GoDuration.parse("1000000000") == .seconds(1), "a bare integer is nanoseconds, as YAML v2 decodes it")
        #expect(GoDuration.parse("0") == .zero)
        for bad in ["", "s", "1", "1x", "1d", "-1s", "1..5s", "1s2"] where bad != "1" {
            #expect(GoDuration.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func inlinePEMAndLegacyClientAuthName() throws {
        let config = try loader.parse(
            """
            tls_server_config:
              cert: "-----BEGIN CERTIFICATE-----"
              key: "-----BEGIN PRIVATE KEY-----"
              client_auth_type: RequireClientCert
            """, file: "web.yml")
        #expect(config.tls?.certificate == .inline("-----BEGIN CERTIFICATE-----"))
        #expect(config.tls?.clientAuth == .requireAnyClientCert)
    }

    @Test func missingFileIsReported() {
        #expect(
            throws: ConfigError(file: "/nope/web.yml", message: "cannot read the web configuration file (read error)")
        ) {
            try loader.load(path: "/nope/web.yml")
        }
    }

    static let h = "$2b$04$" + String(repeating: "a", count: 53)
    /// Each bad file and the exact error it must give.
    static let badFiles: [(String, String)] = [
        (
            "basic_auth_users:\n  a: \(h)\ntls_srever_config: {}\n",
            "web.yml:3:1: tls_srever_config: unknown key (known keys here: basic_auth_users, "
                + "http_server_config, rate_limit, tls_server_config)"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_verison: TLS12\n",
            "web.yml:4:3: tls_server_config.min_verison: unknown key (known keys here: cert, cert_file, "
                + "cipher_suites, client_allowed_sans, client_auth_type, client_ca, client_ca_file, "
                + "curve_preferences, key, key_file, max_version, min_version, prefer_server_cipher_suites)"
        ),
        (
            "tls_server_config:\n  key_file: a.key\n",
            "web.yml:2:3: tls_server_config: missing one of `cert` or `cert_file`"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n",
            "web.yml:2:3: tls_server_config: missing one of `key` or `key_file`"
        ),
        (
            "tls_server_config:\n  cert_file: \"\"\n  key_file: a.key\n",
            "web.yml:2:3: tls_server_config: missing one of `cert` or `cert_file`"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  cert: x\n  key_file: a.key\n",
            "web.yml:2:3: tls_server_config: give `cert` or `cert_file`, not both"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: Sometimes\n",
            "web.yml:4:21: tls_server_config.client_auth_type: invalid client_auth_type \"Sometimes\" (one of "
                + "NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
                + "RequireAndVerifyClientCert)"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.crt\n",
            "web.yml:2:3: tls_server_config: client CAs are configured but client_auth_type is NoClientCert; "
                + "set a client_auth_type"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS14\n",
            "web.yml:4:16: tls_server_config.min_version: unknown TLS version \"TLS14\" (one of TLS10, TLS11, "
                + "TLS12, TLS13)"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS13\n  max_version: TLS12\n",
            "web.yml:5:16: tls_server_config.max_version: max_version TLS12 is below min_version TLS13"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites:\n    - "
                + "TLS_RSA_WITH_AES_128_CBC_SHA\n  max_version: TLS12\n",
            "web.yml:5:5: tls_server_config.cipher_suites: HTTP/2 (http_server_config.http2, on by default) "
                + "needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 in "
                + "cipher_suites; add one or set http2: false"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
            "web.yml:4:19: tls_server_config.cipher_suites[0]: unknown or unsupported cipher: TLS_RSA_WITH_RC4_128_SHA"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  curve_preferences: [CurveP1024]\n",
            "web.yml:4:23: tls_server_config.curve_preferences[0]: unknown curve: CurveP1024 (one of CurveP256, "
                + "CurveP384, CurveP521, X25519, X25519MLKEM768)"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  curve_preferences: [SecP256r1MLKEM768]\n",
            "web.yml:4:23: tls_server_config.curve_preferences[0]: curve SecP256r1MLKEM768 is not supported by "
                + "this exporter's TLS library (BoringSSL); remove it"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: "
                + "VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n",
            "web.yml:5:24: tls_server_config.client_allowed_sans: client_allowed_sans requires client_auth_type "
                + "to be one of RequireAnyClientCert or RequireAndVerifyClientCert"
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: "
                + "RequireAnyClientCert\n  client_allowed_sans: []\n",
            "web.yml:5:24: tls_server_config.client_allowed_sans: list at least one name (an empty list would "
                + "refuse every client)"
        ),
        (
            "http_server_config:\n  http2: maybe\n",
            "web.yml:2:10: http_server_config.http2: expected true or false, found \"maybe\""
        ),
        (
            "http_server_config:\n  headers:\n    Server: nginx\n",
            "web.yml:3:5: http_server_config.headers.Server: HTTP header \"Server\" can not be configured "
                + "(allowed: Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, "
                + "X-Frame-Options, X-XSS-Protection)"
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
            "web.yml:3:22: http_server_config.headers.X-Frame-Options: invalid value \"allow\", expected one "
                + "of: deny, sameorigin"
        ),
        (
            "basic_auth_users:\n  alice: secret\n",
            "web.yml:2:10: basic_auth_users.alice: not a bcrypt hash: expected $2y$, $2b$ or $2a$, a cost from "
                + "04 to 31 and 53 more characters, as `htpasswd -nBC 10 USER` prints"
        ),
        (
            "basic_auth_users:\n  alice: \"$2b$03$\(String(repeating: "a", count: 53))\"\n",
            "web.yml:2:10: basic_auth_users.alice: not a bcrypt hash: expected $2y$, $2b$ or $2a$, a cost from "
                + "04 to 31 and 53 more characters, as `htpasswd -nBC 10 USER` prints"
        ),
        (
            "basic_auth_users:\n  \"al:ice\": \(h)\n",
            "web.yml:2:3: basic_auth_users.al:ice: user names must be non-empty and cannot contain ':'"
        ),
        (
            "basic_auth_users: [alice]\n",
            "web.yml:1:19: basic_auth_users: expected a mapping of user names to bcrypt hashes"
        ),
        (
            "rate_limit:\n  interval: 1x\n  burst: 10\n",
            "web.yml:2:13: rate_limit.interval: \"1x\" is not a duration (use forms such as 1s, 500ms, 1m; 0 "
                + "turns the limit off)"
        ),
        (
            "rate_limit:\n  interval: 1s\n  burst: -1\n",
            "web.yml:3:10: rate_limit.burst: must be between 0 and 1000000, found -1"
        ),
        (
            "rate_limit:\n  interval: 1s\n  brust: 1\n",
            "web.yml:3:3: rate_limit.brust: unknown key (known keys here: burst, interval)"
        ),
        (
            "tls_server_config: [\n",
            "web.yml:2:1: invalid YAML: did not find expected node content"
        ),
    ]

    @Test(arguments: badFiles)
    func badFileGivesExactError(_ file: (String, String)) {
        do {
            let config = try loader.parse(file.0, file: "web.yml", directory: "")
            Issue.record("accepted: \(config)")
        } catch {
            #expect(error.description == file.1)
        }
    }

    @Test func bcryptHashShapes() {
        #expect(BcryptHash(Self.hash)?.cost == 5)
        #expect(BcryptHash("$2x$05$" + String(repeating: "a", count: 53)) == nil, "the buggy $2x$ variant is refused")
        #expect(BcryptHash("$2b$05$" + String(repeating: "a", count: 52) + "!") == nil)
        #expect(BcryptHash("$2b$32$" + String(repeating: "a", count: 53)) == nil)
        #expect(BcryptHash(Self.hash)?.description == "BcryptHash(cost: 5)", "a hash never prints")
        #expect(BcryptHash.decoy(cost: 7)?.cost == 7 && BcryptHash.decoy(cost: 12)?.cost == 12)
    }
}

@Suite("--web.config.file in the launcher")
struct WebLauncherTests {
    static func options(web: String) throws -> (ExporterOptions, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-launch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("sas.yml").path
        try "accounts:\n  - name: a\n    endpoint: http://127.0.0.1:1\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let webPath = directory.appendingPathComponent("web.yml").path
        try web.write(toFile: webPath, atomically: true, encoding: .utf8)
        var options = ExporterOptions()
        options.configFile = config
        options.webConfigFile = webPath
        options.checkOnly = true
        return (options, directory)
    }

    @Test func configCheckValidatesTheWebFile() async throws {
        let (good, goodDirectory) = try Self.options(web: "basic_auth_users:\n  alice: \(WebConfigLoaderTests.hash)\n")
        defer { try? FileManager.default.removeItem(at: goodDirectory) }
        #expect(await Launcher.run(good, logger: Logger(label: "test")) == 0)
        let (bad, badDirectory) = try Self.options(web: "basic_auth_users:\n  alice: plain\n")
        defer { try? FileManager.default.removeItem(at: badDirectory) }
        #expect(await Launcher.run(bad, logger: Logger(label: "test")) == 1)
        var missing = good
        missing.webConfigFile = goodDirectory.appendingPathComponent("absent.yml").path
        #expect(await Launcher.run(missing, logger: Logger(label: "test")) == 1)
    }

    @Test func startRefusesAnInvalidWebFile() async throws {
        var (options, directory) = try Self.options(
            web: "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        options.checkOnly = false
        options.listenAddress = "127.0.0.1:0"
        #expect(await Launcher.run(options, logger: Logger(label: "test")) == 1, "exits 1 before serving anything")
    }
}
