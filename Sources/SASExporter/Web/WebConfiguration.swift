/// The exporter-toolkit web configuration (`--web.config.file`): TLS on the listener,
/// extra response headers, and bcrypt basic-auth users.
///
/// This is the checked file, not yet the runtime objects: certificate files are named
/// here and read by ``WebConfiguration/tlsChannelConfiguration()``.
public struct WebConfiguration: Sendable, Equatable {
    /// `tls_server_config`; nil serves plain HTTP.
    public var tls: TLSServerConfig?
    /// `http_server_config.headers`, in file order.
    public var headers: [ResponseHeader]
    /// `basic_auth_users`; empty leaves every route open.
    public var users: [String: BcryptHash]

    public init(tls: TLSServerConfig? = nil, headers: [ResponseHeader] = [], users: [String: BcryptHash] = [:]) {
        self.tls = tls
        self.headers = headers
        self.users = users
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

        /// Whether the client certificate is checked against the client CAs.
        public var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
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
    public var clientCA: PEMSource?
    public var minVersion: Version = .tls12
    public var maxVersion: Version = .tls13
    /// IANA cipher-suite numbers, in the file's order; empty keeps the library default.
    public var cipherSuites: [UInt16] = []
    /// IANA named-group numbers, in the file's order; empty keeps the library default.
    public var curves: [UInt16] = []

    public init(certificate: PEMSource, key: PEMSource) {
        self.certificate = certificate
        self.key = key
    }
}
