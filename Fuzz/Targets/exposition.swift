import Foundation
import SASExpositionCheck
import SASMetrics
import SASModels

// Fuzz target: the exposition of arbitrary aggregator input. The input drives one or two
// accounts' `AccountAggregator` through up to four polls (`beginPoll`, `PendingPoll.begin`
// and `add` per page, `commit`), with pages built from the bytes (`SubtaskPage(details:)`
// of arbitrary `ProcessDetail`s: any ids, statuses, times, check ids and names) or, in
// JSON mode, decoded from response bodies in the input with `DetailPageDecoder` (so the
// golden fixtures and simulator pages seed it). The settings vary too: bucket bounds
// (any finite doubles, in any order, repeated), lookback, the tracked-subtask cap and `max_checks`. Account names are
// the ones the configuration accepts (1 to 128 Unicode code points, no control character).
//
// The invariants:
// 1. After every commit the account's exposition (`RenderedFamilies`, assembled, with the
//    terminator) passes the strict `ExpositionValidator` (Tests/SASExpositionCheck, the
//    one the SASMetrics tests use) in the text format 0.0.4; after the last commit in
//    OpenMetrics 1.0.0 too, and in both it is byte for byte `ExpositionRenderer.render`
//    of the same families.
// 2. Two accounts' chunks assembled in the store's order (account names sorted) pass the
//    validator in both formats after every commit: no duplicate series, families
//    contiguous.
// 3. After the last poll, what a restored state exports (`restoredFamilies`) passes the
//    validator, and the state file round trip (JSON encode, decode) restores the same
//    exposition.
// 4. Counters never go down between polls.
// `promtool check metrics` is too slow per input: with SAS_FUZZ_EXPOSITION_DIR set, the
// text exposition of each input's last poll is written there (at most
// SAS_FUZZ_EXPOSITION_LIMIT files, default 200) for scripts/check-fuzz to lint.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExposition(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzReader(inputBytes(data, size))
    let plan = Plan(&reader)
    var accounts = plan.names.map { AccountAggregator(account: $0, configuration: plan.configuration) }
    var previous: [[String: Double]] = accounts.map { _ in [:] }
    var settled: [[WindowEntry]] = []
    let pages = plan.jsonMode ? jsonPages(reader.rest(), polls: plan.polls.count) : []
    var lastText: [UInt8] = []
    for (pollIndex, poll) in plan.polls.enumerated() {
        let window = PollWindow(
            startMs: poll.windowEndMs &- plan.configuration.lookback.milliseconds, endMs: poll.windowEndMs)
        var chunks: [(String, RenderedFamilies)] = []
        var pending: PendingPoll?
        for index in accounts.indices {
            var current = accounts[index].beginPoll(window: window, scope: poll.scope)
            let listing = PendingPoll.ListingID(batch: poll.batch, attempt: poll.attempt)
            current.begin(listing)
            if plan.jsonMode {
                for page in pages[pollIndex] { current.add(page, listing: listing) }
            } else {
                var copy = reader
                for page in structuredPages(&copy, windowEndMs: poll.windowEndMs) {
                    current.add(page, listing: listing)
                }
                if index == accounts.count - 1 { reader = copy }
            }
            let snapshot = accounts[index].commit(
                current, polledAtMs: poll.windowEndMs + 1500, tasks: poll.tasks, settled: settled)
            let chunk = RenderedFamilies(snapshot.families)
            chunks.append((accounts[index].account, chunk))
            let last = pollIndex == plan.polls.count - 1
            let checked = checkExposition(
                chunk, families: last ? snapshot.families : nil,
                formats: last ? ExpositionFormat.allCases : [.prometheusText],
                account: accounts[index].account
            )
            lastText = checked.text
            previous[index] = checkCountersGrow(checked.samples, previous: previous[index])
            pending = current
        }
        if plan.keepsSettled, let pending { settled = Array(pending.windowEntriesByTask().values) }
        if chunks.count > 1 {
            let ordered = chunks.sorted { $0.0 < $1.0 }.map(\.1)
            for format in ExpositionFormat.allCases {
                let bytes = RenderedFamilies.assemble(ordered, format: format) + ExpositionRenderer.terminator(format)
                let problems = ExpositionValidator.validate(bytes, format: format).problems
                require(
                    problems.isEmpty,
                    "\(format) of accounts \(chunks.map(\.0)): "
                        + "\(problems.prefix(3))\n\(String(decoding: bytes, as: UTF8.self))"
                )
            }
        }
    }
    for account in accounts { checkRestore(account) }
    ExpositionSample.write(lastText)
    return 0
}

/// The settings and the polls an input asks for.
struct Plan {
    struct Poll {
        var windowEndMs: Int64
        var scope: CoverageScope
        var batch: Int
        var attempt: Int
        var tasks: TaskCounts?
    }

    var jsonMode: Bool
    var keepsSettled: Bool
    var names: [String]
    var configuration: AggregatorConfiguration
    var polls: [Poll] = []

    /// Late November 2025, where the golden fixtures' subtasks were created.
    static let baseMs: Int64 = 1_764_403_300_000

    init(_ reader: inout FuzzReader) {
        let flags = reader.byte()
        jsonMode = flags & 1 != 0
        keepsSettled = flags & 4 != 0
        let first = Self.accountName(reader.longText(), fallback: "prod")
        names = [first]
        if flags & 2 != 0 {
            let second = Self.accountName(reader.longText(), fallback: "staging")
            names.append(second == first ? first + "-2" : second)
        }
        var buckets: [Double] = []
        for _ in 0..<reader.below(16) {
            switch reader.below(4) {
            case 0: buckets.append(Double(reader.uint16()) / 10)
            case 1: buckets.append(Double(reader.uint16()))
            case 2:
                // Any finite double (the configuration gives finite, positive, increasing
                // bounds; a NaN bound is kept by AggregatorConfiguration and cannot be
                // saved to the state file: the long run's first stop).
                let bound = Double(bitPattern: UInt64(bitPattern: reader.int64()))
                if bound.isFinite { buckets.append(bound) }
            default: buckets.append(-Double(reader.byte()))
            }
        }
        let lookback: Duration
        switch reader.below(5) {
        case 0: lookback = .seconds(60)
        case 1: lookback = .seconds(3600)
        case 2: lookback = .seconds(86_400)
        case 3: lookback = .seconds(7 * 86_400)
        default: lookback = .milliseconds(max(60_000, Int64(clamping: reader.int64().magnitude)))
        }
        let tracked = Int(reader.byte())
        let maxChecks = Int(reader.byte())
        configuration = AggregatorConfiguration(
            durationBuckets: buckets.isEmpty ? Histogram.defaultDurationBounds : buckets, lookback: lookback,
            maxTrackedSubtasks: tracked == 0 ? AggregatorConfiguration.Defaults.maxTrackedSubtasks : tracked,
            maxChecks: maxChecks == 0 ? AggregatorConfiguration.Defaults.maxChecks : maxChecks % 8
        )
        let count = 1 + reader.below(4)
        var endMs = Self.baseMs
        for _ in 0..<4 {
            // The clock may jump either way between polls (minutes, up to ±22 days).
            endMs += Int64(Int16(bitPattern: reader.uint16())) * 60_000
            let selector = reader.byte()
            let endpoint = selector & 1 == 0 ? "https://tds.cn-shanghai.aliyuncs.com" : "http://127.0.0.1:18080"
            let mask = reader.byte()
            let selection: CoverageScope.Selection =
                selector & 2 == 0
                ? .discovery : .tasks(Set((0..<4).filter { mask & (1 << $0) != 0 }.map { "t\($0)" }))
            let listing = reader.byte()
            var tasks: TaskCounts?
            let taskCount = reader.below(6)
            if taskCount > 0 {
                tasks = TaskCounts(
                    (0..<taskCount).map { _ in
                        OperationProcess(taskId: "t\(reader.below(5))", statusCode: Self.statusCode(&reader))
                    })
            }
            polls.append(
                Poll(
                    windowEndMs: endMs, scope: CoverageScope(endpoint: endpoint, selection: selection),
                    batch: Int(listing % 3), attempt: 1 + Int(listing >> 2) % 2, tasks: tasks
                ))
        }
        polls = Array(polls.prefix(count))
    }

    /// `name` if the configuration would accept it as an account name (ConfigLoader: 1 to
    /// 128 Unicode code points, no control character), else `fallback`.
    static func accountName(_ name: String, fallback: String) -> String {
        guard !name.isEmpty, name.unicodeScalars.count <= 128,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            return fallback
        }
        return name
    }

    static func statusCode(_ reader: inout FuzzReader) -> Int? {
        let codes = [nil, 0, 1, 2, 3, 4, 5, -1, 2, 4]
        let pick = reader.byte()
        if pick >= 250 { return Int(truncatingIfNeeded: reader.int64()) }
        return codes[Int(pick) % codes.count]
    }
}

/// JSON mode: the rest of the input is response bodies separated by NUL bytes (never
/// valid inside JSON); body i goes to poll i modulo the number of polls. Bodies the
/// decoder refuses are left out, as a poll would retry or fail them.
func jsonPages(_ rest: [UInt8], polls: Int) -> [[SubtaskPage]] {
    var result = [[SubtaskPage]](repeating: [], count: polls)
    for (index, body) in rest.split(separator: 0, omittingEmptySubsequences: true).enumerated() {
        if let page = try? DetailPageDecoder.decode(Array(body)) { result[index % polls].append(page) }
    }
    return result
}

/// Structured mode: up to three pages of up to twelve records, from the bytes.
func structuredPages(_ reader: inout FuzzReader, windowEndMs: Int64) -> [SubtaskPage] {
    (0..<reader.below(4)).map { _ in
        let details = (0..<reader.below(13)).map { _ in detail(&reader, windowEndMs: windowEndMs) }
        return SubtaskPage(details: details, requestId: "fuzz")
    }
}

func detail(_ reader: inout FuzzReader, windowEndMs: Int64) -> ProcessDetail {
    func time(relativeTo base: Int64, step: Int64) -> Int64? {
        switch reader.below(8) {
        case 0: return nil
        case 1: return reader.int64()
        case 2: return 0
        default: return base &+ Int64(Int16(bitPattern: reader.uint16())) * step
        }
    }
    var detail = ProcessDetail()
    let task = reader.byte()
    detail.taskId = task == 0 ? nil : task < 240 ? "t\(task % 5)" : reader.text()
    let id = reader.byte()
    detail.detailTaskId = id == 0 ? nil : id == 1 ? "" : id < 230 ? "d\(id % 24)" : reader.longText()
    detail.statusCode = Plan.statusCode(&reader)
    let created = time(relativeTo: windowEndMs, step: 60_000)
    detail.createTime = created
    detail.startTime = time(relativeTo: created ?? windowEndMs, step: 1000)
    detail.endTime = time(relativeTo: detail.startTime ?? windowEndMs, step: 1000)
    detail.assetVendor = Int(reader.byte() % 3)
    detail.assetType = Int(reader.byte() % 9)
    for _ in 0..<reader.below(4) {
        let pick = reader.byte()
        let checkId: Int64? = pick == 0 ? nil : pick < 200 ? Int64(pick % 12) : reader.int64()
        let namePick = reader.byte()
        let name: String? = namePick < 64 ? nil : namePick < 192 ? "check \(namePick % 7)" : reader.longText()
        detail.checks.append(CheckItem(checkId: checkId, checkShowName: name))
    }
    return detail
}

/// Checks one account's exposition in `formats`, and that it is what
/// `ExpositionRenderer.render` gives for `families` when they are passed; returns the
/// text format and its samples. (The validator and the renderer are most of an input's
/// time: every check on every poll would cut the executions by half again.)
func checkExposition(
    _ chunk: RenderedFamilies, families: [MetricFamily]?, formats: [ExpositionFormat], account: String
) -> (text: [UInt8], samples: [ExpositionValidator.Sample]) {
    var text: [UInt8] = []
    var samples: [ExpositionValidator.Sample] = []
    for format in formats {
        let bytes = RenderedFamilies.assemble([chunk], format: format) + ExpositionRenderer.terminator(format)
        let validator = ExpositionValidator.validate(bytes, format: format)
        require(
            validator.problems.isEmpty,
            "\(format) of account \(account.debugDescription): "
                + "\(validator.problems.prefix(3))\n\(String(decoding: bytes, as: UTF8.self))"
        )
        if let families {
            let direct = ExpositionRenderer.render(families, format: format) + ExpositionRenderer.terminator(format)
            require(direct == bytes, "\(format): RenderedFamilies and ExpositionRenderer.render differ")
        }
        if format == .prometheusText { (text, samples) = (bytes, validator.samples) }
    }
    return (text, samples)
}

/// The counter samples of an exposition by series (name and labels), checked against the
/// previous poll's: a counter never goes down.
func checkCountersGrow(_ samples: [ExpositionValidator.Sample], previous: [String: Double]) -> [String: Double] {
    var counters: [String: Double] = [:]
    for sample in samples
    where sample.name.hasSuffix("_total") || sample.name.hasSuffix("_count") || sample.name.hasSuffix("_bucket") {
        let key = sample.name + "{" + sample.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        counters[key] = sample.value
        if let before = previous[key] {
            require(sample.value >= before, "\(key) went down from \(before) to \(sample.value)")
        }
    }
    return counters
}

/// What a restored state exports is valid, and the state file round trip keeps it.
func checkRestore(_ aggregator: AccountAggregator) {
    let families = aggregator.restoredFamilies()
    let text = checkExposition(
        RenderedFamilies(families), families: nil, formats: [.prometheusText], account: aggregator.account
    ).text
    do {
        let data = try JSONEncoder().encode(aggregator)
        let restored = try JSONDecoder().decode(AccountAggregator.self, from: data)
        let again = RenderedFamilies.assemble([RenderedFamilies(restored.restoredFamilies())], format: .prometheusText)
        require(again == text, "the state file round trip changes the exposition")
    } catch {
        violated("the state does not round-trip: \(error)")
    }
}

/// Text expositions kept for `promtool check metrics` (scripts/check-fuzz).
enum ExpositionSample {
    nonisolated(unsafe) static var written = 0
    static let directory = ProcessInfo.processInfo.environment["SAS_FUZZ_EXPOSITION_DIR"]
    static let limit = Int(ProcessInfo.processInfo.environment["SAS_FUZZ_EXPOSITION_LIMIT"] ?? "") ?? 200

    static func write(_ bytes: [UInt8]) {
        guard let directory, written < limit, !bytes.isEmpty else { return }
        written += 1
        _ = FileManager.default.createFile(atPath: "\(directory)/exposition-\(written).prom", contents: Data(bytes))
    }
}
