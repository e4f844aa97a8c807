#!/usr/bin/env python3
"""Generate the sas-exporter Grafana dashboards (grafana/dashboards/*.json).

The JSON files are committed; this script is their source. Edit it, run
`python3 grafana/build_dashboards.py`, and commit both. `scripts/check-rules`
fails when the committed JSON differs from what this script generates.

Only the standard library is used. Conventions (checked by scripts/check-rules):
one `datasource` variable used by every panel, target and templated query; an
`account` variable in every query; `$__rate_interval` in every rate/increase;
a unit and a description on every panel; stable uids; schemaVersion 39.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DS = {"type": "prometheus", "uid": "${datasource}"}
ACC = 'account=~"$account"'
CHECK = 'check_name=~"${check:regex}"'
RI = "$__rate_interval"
# Adds a 0 sample for every selected account that has no series on the left side, so
# panels for rare events (throttling, invalid records) show 0 rather than "No data".
ZERO_BY_ACCOUNT = f"on (account) (sum by (account) (alibabacloud_sas_up{{{ACC}}}) * 0)"
# Restricts account-less series (process_*, config, build info) to the exporter
# instances that serve the selected accounts.
ON_SELECTED_INSTANCES = f"and on (job, instance) alibabacloud_sas_up{{{ACC}}}"
# One check_info series per (account, check_id), so a group_left join never fails on
# duplicates (a rename seen by two replicas, for example).
CHECK_INFO = f"topk by (account, check_id) (1, alibabacloud_sas_check_info{{{ACC}}})"
CHECK_SELECTED = f"and on (account, check_id) alibabacloud_sas_check_info{{{ACC}, {CHECK}}}"

OUT_DIR = Path(__file__).resolve().parent / "dashboards"


def target(expr: str, legend: str = "__auto", ref: str = "A", instant: bool = False,
           fmt: str = "time_series") -> dict:
    return {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "format": fmt,
        "instant": instant,
        "legendFormat": legend,
        "range": not instant,
        "refId": ref,
    }


def field_config(unit: str, *, decimals: int | None = None, mappings: list | None = None,
                 thresholds: list | None = None, min_val: float | None = None,
                 max_val: float | None = None, custom: dict | None = None) -> dict:
    defaults: dict = {
        "unit": unit,
        "color": {"mode": "palette-classic" if thresholds is None else "thresholds"},
        "mappings": mappings or [],
        "thresholds": {
            "mode": "absolute",
            "steps": thresholds or [{"color": "green", "value": None}],
        },
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    if min_val is not None:
        defaults["min"] = min_val
    if max_val is not None:
        defaults["max"] = max_val
    if custom is not None:
        defaults["custom"] = custom
    return {"defaults": defaults, "overrides": []}


TIMESERIES_CUSTOM = {
    "drawStyle": "line",
    "lineInterpolation": "linear",
    "lineWidth": 1,
    "fillOpacity": 10,
    "gradientMode": "none",
    "showPoints": "never",
    "spanNulls": False,
    "stacking": {"group": "A", "mode": "none"},
    "axisPlacement": "auto",
    "axisSoftMin": 0,
}

REDUCE_LAST = {"calcs": ["lastNotNull"], "fields": "", "values": False}


class Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.next_id = 1

    def place(self, w: int, h: int) -> tuple[int, dict]:
        if self.x + w > 24:
            self.x = 0
            self.y += self.row_h
            self.row_h = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        pid = self.next_id
        self.next_id += 1
        return pid, pos


def panel(layout: Layout, kind: str, title: str, description: str, targets: list,
          fc: dict, options: dict, w: int = 12, h: int = 8) -> dict:
    pid, pos = layout.place(w, h)
    return {
        "datasource": DS,
        "description": description,
        "fieldConfig": fc,
        "gridPos": pos,
        "id": pid,
        "options": options,
        "targets": targets,
        "title": title,
        "type": kind,
    }


def timeseries(layout: Layout, title: str, description: str, targets: list, unit: str,
               w: int = 12, h: int = 8, **fc_args) -> dict:
    options = {
        "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table",
                   "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    fc = field_config(unit, custom=dict(TIMESERIES_CUSTOM), **fc_args)
    return panel(layout, "timeseries", title, description, targets, fc, options, w, h)


def stat(layout: Layout, title: str, description: str, targets: list, unit: str,
         w: int = 6, h: int = 4, graph: bool = False, **fc_args) -> dict:
    options = {
        "colorMode": "value",
        "graphMode": "area" if graph else "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": REDUCE_LAST,
        "textMode": "auto",
    }
    return panel(layout, "stat", title, description, targets,
                 field_config(unit, **fc_args), options, w, h)


def bargauge(layout: Layout, title: str, description: str, targets: list, unit: str,
             w: int = 12, h: int = 8, **fc_args) -> dict:
    options = {
        "displayMode": "gradient",
        "minVizHeight": 10,
        "minVizWidth": 0,
        "orientation": "horizontal",
        "reduceOptions": REDUCE_LAST,
        "showUnfilled": True,
        "valueMode": "color",
    }
    return panel(layout, "bargauge", title, description, targets,
                 field_config(unit, **fc_args), options, w, h)


def table(layout: Layout, title: str, description: str, targets: list, unit: str,
          w: int = 12, h: int = 6, sort_by: str | None = None) -> dict:
    options: dict = {"cellHeight": "sm", "showHeader": True}
    if sort_by is not None:
        options["sortBy"] = [{"desc": True, "displayName": sort_by}]
    fc = field_config(unit)
    pnl = panel(layout, "table", title, description, targets, fc, options, w, h)
    pnl["transformations"] = [{
        "id": "organize",
        "options": {"excludeByName": {"Time": True, "__name__": True}},
    }]
    return pnl


def heatmap(layout: Layout, title: str, description: str, targets: list,
            w: int = 12, h: int = 8) -> dict:
    options = {
        "calculate": False,
        "cellGap": 1,
        "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                  "scale": "exponential", "scheme": "Oranges", "steps": 64},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "legend": {"show": True},
        "rowsFrame": {"layout": "auto"},
        "showValue": "never",
        "tooltip": {"show": True, "yHistogram": False},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "s"},
    }
    fc = field_config("short", custom={"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                                       "scaleDistribution": {"type": "linear"}})
    return panel(layout, "heatmap", title, description, targets, fc, options, w, h)


def datasource_var() -> dict:
    return {
        "current": {},
        "hide": 0,
        "includeAll": False,
        "label": "Data source",
        "multi": False,
        "name": "datasource",
        "options": [],
        "query": "prometheus",
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }


def query_var(name: str, label: str, query: str, *, multi: bool, include_all: bool,
              description: str) -> dict:
    var = {
        "current": {},
        "datasource": DS,
        "description": description,
        "hide": 0,
        "includeAll": include_all,
        "label": label,
        "multi": multi,
        "name": name,
        "options": [],
        "query": query,
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }
    if include_all:
        var["allValue"] = ".+"
    return var


def account_var() -> dict:
    return query_var("account", "Account", "label_values(alibabacloud_sas_up, account)",
                     multi=True, include_all=True,
                     description="Configured sas-exporter accounts (the `account` label).")


def dashboard(uid: str, title: str, description: str, panels: list, variables: list,
              tags: list[str]) -> dict:
    return {
        "annotations": {"list": []},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "links": [{
            "asDropdown": True,
            "icon": "external link",
            "includeVars": True,
            "keepTime": True,
            "tags": ["sas-exporter"],
            "targetBlank": False,
            "title": "sas-exporter",
            "tooltip": "Other sas-exporter dashboards",
            "type": "dashboards",
            "url": "",
        }],
        "liveNow": False,
        "panels": panels,
        "refresh": "1m",
        "schemaVersion": 39,
        "tags": tags,
        "templating": {"list": variables},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


# --------------------------------------------------------------------------- overview

def overview() -> dict:
    lay = Layout()
    failed = 'status=~"failed|timed_out"'
    panels = [
        bargauge(lay, "Subtasks by status (now)",
                 "Subtasks in the poll window (default the last 24 h) by their current status, "
                 "from the exporter's last complete poll.",
                 [target(f"sum by (status) (alibabacloud_sas_subtasks{{{ACC}}})", "{{status}}",
                         instant=True)],
                 "none", w=8),
        timeseries(lay, "Subtasks by status",
                   "Subtasks in the poll window by current status over time.",
                   [target(f"sum by (status) (alibabacloud_sas_subtasks{{{ACC}}})", "{{status}}")],
                   "none", w=16),
        timeseries(lay, "Subtask completions by status",
                   "Subtasks observed reaching a terminal status, per second. Each subtask is "
                   "counted once; subtasks already finished at the exporter's first poll are not.",
                   [target(f"sum by (status) (rate(alibabacloud_sas_subtasks_completed_total{{{ACC}}}[{RI}]))",
                           "{{status}}")],
                   "ops"),
        timeseries(lay, "Check failures by reason",
                   "Completed subtasks whose check ended failed or timed_out, per second.",
                   [target(f"sum by (reason) (rate(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]))",
                           "{{reason}}")],
                   "ops"),
        timeseries(lay, "Subtask failure ratio",
                   "Share of completed subtasks that ended failed or timed_out, per account. "
                   "Empty while nothing completes. Alert: SasSubtaskFailureRatioHigh.",
                   [target(f"sum by (account) (rate(alibabacloud_sas_subtasks_completed_total{{{ACC}, {failed}}}[{RI}]))\n"
                           f"/\nsum by (account) (rate(alibabacloud_sas_subtasks_completed_total{{{ACC}}}[{RI}]))",
                           "{{account}}")],
                   "percentunit", min_val=0, max_val=1),
        timeseries(lay, "Subtask duration percentiles",
                   "p50, p90 and p99 of EndTime - StartTime of completed subtasks (all terminal "
                   "statuses), estimated from the histogram buckets.",
                   [target(f"histogram_quantile({q}, sum by (le) (rate(alibabacloud_sas_subtask_duration_seconds_bucket{{{ACC}}}[{RI}])))",
                           f"p{int(float(q) * 100)}", ref)
                    for q, ref in (("0.5", "A"), ("0.9", "B"), ("0.99", "C"))],
                   "s"),
        heatmap(lay, "Subtask duration distribution",
                "Completed subtasks per duration bucket and interval (histogram buckets "
                "as a heatmap; the y axis is the bucket's upper bound).",
                [target(f"sum by (le) (increase(alibabacloud_sas_subtask_duration_seconds_bucket{{{ACC}}}[{RI}]))",
                        "{{le}}", fmt="heatmap")]),
        timeseries(lay, "Parent tasks by status",
                   "Parent operation tasks in the poll window by status (present when task "
                   "ids are discovered with ListOperationProcess).",
                   [target(f"sum by (status) (alibabacloud_sas_tasks{{{ACC}}})", "{{status}}")],
                   "none"),
        stat(lay, "Oldest running subtask age",
             "How long the oldest subtask that is still running has been running, per account; "
             "0 when none is running. Alert: SasSubtaskRunningTooLong (2 h).",
             [target(f"(time() - alibabacloud_sas_running_subtask_oldest_start_timestamp_seconds{{{ACC}}})\n"
                     f"or {ZERO_BY_ACCOUNT}", "{{account}}")],
             "s", w=6, h=6,
             thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 3600},
                         {"color": "red", "value": 7200}]),
        stat(lay, "Oldest pending subtask age",
             "How long the oldest subtask that has not started has been waiting since it was "
             "created, per account; 0 when none is pending. Alert: SasSubtaskPendingTooLong (1 h).",
             [target(f"(time() - alibabacloud_sas_pending_subtask_oldest_create_timestamp_seconds{{{ACC}}})\n"
                     f"or {ZERO_BY_ACCOUNT}", "{{account}}")],
             "s", w=6, h=6,
             thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1800},
                         {"color": "red", "value": 3600}]),
        bargauge(lay, "Top failing checks",
                 "The 10 checks with the highest failure rate (failed and timed_out), by "
                 "check name; names come from alibabacloud_sas_check_info.",
                 [target(f"topk(10,\n  sum by (account, check_id) (rate(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]))\n"
                         f"  * on (account, check_id) group_left (check_name)\n  {CHECK_INFO}\n)",
                         "{{check_name}} ({{account}})", instant=True)],
                 "ops", w=12, h=6),
    ]
    return dashboard("sas-overview", "SAS / Overview",
                     "Alibaba Cloud Security Center operation subtasks as seen by sas-exporter.",
                     panels, [datasource_var(), account_var()],
                     ["sas-exporter", "alibabacloud", "security-center"])


# --------------------------------------------------------------------------- check drilldown

def check_drilldown() -> dict:
    lay = Layout()
    comp = f"rate(alibabacloud_sas_check_completions_total{{{ACC}}}[{RI}]) {CHECK_SELECTED}"
    fail = f"rate(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]) {CHECK_SELECTED}"
    panels = [
        table(lay, "Check",
              "The selected check: its id and display name per account (from "
              "alibabacloud_sas_check_info).",
              [target(f"alibabacloud_sas_check_info{{{ACC}, {CHECK}}}", "__auto", instant=True,
                      fmt="table")],
              "none", w=24, h=5),
        stat(lay, "Completion rate",
             "Completed subtasks that carried the selected check, per second, now.",
             [target(f"sum by (account) ({comp})", "{{account}}")], "ops", w=8, graph=True),
        stat(lay, "Failure rate",
             "Of those, the ones that ended failed or timed_out, per second, now.",
             [target(f"sum by (account) ({fail})", "{{account}}")], "ops", w=8, graph=True,
             thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1e-9}]),
        stat(lay, "Failure ratio",
             "Share of the selected check's completed subtasks that failed or timed out; "
             "empty while nothing completes.",
             [target(f"sum by (account) ({fail})\n/\nsum by (account) ({comp})", "{{account}}")],
             "percentunit", w=8, graph=True, min_val=0, max_val=1),
        timeseries(lay, "Completions",
                   "Completed subtasks that carried the selected check, per second.",
                   [target(f"sum by (account) ({comp})", "{{account}}")], "ops"),
        timeseries(lay, "Failures by reason",
                   "Failed and timed out subtasks of the selected check, per second.",
                   [target(f"sum by (account, reason) ({fail})", "{{account}} {{reason}}")], "ops"),
        timeseries(lay, "Failure ratio over time",
                   "Share of the selected check's completions that failed or timed out. "
                   "Alert SasCheckFailing fires on 2 or more failures in 15 minutes.",
                   [target(f"sum by (account) ({fail})\n/\nsum by (account) ({comp})", "{{account}}")],
                   "percentunit", min_val=0, max_val=1),
        timeseries(lay, "Failures per interval",
                   "Number of failed or timed out subtasks of the selected check in each interval.",
                   [target(f"sum by (account, reason) (increase(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]) "
                           f"{CHECK_SELECTED})", "{{account}} {{reason}}")],
                   "short"),
    ]
    check = query_var("check", "Check",
                      f"label_values(alibabacloud_sas_check_info{{{ACC}}}, check_name)",
                      multi=False, include_all=False,
                      description="Check item by display name (check_name of alibabacloud_sas_check_info).")
    return dashboard("sas-check-drilldown", "SAS / Check drill-down",
                     "One Security Center check item: completions, failures and failure ratio.",
                     panels, [datasource_var(), account_var(), check],
                     ["sas-exporter", "alibabacloud", "security-center"])


# --------------------------------------------------------------------------- exporter health

def exporter_health() -> dict:
    lay = Layout()
    req = f"alibabacloud_sas_api_requests_total{{{ACC}}}"
    up_mappings = [{"options": {"0": {"color": "red", "index": 0, "text": "DOWN"},
                                "1": {"color": "green", "index": 1, "text": "UP"}},
                    "type": "value"}]
    reload_mappings = [{"options": {"0": {"color": "red", "index": 0, "text": "FAILED"},
                                    "1": {"color": "green", "index": 1, "text": "OK"}},
                        "type": "value"}]
    panels = [
        stat(lay, "API up",
             "1 when the account's last poll was complete, 0 when it failed (the last complete "
             "snapshot keeps being served). Alert: SasApiDown.",
             [target(f"alibabacloud_sas_up{{{ACC}}}", "{{account}}")], "none",
             mappings=up_mappings,
             thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]),
        stat(lay, "Last complete poll age",
             "Time since the last complete poll ended. Alert: SasExporterDataStale (5 min).",
             [target(f"time() - alibabacloud_sas_last_poll_success_timestamp_seconds{{{ACC}}}",
                     "{{account}}")], "s",
             thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 180},
                         {"color": "red", "value": 300}]),
        stat(lay, "Config reload",
             "Outcome of the last configuration reload of the exporter instances serving the "
             "selected accounts. Alert: SasExporterConfigReloadFailed.",
             [target(f"alibabacloud_sas_config_last_reload_successful {ON_SELECTED_INSTANCES}",
                     "{{instance}}")], "none",
             mappings=reload_mappings,
             thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]),
        stat(lay, "Exporter uptime",
             "Time since the exporter process started.",
             [target(f"time() - process_start_time_seconds {ON_SELECTED_INSTANCES}", "{{instance}}")],
             "s"),
        timeseries(lay, "Poll duration",
                   "Duration of the last poll of each account.",
                   [target(f"alibabacloud_sas_poll_duration_seconds{{{ACC}}}", "{{account}}")], "s"),
        timeseries(lay, "Polls",
                   "Polls run, polls that were not complete, and ticks skipped because the "
                   "previous poll was still running, per second (0 when none).",
                   [target(f"sum by (account) (rate(alibabacloud_sas_polls_total{{{ACC}}}[{RI}]))",
                           "{{account}} polls", "A"),
                    target(f"sum by (account) (rate(alibabacloud_sas_poll_failures_total{{{ACC}}}[{RI}]))\n"
                           f"or {ZERO_BY_ACCOUNT}", "{{account}} failed", "B"),
                    target(f"sum by (account) (rate(alibabacloud_sas_poll_skipped_total{{{ACC}}}[{RI}]))\n"
                           f"or {ZERO_BY_ACCOUNT}", "{{account}} skipped", "C")],
                   "ops"),
        timeseries(lay, "API requests by code",
                   "Security Center API calls by outcome: OK, the API's error code, or "
                   "timeout/transport/decode. Alert: SasApiErrorsHigh.",
                   [target(f"sum by (code) (rate({req}[{RI}]))", "{{code}}")], "reqps"),
        timeseries(lay, "API throttling rate",
                   "API calls answered with a Throttling.* code, per second (0 when none). "
                   "Alert: SasApiThrottled.",
                   [target(f'sum by (account) (rate(alibabacloud_sas_api_requests_total{{{ACC}, code=~"Throttling.*"}}[{RI}]))\n'
                           f"or {ZERO_BY_ACCOUNT}", "{{account}}")], "reqps"),
        timeseries(lay, "API request latency",
                   "p50 and p99 latency of Security Center API calls by action.",
                   [target(f"histogram_quantile(0.5, sum by (le, action) (rate(alibabacloud_sas_api_request_duration_seconds_bucket{{{ACC}}}[{RI}])))",
                           "p50 {{action}}", "A"),
                    target(f"histogram_quantile(0.99, sum by (le, action) (rate(alibabacloud_sas_api_request_duration_seconds_bucket{{{ACC}}}[{RI}])))",
                           "p99 {{action}}", "B")],
                   "s"),
        timeseries(lay, "Invalid subtask records",
                   "Records the API returned that could not be used as they are, by reason, per "
                   "second (0 when none). Alert: SasSubtaskInvalidRecords.",
                   [target(f"sum by (account, reason) (rate(alibabacloud_sas_invalid_subtasks_total{{{ACC}}}[{RI}]))\n"
                           f"or {ZERO_BY_ACCOUNT}", "{{account}} {{reason}}")], "ops"),
        timeseries(lay, "Tracked subtasks",
                   "Size of the de-duplication state behind the counters.",
                   [target(f"alibabacloud_sas_tracked_subtasks{{{ACC}}}", "{{account}}")], "none"),
        timeseries(lay, "Tracked subtask evictions",
                   "Entries evicted from the de-duplication state by its hard cap, per second (0 "
                   "when none); evictions mean a completion may be counted twice.",
                   [target(f"sum by (account) (rate(alibabacloud_sas_tracked_subtask_evictions_total{{{ACC}}}[{RI}]))\n"
                           f"or {ZERO_BY_ACCOUNT}", "{{account}}")], "ops"),
        timeseries(lay, "Process memory",
                   "Resident memory of the exporter instances serving the selected accounts.",
                   [target(f"process_resident_memory_bytes {ON_SELECTED_INSTANCES}", "{{instance}}")],
                   "bytes"),
        timeseries(lay, "Process CPU",
                   "CPU used by the exporter instances serving the selected accounts, in cores.",
                   [target(f"rate(process_cpu_seconds_total[{RI}]) {ON_SELECTED_INSTANCES}", "{{instance}}")],
                   "percentunit"),
        timeseries(lay, "Open file descriptors",
                   "Open file descriptors as a share of the process limit.",
                   [target(f"process_open_fds / process_max_fds {ON_SELECTED_INSTANCES}", "{{instance}}")],
                   "percentunit", min_val=0, max_val=1),
        table(lay, "Build info",
              "Version, revision and Swift version of the exporter instances serving the "
              "selected accounts.",
              [target(f"alibabacloud_sas_exporter_build_info {ON_SELECTED_INSTANCES}", "__auto",
                      instant=True, fmt="table")],
              "none", w=12, h=8),
    ]
    return dashboard("sas-exporter-health", "SAS / Exporter health",
                     "Health of sas-exporter itself: polls, API calls, throttling, staleness, "
                     "configuration and process.",
                     panels, [datasource_var(), account_var()],
                     ["sas-exporter", "alibabacloud", "exporter-health"])


DASHBOARDS = {
    "sas-overview.json": overview,
    "sas-check-drilldown.json": check_drilldown,
    "sas-exporter-health.json": exporter_health,
}


def render(build) -> str:
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, build in DASHBOARDS.items():
        path = OUT_DIR / name
        text = render(build)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("dashboards differ from grafana/build_dashboards.py (run it and commit):", file=sys.stderr)
        for path in stale:
            print(f"  {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
