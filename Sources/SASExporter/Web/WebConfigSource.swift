import Foundation
import Logging
import Synchronization

/// The web configuration as the listener sees it, re-read when the file changes.
///
/// exporter-toolkit re-reads the file on every request; this does the same in effect but
/// cheaper: each request `stat`s the file and parses it again only when its modification
/// time, size or inode changed. A file that became unreadable or invalid makes
/// ``current()`` fail, and the middleware answers 500 (fail closed, never open) until the
/// file is fixed. The certificate and key *files* are re-read by the TLS layer when they
/// change (``CertificateReloader``); other changes to `tls_server_config`, and to
/// `http_server_config.http2`, need a restart.
public final class WebConfigSource: Sendable {
    /// The file, or nil for a fixed configuration (tests, embedding).
    public let path: String?
    private let loader: WebConfigLoader
    private let logger: Logger
    private let state: Mutex<State>
    /// The TLS section the listener was started with.
    private let startTLS: TLSServerConfig?

    struct Stamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int64
        var inode: UInt64
    }

    private struct State {
        var stamp: Stamp?
        var result: Result<WebConfiguration, ConfigError>
    }

    /// Watches `path`, starting from `initial` (what the launcher loaded and checked).
    public init(path: String, initial: WebConfiguration, loader: WebConfigLoader = WebConfigLoader(), logger: Logger) {
        self.path = path
        self.loader = loader
        self.logger = logger
        self.startTLS = initial.tls
        self.state = Mutex(State(stamp: Self.stamp(path), result: .success(initial)))
    }

    /// A configuration that never changes.
    public init(fixed: WebConfiguration) {
        self.path = nil
        self.loader = WebConfigLoader()
        self.logger = Logger(label: "sas-exporter.web")
        self.startTLS = fixed.tls
        self.state = Mutex(State(stamp: nil, result: .success(fixed)))
    }

    /// The configuration to apply to this request, or why there is none.
    public func current() -> Result<WebConfiguration, ConfigError> {
        guard let path else { return state.withLock { $0.result } }
        let stamp = Self.stamp(path)
        return state.withLock { state in
            if let stamp, stamp == state.stamp { return state.result }
            state.stamp = stamp
            do throws(ConfigError) {
                guard stamp != nil else {
                    throw ConfigError(file: path, message: "cannot read the web configuration file (no such file)")
                }
                let config = try loader.load(path: path)
                state.result = .success(config)
                if config.tls != startTLS {
                    logger.warning(
                        "web configuration: tls_server_config changed; these settings apply after a restart (renewed certificate and key files are picked up without one)",
                        metadata: ["file": "\(path)"])
                }
                logger.info("web configuration reloaded", metadata: ["file": "\(path)"])
            } catch {
                state.result = .failure(error)
                logger.error(
                    "web configuration is invalid; every request is refused until it is fixed",
                    metadata: ["error": "\(error)"])
            }
            return state.result
        }
    }

    /// Modification time, size and inode; nil when the file cannot be `stat`ed.
    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        return Stamp(
            seconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec), size: Int64(info.st_size),
            inode: UInt64(info.st_ino))
    }
}
