import HummingbirdTLS
import Logging
import NIOSSL

extension TLSServerConfig {
    /// Reads the certificate, key and client CAs and builds the listener's TLS settings,
    /// checking them with BoringSSL once (a key that does not match the certificate fails
    /// here, at start or in `--config.check`, not at the first connection).
    ///
    /// Certificate and key files are re-read when they change (``CertificateReloader``).
    /// Client certificates are checked with Go's meaning of `client_auth_type`: the two
    /// Verify types check the chain against `client_ca_file`, or the system's trust roots
    /// when none is given; `client_allowed_sans` is checked on the client's leaf.
    ///
    /// `file` names the web configuration file in errors.
    public func channelConfiguration(file: String, logger: Logger = Logger(label: "sas-exporter.web"))
        throws(ConfigError) -> TLSChannelConfiguration
    {
        let pair = try keyPair(file: file)
        var tls = pair.serverConfiguration
        tls.minimumTLSVersion = minVersion.nio
        tls.maximumTLSVersion = maxVersion.nio
        let tls12Suites = cipherSuites.filter { !WebTLSParser.tls13Suites.values.contains($0) }
        if !tls12Suites.isEmpty {
            tls.cipherSuiteValues = tls12Suites.map { NIOTLSCipher(rawValue: $0) }
        } else if !cipherSuites.isEmpty, minVersion < .tls13 {
            // Only TLS 1.3 suites listed: Go then has no TLS 1.2 suite and serves TLS 1.3 only.
            tls.minimumTLSVersion = .tlsv13
        }
        if !curves.isEmpty { tls.curves = curves.map { NIOTLSCurve(rawValue: $0) } }
        switch clientAuth {
        case .noClientCert: tls.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven: tls.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert: tls.certificateVerification = .noHostnameVerification
        }
        let authorities = try clientCertificateAuthorities(file: file)
        if let authorities {
            tls.trustRoots = .certificates(authorities)
            tls.sendCANameList = true
        } else if clientAuth.verifies {
            tls.trustRoots = .default
        }
        let verification: TLSChannelConfiguration.CustomVerificationCallback?
        do {
            verification = try ClientCertificateCheck.callback(for: self, clientCAs: authorities)
        } catch {
            throw problem(
                file, key: clientCA?.isFile == true ? "client_ca_file" : "client_ca",
                "holds a certificate that cannot be parsed (\(error))")
        }
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigError(
                file: file, keyPath: "tls_server_config", message: "the TLS settings were refused: \(error)")
        }
        if certificate.isFile || key.isFile {
            tls.sslContextCallback =
                CertificateReloader(config: self, file: file, initial: pair, logger: logger).contextCallback
        }
        return TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: verification)
    }
}

extension TLSServerConfig.Version {
    var nio: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
