"""Expected values from the simulator's ground truth (`GET /admin/truth`).

The exporter's view of one poll and the truth are compared at matching times, exactly:

* A complete poll started at `Ls` (its window is `[Ls - lookback, Ls]`, the poller takes
  `now` once) and ended at `Le` (`alibabacloud_sas_last_poll_success_timestamp_seconds`);
  `Ls = Le - alibabacloud_sas_poll_duration_seconds`. Its API calls were answered at
  unknown moments inside `[Ls, Le]`.
* A subtask's status is monotonic in time (0, then 1, then its final code), so if every
  subtask of the window has the same status at `Ls - m` and at `Le + m`, nothing changed
  while the poll ran, and the exporter must have seen exactly the truth at `Le + m`.
  The task set must not change either: no task created near either window edge.
  `m` (MARGIN_MS) absorbs rounding between the two processes' clocks.
* A poll that straddles a change is *unsettled*: the caller waits for the next poll.
* Counters: a subtask is counted once if it completed after the baseline poll (the
  exporter's first) and before the poll being checked. With both polls settled, that is
  `Be < completedAt < Ls` (Be: end of the baseline poll, taken from the exporter's log).
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from dataclasses import dataclass

from e2e.harness import get_json

MARGIN_MS = 100
STATUS_NAMES = {0: "not_started", 1: "running", 2: "succeeded", 3: "timed_out", 4: "failed"}
TERMINAL = (2, 3, 4)
REASONS = {3: "timed_out", 4: "failed"}


def status_name(code: int) -> str:
    return STATUS_NAMES.get(code, "unknown")


class Simulator:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def truth(self, start_ms: int, end_ms: int, at_ms: int) -> dict:
        query = urllib.parse.urlencode({"start": start_ms, "end": end_ms, "at": at_ms, "lang": "en"})
        return get_json(f"{self.base}/admin/truth?{query}", timeout=30)


@dataclass
class Settled:
    truth: dict          # the truth at Le + m for the poll's window
    ls_ms: int
    le_ms: int


def settle(sim: Simulator, lookback_ms: int, ls_ms: int, le_ms: int,
           margin_ms: int = MARGIN_MS) -> tuple[Settled | None, str]:
    """The truth the poll [ls, le] must have seen, or None and why it cannot be known exactly."""
    inner_start, inner_end = ls_ms + margin_ms - lookback_ms, ls_ms - margin_ms
    before = sim.truth(inner_start, inner_end, ls_ms - margin_ms)
    after = sim.truth(inner_start, inner_end, le_ms + margin_ms)
    outer = sim.truth(ls_ms - margin_ms - lookback_ms, le_ms + margin_ms, le_ms + margin_ms)
    if sorted(outer["task_ids"]) != sorted(after["task_ids"]):
        extra = len(set(outer["task_ids"]) - set(after["task_ids"]))
        return None, f"{extra} task(s) created at a window edge while the poll ran"
    statuses_before = {s["detail_task_id"]: s["status"] for s in before["subtasks"]}
    statuses_after = {s["detail_task_id"]: s["status"] for s in after["subtasks"]}
    if statuses_before != statuses_after:
        changed = sum(1 for k, v in statuses_after.items() if statuses_before.get(k) != v)
        return None, f"{changed} subtask(s) changed status while the poll ran"
    return Settled(after, ls_ms, le_ms), ""


def completions_in(truth: dict, after_ms: int, before_ms: int) -> list[dict]:
    """Subtasks of the truth that reached a terminal status (2, 3, 4) in (after, before)."""
    return [s for s in truth["subtasks"]
            if s["status"] in TERMINAL and s.get("completed_at_ms") is not None
            and after_ms < s["completed_at_ms"] < before_ms]


def unsound_duration(subtask: dict) -> bool:
    """A completion whose duration the exporter must not observe (docs/metrics.md).

    `missing_times`: no EndTime (the truth's `end_time_ms` is what the API reports).
    `end_before_start`: the reported EndTime is before StartTime. The truth carries no
    StartTime; for the simulator's data set a reported EndTime that differs from the real
    completion time is exactly that case (normal records report the real end).
    """
    end = subtask.get("end_time_ms")
    return end is None or end <= 0 or end != subtask.get("completed_at_ms")


def expected_window(truth: dict) -> dict[tuple[str, str], float]:
    """alibabacloud_sas_subtasks by (status_code, status)."""
    out = {(str(c), status_name(c)): 0.0 for c in STATUS_NAMES}
    for code, count in truth["counts_by_status"].items():
        if count or int(code) in STATUS_NAMES:
            out[(code, status_name(int(code)))] = float(count)
    return out


def expected_counters(counted: list[dict]) -> dict[str, dict[tuple, float]]:
    """Expected counter values from the subtasks counted since the baseline."""
    completed = {(str(c), status_name(c)): 0.0 for c in TERMINAL}
    hist_count = {status_name(c): 0.0 for c in TERMINAL}
    unsound = {status_name(c): 0.0 for c in TERMINAL}
    checks: Counter = Counter()
    failures: Counter = Counter()
    for s in counted:
        code = s["status"]
        completed[(str(code), status_name(code))] += 1
        if unsound_duration(s):
            unsound[status_name(code)] += 1
        else:
            hist_count[status_name(code)] += 1
        for check in set(s.get("check_ids") or []):
            checks[str(check)] += 1
            if code in REASONS:
                failures[(str(check), REASONS[code])] += 1
    return {
        "completed": completed,
        "histogram_count": {(k,): v for k, v in hist_count.items()},
        "unsound": unsound,
        "check_completions": {(k,): float(v) for k, v in checks.items()},
        "check_failures": {k: float(v) for k, v in failures.items()},
    }


def odd_records(truth: dict) -> dict[str, set[str]]:
    """Detail ids per `invalid_subtasks_total` reason that this truth's records show.

    Mirrors docs/metrics.md: an unknown status code is `unknown_status` (and nothing else);
    a terminal record without times is `missing_times`; a terminal record whose EndTime is
    before its StartTime is `end_before_start` (see `unsound_duration` for how that is told
    without a start time).
    """
    out: dict[str, set[str]] = {"unknown_status": set(), "missing_times": set(), "end_before_start": set()}
    for s in truth["subtasks"]:
        code = s["status"]
        if code not in STATUS_NAMES:
            out["unknown_status"].add(s["detail_task_id"])
        elif code in TERMINAL:
            end = s.get("end_time_ms")
            if end is None or end <= 0:
                out["missing_times"].add(s["detail_task_id"])
            elif end != s.get("completed_at_ms"):
                out["end_before_start"].add(s["detail_task_id"])
    return out


def expected_invalid(baseline: dict, latest: dict) -> dict[tuple, float]:
    """invalid_subtasks_total by reason: each odd subtask seen by any poll, once.

    Odd states last (a final status never changes) and a subtask that was odd at the
    baseline but has left the window since was counted then, so the union of the
    baseline's and the latest poll's odd records is every one the exporter saw.
    """
    first, last = odd_records(baseline), odd_records(latest)
    return {(reason,): float(len(first[reason] | last[reason])) for reason in first}
