import SASModels

extension AccountAggregator {
    /// The account's families: the counters, and the window gauges when a poll gave a
    /// `window` (nil before the first complete poll of a restored state).
    func families(window: WindowCounts?, tasks: TaskCounts?) -> [MetricFamily] {
        let accountLabel = MetricLabel("account", account)
        var result: [MetricFamily] = []

        if let window {
            let byStatus = window.byStatus
            let subtaskSamples = Self.statusSamples(byStatus, SubtaskStatus.self, account: accountLabel)
            result.append(
                MetricFamily(name: MetricNames.subtasks, help: Help.subtasks, type: .gauge, samples: subtaskSamples))
        }

        var completedSamples: [MetricSample] = []
        var durationSamples: [MetricSample] = []
        for status in SubtaskStatus.terminal {
            let code = String(status.rawValue)
            if let series = completed[code] {
                completedSamples.append(
                    MetricSample(
                        labels: [accountLabel, MetricLabel("status_code", code), MetricLabel("status", status.label)],
                        value: Double(series.value), created: Self.seconds(series.createdMs)
                    ))
            }
            if let series = durations[code] {
                durationSamples += series.histogram.samples(
                    labels: [accountLabel, MetricLabel("status", status.label)], created: Self.seconds(series.createdMs)
                )
            }
        }
        result.append(
            MetricFamily(
                name: MetricNames.subtasksCompleted, help: Help.completed, type: .counter, samples: completedSamples))
        result.append(
            MetricFamily(
                name: MetricNames.subtaskDuration, help: Help.duration, type: .histogram, samples: durationSamples))

        var completionSamples: [MetricSample] = []
        var failureSamples: [MetricSample] = []
        var infoSamples: [MetricSample] = []
        for (checkId, series) in checks {
            let created = Self.seconds(series.createdMs)
            let idLabel = MetricLabel("check_id", String(checkId))
            completionSamples.append(
                MetricSample(labels: [accountLabel, idLabel], value: Double(series.completions), created: created))
            failureSamples.append(
                MetricSample(
                    labels: [accountLabel, idLabel, MetricLabel("reason", SubtaskStatus.failed.label)],
                    value: Double(series.failed), created: created
                ))
            failureSamples.append(
                MetricSample(
                    labels: [accountLabel, idLabel, MetricLabel("reason", SubtaskStatus.timedOut.label)],
                    value: Double(series.timedOut), created: created
                ))
            infoSamples.append(
                MetricSample(
                    labels: [accountLabel, idLabel, MetricLabel("check_name", series.name ?? "")], value: 1
                ))
        }
        result.append(
            MetricFamily(
                name: MetricNames.checkCompletions, help: Help.checkCompletions, type: .counter,
                samples: completionSamples))
        result.append(
            MetricFamily(
                name: MetricNames.checkFailures, help: Help.checkFailures, type: .counter, samples: failureSamples))
        result.append(
            MetricFamily(name: MetricNames.checkInfo, help: Help.checkInfo, type: .info, samples: infoSamples))

        if let start = window?.oldestRunningStartMs {
            result.append(
                MetricFamily(
                    name: MetricNames.runningOldestStart, help: Help.runningOldest, type: .gauge,
                    samples: [MetricSample(labels: [accountLabel], value: Self.seconds(start))]
                ))
        }
        if let created = window?.oldestPendingCreateMs {
            result.append(
                MetricFamily(
                    name: MetricNames.pendingOldestCreate, help: Help.pendingOldest, type: .gauge,
                    samples: [MetricSample(labels: [accountLabel], value: Self.seconds(created))]
                ))
        }

        if let taskCounts = tasks?.byStatus {
            let taskSamples = Self.statusSamples(taskCounts, TaskStatus.self, account: accountLabel)
            result.append(MetricFamily(name: MetricNames.tasks, help: Help.tasks, type: .gauge, samples: taskSamples))
        }

        let invalidSamples = invalid.map { reason, series in
            MetricSample(
                labels: [accountLabel, MetricLabel("reason", reason)], value: Double(series.value),
                created: Self.seconds(series.createdMs))
        }
        result.append(
            MetricFamily(name: MetricNames.invalidSubtasks, help: Help.invalid, type: .counter, samples: invalidSamples)
        )
        result.append(
            MetricFamily(
                name: MetricNames.trackedSubtasks, help: Help.tracked, type: .gauge,
                samples: [MetricSample(labels: [accountLabel], value: Double(tracked.count))]
            ))
        let evictionSamples = evictions.map { reason, series in
            MetricSample(
                labels: [accountLabel, MetricLabel("reason", reason)], value: Double(series.value),
                created: Self.seconds(series.createdMs))
        }
        result.append(
            MetricFamily(
                name: MetricNames.trackedEvictions, help: Help.evictions, type: .counter, samples: evictionSamples))
        if let checksDropped {
            result.append(
                MetricFamily(
                    name: MetricNames.checksDropped, help: Help.checksDropped, type: .counter,
                    samples: [
                        MetricSample(
                            labels: [accountLabel], value: Double(checksDropped.value),
                            created: Self.seconds(checksDropped.createdMs))
                    ]
                ))
        }
        return result
    }

    static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }

    /// One sample per known status (0 when none has it) and one per unknown code seen,
    /// labelled `status_code` and `status`.
    private static func statusSamples<Status: LabelledStatus>(
        _ counts: [Int: Int], _: Status.Type, account: MetricLabel
    ) -> [MetricSample] {
        var samples = Status.allCases.map { status in
            MetricSample(
                labels: [
                    account, MetricLabel("status_code", String(status.rawValue)), MetricLabel("status", status.label),
                ],
                value: Double(counts[status.rawValue] ?? 0)
            )
        }
        for (code, count) in counts where Status(rawValue: code) == nil {
            samples.append(
                MetricSample(
                    labels: [
                        account, MetricLabel("status_code", String(code)),
                        MetricLabel("status", SubtaskStatus.unknownLabel),
                    ],
                    value: Double(count)
                ))
        }
        return samples
    }
}

/// HELP texts of the aggregator's families.
enum Help {
    static let subtasks =
        "Operation subtasks in the poll window by current status, from the last complete background poll of "
        + "ListOperationProcessDetail (not fetched at scrape time)."
    static let completed =
        "Operation subtasks observed reaching a terminal status (succeeded, timed_out or failed); each "
        + "DetailTaskId is counted once."
    static let duration =
        "Run time (EndTime minus StartTime) of completed operation subtasks in seconds, observed once per "
        + "subtask; records without sound times are not observed."
    static let checkCompletions = "Completed operation subtasks that carried this check item."
    static let checkFailures =
        "Completed operation subtasks carrying this check item that ended failed or timed_out (reason)."
    static let checkInfo = "Display name of a check item (value 1); join it on check_id with group_left."
    static let runningOldest =
        "Start time in Unix seconds of the oldest subtask still running, from the last complete background "
        + "poll; absent when none runs."
    static let pendingOldest =
        "Creation time in Unix seconds of the oldest subtask not yet started, from the last complete background "
        + "poll; absent when none waits."
    static let tasks =
        "Parent operation tasks in the poll window by status, from the last complete background poll of "
        + "ListOperationProcess."
    static let invalid =
        "Subtask records the API returned that could not be used as they are, by reason; each odd subtask "
        + "counts once, duplicates once per extra copy in a read."
    static let tracked =
        "Subtasks held in the de-duplication state behind the completion counters, after the last complete poll."
    static let evictions =
        "Entries that left the de-duplication state, by reason: expired_window (created more than lookback plus "
        + "a margin ago, harmless) or cap (max_tracked_subtasks reached: completions of the forgotten subtasks "
        + "are no longer counted)."
    static let checksDropped =
        "Completions whose check id got no series because max_checks distinct check ids were already exported."
}
