import Foundation
import SASModels
import SASSigning

/// `POST /`: the two Security Center actions, and the STS actions on the same path.
extension Simulator {
    static let apiVersion = SecurityCenterAPI.version
    static let detailAction = SecurityCenterAPI.Action.listOperationProcessDetail.rawValue
    static let processAction = SecurityCenterAPI.Action.listOperationProcess.rawValue

    /// Answers a request to `/`: STS when `Action` names an STS action, else the API.
    func handleRoot(_ request: WireRequest) async -> WireResponse {
        let action = request.queryParameters.first("Action")
        if action == "AssumeRole" || action == "AssumeRoleWithOIDC" {
            return handleSTS(request)
        }
        return await handleAPI(request)
    }

    func handleAPI(_ request: WireRequest) async -> WireResponse {
        var context = CallContext()
        let requestId = nextRequestId()
        let response: WireResponse
        do throws(SimulatedAPIError) {
            response = try await answerAPI(request, requestId: requestId, context: &context)
        } catch {
            response = errorResponse(error, requestId: requestId)
        }
        record(
            RequestRecord(
                timeMs: SimulatorClock.wallClockMs(), action: context.action, accessKeyId: context.accessKeyId,
                signature: context.signature, code: response.status == 200 ? "OK" : errorCode(of: response),
                httpStatus: response.status, requestId: requestId, page: context.page
            ))
        return response
    }

    private func answerAPI(_ request: WireRequest, requestId: String, context: inout CallContext)
        async throws(SimulatedAPIError) -> WireResponse
    {
        let faults = self.faults
        if faults.down {
            context.action = request.header("x-acs-action") ?? request.queryParameters.first("Action") ?? "unknown"
            throw .unavailable
        }
        let call = try authenticate(request, context: &context)
        guard call.action == Self.detailAction || call.action == Self.processAction else {
            throw .invalidAction(call.action)
        }
        guard call.version == Self.apiVersion else { throw .invalidVersion(call.version) }
        if case .noPermission = call.key { throw .noPermission }
        if faults.noPermission.contains(call.accessKeyId) { throw .noPermission }
        try throttle(accessKeyId: call.accessKeyId, faults: faults)
        let sequence = state.withLock { s -> UInt64 in
            s.apiSequence += 1
            return s.apiSequence
        }
        if decide(faults.errorRate, kind: 1, sequence: sequence) { throw .serverError }
        if faults.latencyMs > 0 {
            try? await Task.sleep(for: .milliseconds(faults.latencyMs))
        }
        let query = try APIQuery(call.parameters, maxPageSize: configuration.maxPageSize)
        context.page = query.currentPage
        let now = clock.nowMs
        let body: [UInt8]
        if call.action == Self.detailAction {
            body = try listDetails(query, requestId: requestId, now: now, faults: faults)
        } else {
            body = listProcesses(query, requestId: requestId, now: now, faults: faults)
        }
        var response = WireResponse.json(200, body, headers: ["x-acs-request-id": requestId])
        if decide(faults.malformedRate, kind: 2, sequence: sequence) {
            response.body =
                Array("{\"RequestId\":\"\(requestId)\",\"PageInfo\":{\"CurrentPage\":1,,}".utf8) + Array("<html>".utf8)
        } else if decide(faults.truncateRate, kind: 3, sequence: sequence) {
            response.body = Array(body.prefix(max(1, body.count / 2)))
        } else if decide(faults.closeRate, kind: 4, sequence: sequence) {
            response.delivery = .closeMidway
        }
        return response
    }

    private func listDetails(_ query: APIQuery, requestId: String, now: Int64, faults: FaultSettings)
        throws(SimulatedAPIError) -> [UInt8]
    {
        guard !query.taskIds.isEmpty else { throw .paramIllegal("TaskIds is required") }
        var seen = Set<String>()
        let tasks = query.taskIds.filter { seen.insert($0).inserted }
            .compactMap { task(id: $0, at: now) }
            .sorted { $0.createMs == $1.createMs ? $0.taskId < $1.taskId : $0.createMs < $1.createMs }
        let byCompletion = configuration.timeSemantics == .creationCompletion
        let matching = tasks.flatMap(\.subtasks).filter { sub in
            if let start = query.startTime, sub.createMs < start { return false }
            if let end = query.endTime {
                if byCompletion {
                    guard let completed = sub.processDetail(at: now, lang: query.lang).endTime, completed <= end else {
                        return false
                    }
                } else if sub.createMs > end {
                    return false
                }
            }
            if !query.statusCodes.isEmpty, !query.statusCodes.contains(sub.status(at: now)) { return false }
            return true
        }
        let page = query.page(of: matching, cap: faults.pageSizeCap)
        var details = page.map { $0.processDetail(at: now, lang: query.lang) }
        let odd = faults.oddRecord && !details.isEmpty ? details.removeFirst() : nil
        let response = ListOperationProcessDetailResponse(
            requestId: requestId,
            pageInfo: query.pageInfo(count: page.count, total: matching.count, drift: faults.totalCountDrift),
            processDetails: details
        )
        guard let odd else { return encodeJSON(response) }
        return Self.inserting(oddJSON(odd), into: encodeJSON(response))
    }

    /// A record whose JSON parses but whose fields have types a client cannot use.
    private func oddJSON(_ record: ProcessDetail) -> [UInt8] {
        let id = String(decoding: encodeJSON(record.detailTaskId ?? ""), as: UTF8.self)
        let task = String(decoding: encodeJSON(record.taskId ?? ""), as: UTF8.self)
        return Array(
            #"{"Checks":null,"CreateTime":"soon","DetailTaskId":\#(id),"StatusCode":"2","TaskId":\#(task)}"#.utf8)
    }

    /// `record` put first in the `ProcessDetails` array of an encoded page.
    static func inserting(_ record: [UInt8], into body: [UInt8]) -> [UInt8] {
        let marker = Array(#""ProcessDetails":["#.utf8)
        guard let start = body.indices.first(where: { body[$0...].starts(with: marker) }) else { return body }
        let after = start + marker.count
        let separator: [UInt8] = body[after] == UInt8(ascii: "]") ? [] : [UInt8(ascii: ",")]
        return Array(body[..<after]) + record + separator + Array(body[after...])
    }

    private func listProcesses(_ query: APIQuery, requestId: String, now: Int64, faults: FaultSettings) -> [UInt8] {
        let byCompletion = configuration.timeSemantics == .creationCompletion
        let createdThrough = byCompletion ? nil : query.endTime
        let matching = tasks(createdFrom: query.startTime, through: createdThrough, at: now).filter { task in
            if byCompletion, let end = query.endTime {
                guard let completed = task.process(at: now).endTime, completed <= end else { return false }
            }
            if !query.taskIds.isEmpty, !query.taskIds.contains(task.taskId) { return false }
            if !query.taskTypes.isEmpty, !query.taskTypes.contains(task.taskType) { return false }
            if !query.taskSources.isEmpty, !query.taskSources.contains(task.taskSource) { return false }
            if !query.statusCodes.isEmpty, !query.statusCodes.contains(task.statusCode(at: now)) { return false }
            return true
        }
        let page = query.page(of: matching, cap: faults.pageSizeCap)
        let response = ListOperationProcessResponse(
            requestId: requestId,
            pageInfo: query.pageInfo(count: page.count, total: matching.count, drift: faults.totalCountDrift),
            processes: page.map { $0.process(at: now) }
        )
        return encodeJSON(response)
    }

    /// Token bucket per key (capacity: one second of requests, at least one).
    private func throttle(accessKeyId: String, faults: FaultSettings) throws(SimulatedAPIError) {
        guard let rate = faults.throttleRps ?? configuration.requestsPerSecondPerKey, rate > 0 else { return }
        let now = SimulatorClock.wallClockMs()
        let capacity = max(1, rate)
        let retryAfter: Int? = state.withLock { s in
            var bucket = s.buckets[accessKeyId] ?? (tokens: capacity, atMs: now)
            bucket.tokens = min(capacity, bucket.tokens + Double(now - bucket.atMs) / 1000 * rate)
            bucket.atMs = now
            defer { s.buckets[accessKeyId] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate * 1000).rounded(.up)))
        }
        if let retryAfter { throw .throttled(retryAfterMs: retryAfter) }
    }

    /// Whether the fault of `kind` hits API call number `sequence` (seeded, so repeatable).
    func decide(_ rate: Double, kind: UInt64, sequence: UInt64) -> Bool {
        guard rate > 0 else { return false }
        if rate >= 1 { return true }
        var rng = SplitMix64(configuration.seed, 0xFA17, kind, sequence)
        return rng.unit() < rate
    }

    func nextRequestId() -> String {
        let n = state.withLock { s -> UInt64 in
            s.requestSequence += 1
            return s.requestSequence
        }
        var rng = SplitMix64(configuration.seed, 0x4E0_1D, n)
        return "\(rng.hex(8))-\(rng.hex(4))-\(rng.hex(4))-\(rng.hex(4))-\(rng.hex(12))".uppercased()
    }

    func errorResponse(_ error: SimulatedAPIError, requestId: String) -> WireResponse {
        let body = APIErrorBody(
            requestId: requestId, hostId: "127.0.0.1", code: error.code, message: error.message,
            recommend: "https://api.aliyun.com/troubleshoot?q=\(error.code)&product=Sas&requestId=\(requestId)"
        )
        var headers = error.headers
        headers["x-acs-request-id"] = requestId
        return .json(error.status, encodeJSON(body), headers: headers)
    }

    private func errorCode(of response: WireResponse) -> String {
        (try? JSONDecoderBox.decode(APIErrorBody.self, response.body))?.code ?? "unknown"
    }
}

/// JSON with sorted keys, slashes unescaped.
func encodeJSON(_ value: some Encodable) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
}
