/// The data set as the API sees it at a moment: generated tasks plus injected bursts.
extension Simulator {
    /// Generated task `index`, cached (the cache is bounded).
    func generatedTask(index: Int64) -> SimTask {
        if let cached = state.withLock({ $0.taskCache[index] }) { return cached }
        let task = dataSet.task(index: index)
        state.withLock { s in
            if s.taskCache.count > 4096 { s.taskCache.removeAll(keepingCapacity: true) }
            s.taskCache[index] = task
        }
        return task
    }

    /// Tasks created in `[lower, upper]`, visible at `nowMs` (created, within retention),
    /// ordered by creation time, then task id.
    func tasks(createdFrom lower: Int64?, through upper: Int64?, at nowMs: Int64) -> [SimTask] {
        let low = max(lower ?? .min, nowMs - dataSet.retentionMs)
        let high = min(upper ?? .max, nowMs)
        guard low <= high else { return [] }
        var result = dataSet.taskIndexes(createdFrom: low, through: high).map { generatedTask(index: $0) }
        let bursts = state.withLock { $0.bursts }
        result += bursts.filter { $0.createMs >= low && $0.createMs <= high }
        return result.sorted { $0.createMs == $1.createMs ? $0.taskId < $1.taskId : $0.createMs < $1.createMs }
    }

    /// The task with this id if it exists and is visible at `nowMs`.
    func task(id: String, at nowMs: Int64) -> SimTask? {
        if let index = dataSet.index(ofTaskId: id) {
            let created = dataSet.createMs(index: index)
            guard created <= nowMs, created >= nowMs - dataSet.retentionMs else { return nil }
            return generatedTask(index: index)
        }
        return state.withLock { s in s.bursts.first { $0.taskId == id } }
            .flatMap { $0.createMs <= nowMs ? $0 : nil }
    }

    /// Injects a task of `count` subtasks carrying `checkId` that are created now, start
    /// within 1–3 s and reach `status` (default 4, failed) within a further 2–8 s of
    /// simulated time. Returns the new task id.
    @discardableResult
    public func injectBurst(checkId: Int64, count: Int, status: Int = 4) -> String {
        let now = clock.nowMs
        return state.withLock { s in
            s.burstSequence += 1
            var rng = SplitMix64(configuration.seed, 0xB0B5, s.burstSequence)
            let taskId = "\(rng.hex(8))-\(rng.hex(4))-4\(rng.hex(3))-c\(rng.hex(3))-\(rng.hex(12))"
            let subtasks = (0..<max(0, count)).map { _ -> SimSubtask in
                let start = now + 1000 + Int64(rng.below(2000))
                let end = start + 2000 + Int64(rng.below(6000))
                return SimSubtask(
                    taskId: taskId,
                    detailTaskId: "\(rng.hex(8))-\(rng.hex(4))-4\(rng.hex(3))-d\(rng.hex(3))-\(rng.hex(12))",
                    createMs: now, startMs: start, endMs: end, finalStatus: status, oddity: .none,
                    assetVendor: 0, assetType: 0, assetSubType: 0, checkIds: [checkId]
                )
            }
            s.bursts.append(
                SimTask(
                    taskId: taskId, taskType: "CHECK_ITEM", taskSource: "OPEN_API", createMs: now, subtasks: subtasks))
            return taskId
        }
    }

    /// What the API returns for tasks created in `[windowStartMs, windowEndMs]` at `atMs`
    /// (default: simulated now), every subtask of every such task.
    public func groundTruth(windowStartMs: Int64, windowEndMs: Int64, atMs: Int64? = nil, lang: String = "zh")
        -> GroundTruth
    {
        let at = atMs ?? clock.nowMs
        let tasks = tasks(createdFrom: windowStartMs, through: windowEndMs, at: at)
        var counts: [String: Int] = [:]
        var checkCounts: [String: [String: Int]] = [:]
        var names: [String: String] = [:]
        var subtasks: [GroundTruth.Subtask] = []
        for status in 0...4 { counts[String(status)] = 0 }
        for task in tasks {
            for sub in task.subtasks {
                let status = sub.status(at: at)
                counts[String(status), default: 0] += 1
                for check in sub.checkIds {
                    names[String(check)] = CheckCatalogue.name(id: check, lang: lang)
                    if (2...4).contains(status) {
                        checkCounts[String(check), default: [:]][String(status), default: 0] += 1
                    }
                }
                let detail = sub.processDetail(at: at, lang: lang)
                subtasks.append(
                    .init(
                        taskId: task.taskId, detailTaskId: sub.detailTaskId, status: status, createTimeMs: sub.createMs,
                        endTimeMs: detail.endTime, completedAtMs: status >= 2 ? sub.endMs : nil,
                        checkIds: sub.checkIds
                    ))
            }
        }
        return GroundTruth(
            windowStartMs: windowStartMs, windowEndMs: windowEndMs, atMs: at,
            taskIds: tasks.map(\.taskId), total: subtasks.count, countsByStatus: counts,
            checkTerminalCounts: checkCounts, checkNames: names, subtasks: subtasks
        )
    }
}
