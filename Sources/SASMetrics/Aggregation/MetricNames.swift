/// The family names the aggregator produces (see docs/metrics.md).
public enum MetricNames {
    /// Gauge: subtasks in the poll window by status.
    public static let subtasks = "alibabacloud_sas_subtasks"
    /// Counter: subtasks observed reaching a terminal status.
    public static let subtasksCompleted = "alibabacloud_sas_subtasks_completed_total"
    /// Histogram: durations of completed subtasks.
    public static let subtaskDuration = "alibabacloud_sas_subtask_duration_seconds"
    /// Counter: completed subtasks per check item.
    public static let checkCompletions = "alibabacloud_sas_check_completions_total"
    /// Counter: failed or timed-out subtasks per check item.
    public static let checkFailures = "alibabacloud_sas_check_failures_total"
    /// Info gauge: check display names.
    public static let checkInfo = "alibabacloud_sas_check_info"
    /// Gauge: start time of the oldest running subtask.
    public static let runningOldestStart = "alibabacloud_sas_running_subtask_oldest_start_timestamp_seconds"
    /// Gauge: create time of the oldest subtask not started.
    public static let pendingOldestCreate = "alibabacloud_sas_pending_subtask_oldest_create_timestamp_seconds"
    /// Gauge: parent tasks by status.
    public static let tasks = "alibabacloud_sas_tasks"
    /// Counter: odd records by reason.
    public static let invalidSubtasks = "alibabacloud_sas_invalid_subtasks_total"
    /// Gauge: size of the de-duplication state.
    public static let trackedSubtasks = "alibabacloud_sas_tracked_subtasks"
    /// Counter: evictions from the de-duplication state, by reason.
    public static let trackedEvictions = "alibabacloud_sas_tracked_subtask_evictions_total"
    /// Counter: completions not counted per check because of the check-id cap.
    public static let checksDropped = "alibabacloud_sas_checks_dropped_total"

    /// Every family name above.
    public static let all: [String] = [
        subtasks, subtasksCompleted, subtaskDuration, checkCompletions, checkFailures, checkInfo,
        runningOldestStart, pendingOldestCreate, tasks, invalidSubtasks, trackedSubtasks, trackedEvictions,
        checksDropped,
    ]
}
