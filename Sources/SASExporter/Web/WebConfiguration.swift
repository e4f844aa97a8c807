/// The exporter-toolkit web configuration (`--web.config.file`): TLS on the listener,
/// HTTP/2, extra response headers, a request rate limit and bcrypt basic-auth users.
///
/// This is the checked file, not yet the runtime objects: certificate files are named
/// here and read by ``TLSServerConfig/channelConfiguration(file:)``.
public struct WebConfiguration: Sendable, Equatable {
    /// `tls_server_config`; nil serves plain HTTP.
    public var tls: TLSServerConfig?
    /// `http_server_config.headers`, in file order.
    public var headers: [ResponseHeader]
    /// `basic_auth_users`; empty leaves every route open.
    public var users: [String: BcryptHash]
    /// `http_server_config.http2` (default true): HTTP/2 over TLS, offered by ALPN next to
    /// HTTP/1.1. Without TLS the listener speaks HTTP/1.1 only, as exporter-toolkit's does.
    public var http2: Bool
    /// `rate_limit`; nil (or a zero interval) leaves requests unlimited.
    public var rateLimit: RateLimit?

    public init(
        tls: TLSServerConfig? = nil, headers: [ResponseHeader] = [], users: [String: BcryptHash] = [:],
        http2: Bool = true, rateLimit: RateLimit? = nil
    ) {
        self.tls = tls
        self.headers = headers
        self.users = users
        self.http2 = http2
        self.rateLimit = rateLimit
    }

    /// `rate_limit`: a token bucket over every request of the listener, as exporter-toolkit's
    /// (`golang.org/x/time/rate`): one token every `interval`, at most `burst` kept.
    public struct RateLimit: Sendable, Equatable {
        /// Time between two tokens; more than zero.
        public var interval: Duration
        /// Tokens the bucket holds (and starts with); 0 refuses every request, as in Go.
        public var burst: Int

        public init(interval: Duration, burst: Int) {
            self.interval = interval
            self.burst = burst
        }
    }

    /// An extra header sent with every response.
    public struct ResponseHeader: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// `tls_server_config`, with relative paths already resolved against the file's directory.
public struct TLSServerConfig: Sendable, Equatable {
    /// Where a PEM document comes from: a file, or text inline in the configuration.
    public enum PEMSource: Sendable, Equatable {
        case file(String)
        case inline(String)
    }

    /// `client_auth_type`, with Go's `crypto/tls` meaning.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// Whether the client certificate is checked against the client CAs (or, when no
        /// `client_ca_file` is given, the system's trust roots, as Go does).
        public var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }

        /// Whether a client must present a certificate to connect.
        public var requires: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
    }

    /// `min_version` / `max_version`.
    public enum Version: String, Sendable, CaseIterable, Comparable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"

        public static func < (lhs: Version, rhs: Version) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    public var certificate: PEMSource
    public var key: PEMSource
    public var clientAuth: ClientAuth = .noClientCert
    /// Nil with a verifying `clientAuth`: the system's trust roots.
    public var clientCA: PEMSource?
    /// `client_allowed_sans`: the client certificate must carry one of these as a DNS,
    /// IP, e-mail or URI subject alternative name. Nil checks no names.
    public var allowedSANs: [String]?
    public var minVersion: Version = .tls12
    public var maxVersion: Version = .tls13
    /// IANA cipher-suite numbers, in the file's order; empty keeps the library default.
    /// TLS 1.3 suites may be listed (Go accepts them) but only TLS 1.2 ones are applied.
    public var cipherSuites: [UInt16] = []
    /// IANA named-group numbers, in the file's order; empty keeps the library default.
    public var curves: [UInt16] = []

    public init(certificate: PEMSource, key: PEMSource) {
        self.certificate = certificate
        self.key = key
    }
}
