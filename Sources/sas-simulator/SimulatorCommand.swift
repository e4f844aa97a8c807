import ArgumentParser
import Foundation
import Logging
import SASModels
import SASSimulator

/// `sas-simulator`: a local Security Center endpoint for demos, tests and benchmarks.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sas-simulator",
        abstract: "A local, deterministic stand-in for Alibaba Cloud Security Center's operation-task API."
    )

    @Option(name: .customLong("web.listen-address"), help: "host:port to listen on (port 0 picks a free port).")
    var listenAddress = "127.0.0.1:18080"

    @Option(
        name: .customLong("access-key"),
        help: "Accepted AccessKey as ID:SECRET (repeatable; default testid:testsecret).")
    var accessKeys: [String] = []

    @Option(
        name: .customLong("no-permission-key"),
        help: "AccessKey ID:SECRET whose calls answer 403 NoPermission (repeatable).")
    var noPermissionKeys: [String] = []

    @Option(help: "Seed of the data set.")
    var seed: UInt64 = 1

    @Option(help: "About this many tasks are created per 24 h of simulated time.")
    var tasks = 20

    @Option(name: .customLong("subtasks-per-task"), help: "Subtasks of each task.")
    var subtasksPerTask = 50

    @Option(
        name: .customLong("check-items"),
        help: "Distinct check items the subtasks draw from (the 20 named ones, then generated ids).")
    var checkItems = CheckCatalogue.checks.count

    @Option(name: .customLong("max-page-size"), help: "Largest accepted PageSize.")
    var maxPageSize = 100

    @Option(help: "Requests per second allowed per AccessKey (Throttling.User above it).")
    var rps: Double?

    @Option(name: .customLong("time-scale"), help: "Simulated seconds per real second.")
    var timeScale: Double = 1

    @Flag(name: .customLong("manual-clock"), help: "Simulated time stands still except for POST /admin/advance.")
    var manualClock = false

    @Option(name: .customLong("start-time-ms"), help: "Simulated time at start, epoch ms (default: now).")
    var startTimeMs: Int64?

    @Option(name: .customLong("sts.role-arn"), help: "The only RoleArn STS accepts (any when absent).")
    var stsRoleArn: String?

    @Option(
        name: .customLong("sts.duration"), help: "Lifetime of STS credentials when DurationSeconds is absent, seconds.")
    var stsDuration = 3600

    @Option(name: .customLong("sts.min-duration"), help: "Smallest DurationSeconds STS accepts.")
    var stsMinDuration = 900

    @Option(name: .customLong("ecs.role-name"), help: "Role name of the ECS metadata service.")
    var ecsRoleName = "sas-exporter-role"

    @Option(name: .customLong("fault.error-rate"), help: "Share of API calls answered 500 ServerError.")
    var errorRate: Double = 0

    @Option(name: .customLong("fault.latency-ms"), help: "Latency added to every API call, ms.")
    var latencyMs = 0

    @Option(name: .customLong("fault.malformed-rate"), help: "Share of API calls answered with invalid JSON.")
    var malformedRate: Double = 0

    @Option(name: .customLong("fault.truncate-rate"), help: "Share of API calls answered with a truncated body.")
    var truncateRate: Double = 0

    @Option(name: .customLong("fault.close-rate"), help: "Share of API calls whose connection closes mid-body.")
    var closeRate: Double = 0

    @Option(name: .customLong("fault.total-count-drift"), help: "Added to TotalCount per page after the first.")
    var totalCountDrift = 0

    @Flag(name: .customLong("fault.down"), help: "Answer every API call 503 ServiceUnavailable.")
    var down = false

    @Option(
        name: .customLong("fault.page-size-cap"),
        help: "Serve at most this many rows per page while echoing the PageSize asked for.")
    var pageSizeCap: Int?

    @Flag(
        name: .customLong("fault.odd-record"),
        help: "Send the first record of every detail page with fields of the wrong type.")
    var oddRecord = false

    @Option(
        name: .customLong("time-semantics"),
        help: ArgumentHelp(
            "How StartTime/EndTime filter: creation (both bound the creation time) or creation-completion (the "
                + "Java SDK's reading: EndTime bounds the completion time).")
    )
    var timeSemantics = "creation"

    @Option(name: .customLong("log.level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        _ = try parseKeys(accessKeys)
        _ = try parseKeys(noPermissionKeys)
        _ = try parseAddress()
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log.level \(logLevel)") }
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive") }
        guard TimeSemantics(rawValue: timeSemantics) != nil else {
            throw ValidationError("--time-semantics must be creation or creation-completion")
        }
        guard tasks > 0, subtasksPerTask >= 0, maxPageSize > 0, checkItems > 0 else {
            throw ValidationError(
                "--tasks, --max-page-size and --check-items must be positive, --subtasks-per-task not negative")
        }
    }

    func run() async throws {
        // Logs go to stderr; stdout carries only the "listening on" line.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "sas-simulator")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let keys = try parseKeys(accessKeys)
        let configuration = SimulatorConfiguration(
            seed: seed, tasks: tasks, subtasksPerTask: subtasksPerTask, checkItems: checkItems,
            accessKeys: keys.isEmpty ? ["testid": "testsecret"] : keys,
            noPermissionKeys: try parseKeys(noPermissionKeys), maxPageSize: maxPageSize,
            requestsPerSecondPerKey: rps, timeScale: timeScale, stsRoleArn: stsRoleArn,
            stsDefaultDurationSeconds: stsDuration, stsMinimumDurationSeconds: stsMinDuration,
            ecsRoleName: ecsRoleName, timeSemantics: TimeSemantics(rawValue: timeSemantics) ?? .creation
        )
        let faults = FaultSettings(
            errorRate: errorRate, down: down, latencyMs: latencyMs, malformedRate: malformedRate,
            truncateRate: truncateRate, closeRate: closeRate, totalCountDrift: totalCountDrift,
            pageSizeCap: pageSizeCap,
            oddRecord: oddRecord
        )
        let clock =
            manualClock
            ? SimulatorClock.manual(startMs: startTimeMs ?? SimulatorClock.wallClockMs())
            : SimulatorClock(timeScale: timeScale, startMs: startTimeMs)
        let simulator = Simulator(configuration: configuration, clock: clock, faults: faults, logger: logger)
        let (host, port) = try parseAddress()
        let app = buildSimulatorApplication(simulator: simulator, host: host, port: port, logger: logger) { channel in
            let boundHost = channel.localAddress?.ipAddress ?? host
            let boundPort = channel.localAddress?.port ?? port
            FileHandle.standardOutput.write(Data("listening on \(boundHost):\(boundPort)\n".utf8))
        }
        try await app.runService()
    }

    private func parseKeys(_ values: [String]) throws -> [String: String] {
        var keys: [String: String] = [:]
        for value in values {
            guard let colon = value.firstIndex(of: ":"), colon != value.startIndex,
                value.index(after: colon) != value.endIndex
            else {
                throw ValidationError("an AccessKey must be ID:SECRET")
            }
            keys[String(value[..<colon])] = String(value[value.index(after: colon)...])
        }
        return keys
    }

    private func parseAddress() throws -> (String, Int) {
        guard let parsed = try? HostPort(parsing: listenAddress), let port = parsed.port else {
            throw ValidationError("--web.listen-address must be host:port")
        }
        return (parsed.host.isEmpty ? "0.0.0.0" : parsed.host, port)
    }
}
