import Foundation
import HummingbirdTLS
import NIOSSL

extension TLSServerConfig {
    /// Reads the certificate, key and client CAs and builds the listener's TLS settings,
    /// checking them with BoringSSL once (a key that does not match the certificate fails
    /// here, at start or in `--config.check`, not at the first connection).
    ///
    /// `file` names the web configuration file in errors.
    public func channelConfiguration(file: String) throws(ConfigError) -> TLSChannelConfiguration {
        let chain = try certificates(certificate, key: "cert", file: file)
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: try bytes(key, key: "key", file: file), format: .pem)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw problem(file, key: key.isFile ? "key_file" : "key", "holds no usable PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey)
        )
        tls.minimumTLSVersion = minVersion.nio
        tls.maximumTLSVersion = maxVersion.nio
        if !cipherSuites.isEmpty { tls.cipherSuiteValues = cipherSuites.map { NIOTLSCipher(rawValue: $0) } }
        if !curves.isEmpty { tls.curves = curves.map { NIOTLSCurve(rawValue: $0) } }
        var acceptAny: TLSChannelConfiguration.CustomVerificationCallback?
        switch clientAuth {
        case .noClientCert:
            tls.certificateVerification = .none
        case .requestClientCert, .requireAnyClientCert:
            // Go's semantics: ask for a certificate but do not check it.
            tls.certificateVerification = clientAuth == .requestClientCert ? .optionalVerification : .noHostnameVerification
            acceptAny = { _, promise in promise.succeed(.certificateVerified) }
        case .verifyClientCertIfGiven, .requireAndVerifyClientCert:
            tls.certificateVerification = clientAuth == .verifyClientCertIfGiven ? .optionalVerification : .noHostnameVerification
        }
        if let clientCA {
            tls.trustRoots = .certificates(try certificates(clientCA, key: "client_ca", file: file))
            tls.sendCANameList = true
        }
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigError(file: file, keyPath: "tls_server_config", message: "the TLS settings were refused: \(error)")
        }
        return TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: acceptAny)
    }

    private func certificates(_ source: PEMSource, key: String, file: String) throws(ConfigError) -> [NIOSSLCertificate] {
        let data = try bytes(source, key: key, file: file)
        let name = source.isFile ? "\(key)_file" : key
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(data)
        } catch {
            throw problem(file, key: name, "holds no valid PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else { throw problem(file, key: name, "holds no PEM certificate") }
        return certificates
    }

    private func bytes(_ source: PEMSource, key: String, file: String) throws(ConfigError) -> [UInt8] {
        switch source {
        case .inline(let text):
            return Array(text.utf8)
        case .file(let path):
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw problem(file, key: "\(key)_file", "cannot read \(path) (\(ConfigLoader.reason(error)))")
            }
        }
    }

    private func problem(_ file: String, key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: "tls_server_config.\(key)", message: message)
    }
}

extension TLSServerConfig.PEMSource {
    var isFile: Bool {
        if case .file = self { return true }
        return false
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
