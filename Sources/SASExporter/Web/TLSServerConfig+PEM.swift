import Foundation
import NIOSSL

/// Reading the PEM material `tls_server_config` names; every error names the key.
extension TLSServerConfig {
    /// The server chain and key, checked to belong together by building a BoringSSL context
    /// (a key that does not match the certificate fails here, not at the first handshake).
    func keyPair(file: String) throws(ConfigError) -> CertificateKeyPair {
        let chain = try certificates(certificate, key: "cert", file: file)
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: try bytes(key, key: "key", file: file), format: .pem)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw problem(file, key: key.isFile ? "key_file" : "key", "holds no usable PEM private key (\(error))")
        }
        let pair = CertificateKeyPair(chain: chain, key: privateKey)
        do {
            _ = try NIOSSLContext(configuration: pair.serverConfiguration)
        } catch {
            throw ConfigError(
                file: file, keyPath: "tls_server_config", message: "the TLS settings were refused: \(error)")
        }
        return pair
    }

    /// The client CA certificates, nil when none are configured.
    func clientCertificateAuthorities(file: String) throws(ConfigError) -> [NIOSSLCertificate]? {
        guard let clientCA else { return nil }
        return try certificates(clientCA, key: "client_ca", file: file)
    }

    func certificates(_ source: PEMSource, key: String, file: String) throws(ConfigError) -> [NIOSSLCertificate] {
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

    func bytes(_ source: PEMSource, key: String, file: String) throws(ConfigError) -> [UInt8] {
        switch source {
        case .inline(let text):
            return Array(text.utf8)
        case .file(let path):
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw problem(file, key: "\(key)_file", "cannot read \(path) (\(YAMLDocument.reason(error)))")
            }
        }
    }

    func problem(_ file: String, key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: "tls_server_config.\(key)", message: message)
    }
}

/// A server certificate chain and its private key.
struct CertificateKeyPair: Sendable {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey

    var serverConfiguration: TLSConfiguration {
        .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }

    /// What a handshake should serve instead of the context's own pair.
    var override: NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        return override
    }
}

extension TLSServerConfig.PEMSource {
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }

    var path: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}
