import Logging
import NIOSSL
import Synchronization

/// Serves the server certificate and key from their files as they are now, so a renewed
/// certificate (cert-manager, certbot, a replaced file) is used from the next handshake on
/// without a restart, as exporter-toolkit does (it re-reads them for every connection).
///
/// Each handshake `stat`s the two files; they are read again only when a modification
/// time, size or inode changed. A new pair that cannot be used (half written, a key that
/// does not match) is logged once and the last good pair keeps being served until the
/// files change again.
final class CertificateReloader: Sendable {
    private let config: TLSServerConfig
    private let file: String
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var stamps: [WebConfigSource.Stamp?]
        var pair: CertificateKeyPair
    }

    init(config: TLSServerConfig, file: String, initial: CertificateKeyPair, logger: Logger) {
        self.config = config
        self.file = file
        self.logger = logger
        self.state = Mutex(State(stamps: Self.stamps(config), pair: initial))
    }

    /// The pair to serve now.
    func current() -> CertificateKeyPair {
        let stamps = Self.stamps(config)
        return state.withLock { state in
            guard stamps != state.stamps else { return state.pair }
            state.stamps = stamps
            do throws(ConfigError) {
                state.pair = try config.keyPair(file: file)
                logger.info("server certificate reloaded", metadata: ["file": "\(file)"])
            } catch {
                logger.error(
                    "server certificate files changed but cannot be used; the previous certificate is served",
                    metadata: ["error": "\(error)"])
            }
            return state.pair
        }
    }

    /// For `TLSConfiguration.sslContextCallback`: called once per handshake, after the
    /// client hello.
    var contextCallback: NIOSSLContextCallback {
        { [self] _, promise in promise.succeed(current().override) }
    }

    private static func stamps(_ config: TLSServerConfig) -> [WebConfigSource.Stamp?] {
        [config.certificate.path, config.key.path].map { $0.flatMap(WebConfigSource.stamp) }
    }
}
