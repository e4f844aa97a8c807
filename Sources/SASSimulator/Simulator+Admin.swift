import Foundation

/// The unsigned admin API under `/admin/` (for tests and demos; never expose it).
extension Simulator {
    /// `POST /admin/faults`: a partial `FaultSettings` as JSON; answers the new settings.
    func adminSetFaults(_ body: [UInt8]) -> WireResponse {
        guard let update = try? JSONDecoderBox.decode(FaultUpdate.self, body) else {
            return .json(400, encodeJSON(["error": "body must be a JSON object of fault fields"]))
        }
        let updated = state.withLock { s -> FaultSettings in
            s.faults = update.apply(to: s.faults)
            return s.faults
        }
        return .json(200, encodeJSON(updated))
    }

    /// `GET /admin/faults`.
    func adminGetFaults() -> WireResponse {
        .json(200, encodeJSON(faults))
    }

    /// `POST /admin/reset`.
    func adminReset() -> WireResponse {
        reset()
        return .json(200, encodeJSON(["status": "reset"]))
    }

    /// `POST /admin/burst` `{"check_id": 133, "count": 20, "status": 4}`; answers
    /// `{"task_id": ..., "count": ..., "status": ...}`.
    func adminBurst(_ body: [UInt8]) -> WireResponse {
        struct Burst: Decodable {
            var checkId: Int64
            var count: Int?
            var status: Int?
            enum CodingKeys: String, CodingKey {
                case checkId = "check_id"
                case count, status
            }
        }
        struct Answer: Encodable {
            var taskId: String
            var checkId: Int64
            var count: Int
            var status: Int
            enum CodingKeys: String, CodingKey {
                case taskId = "task_id"
                case checkId = "check_id"
                case count, status
            }
        }
        guard let burst = try? JSONDecoderBox.decode(Burst.self, body) else {
            return .json(400, encodeJSON(["error": "body must be {\"check_id\": N, \"count\": N, \"status\": 2|3|4}"]))
        }
        let count = burst.count ?? 20
        let status = burst.status ?? 4
        let taskId = injectBurst(checkId: burst.checkId, count: count, status: status)
        return .json(200, encodeJSON(Answer(taskId: taskId, checkId: burst.checkId, count: count, status: status)))
    }

    /// `POST /admin/advance` `{"seconds": N}`; answers `{"now_ms": ...}`.
    func adminAdvance(_ body: [UInt8]) -> WireResponse {
        struct Advance: Decodable { var seconds: Double }
        guard let advance = try? JSONDecoderBox.decode(Advance.self, body) else {
            return .json(400, encodeJSON(["error": "body must be {\"seconds\": N}"]))
        }
        clock.advance(by: advance.seconds)
        return .json(200, encodeJSON(["now_ms": clock.nowMs]))
    }

    /// `GET /admin/time`: `{"now_ms": ...}`.
    func adminTime() -> WireResponse {
        .json(200, encodeJSON(["now_ms": clock.nowMs]))
    }

    /// `GET /admin/truth?start=&end=&at=&lang=`: `GroundTruth` as JSON (ms; default
    /// window: the last 24 h of simulated time).
    func adminTruth(_ request: WireRequest) -> WireResponse {
        let p = request.queryParameters
        let now = clock.nowMs
        let at = p.first("at").flatMap { Int64($0) } ?? now
        let end = p.first("end").flatMap { Int64($0) } ?? at
        let start = p.first("start").flatMap { Int64($0) } ?? (end - 86_400_000)
        let truth = groundTruth(
            windowStartMs: start, windowEndMs: end, atMs: at, lang: p.first("lang") == "en" ? "en" : "zh")
        return .json(200, encodeJSON(truth))
    }

    /// `GET /admin/stats`: `RequestStats` as JSON.
    func adminStats() -> WireResponse {
        .json(200, encodeJSON(stats))
    }

    /// `GET /admin/requests?limit=N`: the most recent requests (default 100), oldest first.
    func adminRequests(_ request: WireRequest) -> WireResponse {
        let limit = request.queryParameters.first("limit").flatMap { Int($0) } ?? 100
        return .json(200, encodeJSON(Array(recentRequests.suffix(max(0, limit)))))
    }
}
