import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration file on SIGHUP and `POST /-/reload`: a good file is
/// swapped in atomically; a bad one is refused with its error, the reload gauge goes to
/// 0 and the running configuration stays.
public actor ConfigReloader {
    private let path: String?
    private let loader: ConfigLoader
    private let supervisor: PollerSupervisor
    private let store: MetricsStore
    private let logger: Logger
    /// Applied to each loaded file before it runs (sharding).
    private let prepare: @Sendable (ExporterConfiguration) -> ExporterConfiguration

    init(
        path: String?, loader: ConfigLoader, supervisor: PollerSupervisor, store: MetricsStore, logger: Logger,
        prepare: @escaping @Sendable (ExporterConfiguration) -> ExporterConfiguration
    ) {
        self.path = path
        self.loader = loader
        self.supervisor = supervisor
        self.store = store
        self.logger = logger
        self.prepare = prepare
    }

    /// Reloads the file; without a file (environment or demo configuration) there is
    /// nothing to reload and the request is refused with that reason.
    public func reload() async -> ReloadOutcome {
        guard let path else {
            return .refused("no --config.file was given, so there is nothing to reload")
        }
        do {
            let configuration = prepare(try loader.load(path: path))
            try await supervisor.apply(configuration)
            store.updateExporter {
                $0.reloadSuccessful = true
                $0.reloadSuccessSeconds = Date().timeIntervalSince1970
            }
            logger.info("configuration reloaded", metadata: ["file": "\(path)", "accounts": "\(configuration.accounts.count)"])
            return .reloaded
        } catch {
            store.updateExporter { $0.reloadSuccessful = false }
            logger.error("configuration refused; the previous one keeps running", metadata: ["error": "\(error)"])
            return .refused(String(describing: error))
        }
    }
}

/// Reloads the configuration on SIGHUP.
struct ReloadOnSignalService: Service {
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await reloader.reload()
        }
    }
}
