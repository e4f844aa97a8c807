import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration file on SIGHUP and `POST /-/reload`, one reload at a time in
/// arrival order (a reload waits for the previous one; each caller gets its own
/// outcome): a good file is swapped in, a bad one is refused with its error, the reload
/// gauge goes to 0 and the running configuration stays.
public final class ConfigReloader: Service, Sendable {
    private let path: String?
    private let loader: ConfigLoader
    private let supervisor: PollerSupervisor
    private let store: MetricsStore
    private let clock: ExporterClock
    private let logger: Logger
    /// The state file in force: it cannot change without a restart.
    private let stateFile: String?
    /// Applied to each loaded file before it runs (sharding).
    private let prepare: @Sendable (ExporterConfiguration) -> ExporterConfiguration
    private let requests: AsyncStream<OneShot<ReloadOutcome>>
    private let submit: AsyncStream<OneShot<ReloadOutcome>>.Continuation

    init(
        path: String?, loader: ConfigLoader, supervisor: PollerSupervisor, store: MetricsStore, stateFile: String?,
        clock: ExporterClock, logger: Logger,
        prepare: @escaping @Sendable (ExporterConfiguration) -> ExporterConfiguration
    ) {
        self.path = path
        self.loader = loader
        self.supervisor = supervisor
        self.store = store
        self.stateFile = stateFile
        self.clock = clock
        self.logger = logger
        self.prepare = prepare
        (requests, submit) = AsyncStream.makeStream(of: OneShot<ReloadOutcome>.self)
    }

    /// Reloads the file after the reloads asked for before; without a file (environment
    /// or demo configuration) there is nothing to reload and the request is refused.
    public func reload() async -> ReloadOutcome {
        let reply = OneShot<ReloadOutcome>()
        if case .terminated = submit.yield(reply) { return .refused("the exporter is shutting down") }
        return await reply.wait() ?? .refused("cancelled")
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    _ = await self.reload()
                }
            }
            for await reply in requests.cancelOnGracefulShutdown() {
                reply.fulfil(await perform())
            }
            submit.finish()
            for await reply in requests { reply.fulfil(.refused("the exporter is shutting down")) }
            group.cancelAll()
        }
    }

    private func perform() async -> ReloadOutcome {
        guard let path else {
            return .refused("no --config.file was given, so there is nothing to reload")
        }
        do {
            let loaded = try loader.read(path: path)
            for warning in loaded.warnings { logger.warning("configuration: \(warning)") }
            guard loaded.configuration.stateFile == stateFile else {
                throw ConfigError(
                    file: path, keyPath: "state_file",
                    message:
                        "cannot change on reload (from \(stateFile ?? "none") to "
                        + "\(loaded.configuration.stateFile ?? "none")); restart the exporter to use another "
                        + "state file"
                )
            }
            let configuration = prepare(loaded.configuration)
            try await supervisor.apply(configuration)
            let now = clock.wallSeconds
            store.updateExporter {
                $0.reloadSuccessful = true
                $0.reloadSuccessSeconds = now
            }
            logger.info(
                "configuration reloaded", metadata: ["file": "\(path)", "accounts": "\(configuration.accounts.count)"])
            return .reloaded
        } catch {
            store.updateExporter { $0.reloadSuccessful = false }
            logger.error("configuration refused; the previous one keeps running", metadata: ["error": "\(error)"])
            return .refused(String(describing: error))
        }
    }
}
