#!/usr/bin/env python3
"""Generate the sas-exporter Grafana dashboards with grafana-foundation-sdk.

    python3 grafana/build_dashboards.py           write grafana/dashboards/*.json and
                                                  deploy/kubernetes/base/grafana-dashboards.yaml
    python3 grafana/build_dashboards.py --check   exit 1 when a committed file differs

The JSON files are committed; this script is their source (scripts/check-rules fails when
they differ from what it generates). The ConfigMaps carry the same JSON, labelled
grafana_dashboard: "1" for the kube-prometheus-stack Grafana sidecar.

Conventions (IntegrationTests/dashboards/validate.py checks them): a `datasource` variable
used by every panel, target and templated query; `cluster`, `job`, `instance` and `account`
variables, each narrowing the next, read by every query; `$__rate_interval` in every
rate/increase; a unit and a description on every panel; stable uids. Needs
grafana-foundation-sdk and PyYAML (IntegrationTests/requirements.txt).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from grafana_foundation_sdk.builders import bargauge, common, dashboard, heatmap, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models.prometheus import PromQueryFormat, QueryEditorMode

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "grafana" / "dashboards"
CONFIG_MAPS = ROOT / "deploy" / "kubernetes" / "base" / "grafana-dashboards.yaml"

DS = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
RI = "$__rate_interval"
# The variables narrow each other in this order; every per-account series is selected by
# all four. `cluster` matches anything (".*") when All is selected, so a Prometheus whose
# series carry no cluster label works unchanged.
TARGET = 'cluster=~"$cluster", job=~"$job", instance=~"$instance"'
ACC = f'{TARGET}, account=~"$account"'
CHECK = 'check_name=~"${check:regex}"'
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
TAGS = ["sas-exporter", "alibabacloud", "security-center"]


# --------------------------------------------------------------------------- building blocks

def query(expr: str, legend: str = "__auto", ref: str = "A", instant: bool = False,
          fmt: PromQueryFormat = PromQueryFormat.TIME_SERIES) -> prometheus.Dataquery:
    q = (prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).format(fmt)
         .editor_mode(QueryEditorMode.CODE).datasource(DS))
    return q.instant() if instant else q.range()


def steps(*pairs: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (dashboard.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE)
            .steps([dm.Threshold(value=v, color=c) for v, c in pairs]))


GREEN = steps((None, "green"))


def text_map(off: str, on: str) -> list[dm.ValueMap]:
    """0 and 1 shown as words (a red `off`, a green `on`)."""
    return [dm.ValueMap(options={"0": dm.ValueMappingResult(text=off, color="red", index=0),
                                 "1": dm.ValueMappingResult(text=on, color="green", index=1)})]


def finish(panel, title: str, description: str, queries: list, unit: str, w: int, h: int):
    """What every panel has: datasource, title, description, unit, size, its queries."""
    panel = panel.title(title).description(description).datasource(DS).unit(unit).span(w).height(h)
    return panel.targets(queries)


def series(title: str, description: str, queries: list, unit: str, w: int = 12, h: int = 8,
           lo: float | None = 0, hi: float | None = None) -> timeseries.Panel:
    panel = (timeseries.Panel()
             .legend(common.VizLegendOptions().show_legend(True).display_mode(cm.LegendDisplayMode.TABLE)
                     .placement(cm.LegendPlacement.BOTTOM).calcs(["lastNotNull", "max"]))
             .tooltip(common.VizTooltipOptions().mode(cm.TooltipDisplayMode.MULTI).sort(cm.SortOrder.DESCENDING))
             .draw_style(cm.GraphDrawStyle.LINE).line_width(1).fill_opacity(10)
             .show_points(cm.VisibilityMode.NEVER).span_nulls(False)
             .color_scheme(dashboard.FieldColor().mode(dm.FieldColorModeId.PALETTE_CLASSIC))
             .thresholds(GREEN))
    if lo is not None:
        panel = panel.axis_soft_min(lo)
    if hi is not None:
        panel = panel.min(0).max(hi)
    return finish(panel, title, description, queries, unit, w, h)


def single(title: str, description: str, queries: list, unit: str, w: int = 6, h: int = 4,
           graph: bool = False, thresholds: dashboard.ThresholdsConfig | None = None,
           mappings: list | None = None, hi: float | None = None) -> stat.Panel:
    panel = (stat.Panel()
             .color_mode(cm.BigValueColorMode.VALUE)
             .graph_mode(cm.BigValueGraphMode.AREA if graph else cm.BigValueGraphMode.NONE)
             .justify_mode(cm.BigValueJustifyMode.AUTO).text_mode(cm.BigValueTextMode.AUTO)
             .orientation(cm.VizOrientation.AUTO)
             .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .color_scheme(dashboard.FieldColor().mode(dm.FieldColorModeId.THRESHOLDS if thresholds
                                                       else dm.FieldColorModeId.PALETTE_CLASSIC))
             .thresholds(thresholds or GREEN))
    if mappings:
        panel = panel.mappings(mappings)
    if hi is not None:
        panel = panel.min(0).max(hi)
    return finish(panel, title, description, queries, unit, w, h)


def bars(title: str, description: str, queries: list, unit: str, w: int = 12, h: int = 8) -> bargauge.Panel:
    panel = (bargauge.Panel()
             .display_mode(cm.BarGaugeDisplayMode.GRADIENT).value_mode(cm.BarGaugeValueMode.COLOR)
             .orientation(cm.VizOrientation.HORIZONTAL).show_unfilled(True).min_viz_height(10).min_viz_width(0)
             .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .color_scheme(dashboard.FieldColor().mode(dm.FieldColorModeId.PALETTE_CLASSIC))
             .thresholds(GREEN))
    return finish(panel, title, description, queries, unit, w, h)


def grid(title: str, description: str, queries: list, w: int = 12, h: int = 6) -> table.Panel:
    panel = (table.Panel().cell_height(cm.TableCellHeight.SM).show_header(True).thresholds(GREEN)
             .with_transformation(dm.DataTransformerConfig(
                 id_val="organize", options={"excludeByName": {"Time": True, "__name__": True}})))
    return finish(panel, title, description, queries, "none", w, h)


def buckets(title: str, description: str, queries: list, w: int = 12, h: int = 8) -> heatmap.Panel:
    panel = (heatmap.Panel().calculate(False).cell_gap(1)
             .color(heatmap.HeatmapColorOptions().mode("scheme").scheme("Oranges").scale("exponential")
                    .exponent(0.5).steps(64).fill("dark-orange").reverse(False))
             .y_axis(heatmap.YAxisConfig().axis_placement(cm.AxisPlacement.LEFT).unit("s").reverse(False))
             .show_value(cm.VisibilityMode.NEVER).show_legend().show_tooltip())
    return finish(panel, title, description, queries, "short", w, h)


def variable(name: str, label: str, expr: str, description: str, all_value: str = ".+",
             multi: bool = True, include_all: bool = True) -> dashboard.QueryVariable:
    var = (dashboard.QueryVariable(name).label(label).description(description).query(expr).datasource(DS)
           .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED).sort(dm.VariableSort.ALPHABETICAL_ASC)
           .multi(multi).include_all(include_all))
    return var.all_value(all_value) if include_all else var


def scope_variables() -> list:
    """datasource, then cluster, job, instance and account, each narrowing the next."""
    return [
        dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus"),
        variable("cluster", "Cluster", "label_values(alibabacloud_sas_up, cluster)",
                 "The `cluster` label, where Prometheus adds one (All also matches series without it).",
                 all_value=".*"),
        variable("job", "Job", 'label_values(alibabacloud_sas_up{cluster=~"$cluster"}, job)',
                 "Prometheus jobs scraping sas-exporter."),
        variable("instance", "Instance",
                 'label_values(alibabacloud_sas_up{cluster=~"$cluster", job=~"$job"}, instance)',
                 "Exporter instances (one per shard when sharded)."),
        variable("account", "Account", f"label_values(alibabacloud_sas_up{{{TARGET}}}, account)",
                 "Configured sas-exporter accounts (the `account` label)."),
    ]


def board(uid: str, title: str, description: str, panels: list, variables: list, tags: list[str]) -> dict:
    builder = (dashboard.Dashboard(title).uid(uid).description(description).tags(tags).editable()
               .tooltip(dm.DashboardCursorSync.CROSSHAIR).refresh("1m").time("now-6h", "now")
               .timezone("browser").version(1)
               .link(dashboard.DashboardLink("sas-exporter").type(dm.DashboardLinkType.DASHBOARDS)
                     .tags(["sas-exporter"]).as_dropdown(True).include_vars(True).keep_time(True)
                     .icon("external link").tooltip("Other sas-exporter dashboards"))
               .variables(variables))
    for number, panel in enumerate(panels, start=1):
        builder = builder.with_panel(panel.id(number))
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


# --------------------------------------------------------------------------- overview

def overview() -> dict:
    failed = 'status=~"failed|timed_out"'
    completed = f"alibabacloud_sas_subtasks_completed_total{{{ACC}}}"
    duration = f"alibabacloud_sas_subtask_duration_seconds_bucket{{{ACC}}}"
    panels = [
        bars("Subtasks by status (now)",
             "Subtasks in the poll window (default the last 24 h) by their current status, from the "
             "exporter's last complete poll.",
             [query(f"sum by (status) (alibabacloud_sas_subtasks{{{ACC}}})", "{{status}}", instant=True)],
             "none", w=8),
        series("Subtasks by status", "Subtasks in the poll window by current status over time.",
               [query(f"sum by (status) (alibabacloud_sas_subtasks{{{ACC}}})", "{{status}}")], "none", w=16),
        series("Subtask completions by status",
               "Subtasks observed reaching a terminal status, per second. Each subtask is counted once; "
               "subtasks already finished at the exporter's first poll are not.",
               [query(f"sum by (status) (rate({completed}[{RI}]))", "{{status}}")], "ops"),
        series("Check failures by reason", "Completed subtasks whose check ended failed or timed_out, per second.",
               [query(f"sum by (reason) (rate(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]))", "{{reason}}")],
               "ops"),
        series("Subtask failure ratio",
               "Share of completed subtasks that ended failed or timed_out, per account. Empty while nothing "
               "completes. Alert: SasSubtaskFailureRatioHigh.",
               [query(f"sum by (account) (rate(alibabacloud_sas_subtasks_completed_total{{{ACC}, {failed}}}[{RI}]))\n"
                      f"/\nsum by (account) (rate({completed}[{RI}]))", "{{account}}")],
               "percentunit", hi=1),
        series("Subtask duration percentiles",
               "p50, p90 and p99 of EndTime - StartTime of completed subtasks (all terminal statuses), "
               "estimated from the histogram buckets.",
               [query(f"histogram_quantile({q}, sum by (le) (rate({duration}[{RI}])))", f"p{int(float(q) * 100)}", ref)
                for q, ref in (("0.5", "A"), ("0.9", "B"), ("0.99", "C"))], "s"),
        buckets("Subtask duration distribution",
                "Completed subtasks per duration bucket and interval (histogram buckets as a heatmap; the y "
                "axis is the bucket's upper bound).",
                [query(f"sum by (le) (increase({duration}[{RI}]))", "{{le}}", fmt=PromQueryFormat.HEATMAP)]),
        series("Parent tasks by status",
               "Parent operation tasks in the poll window by status (present when task ids are discovered "
               "with ListOperationProcess).",
               [query(f"sum by (status) (alibabacloud_sas_tasks{{{ACC}}})", "{{status}}")], "none"),
        single("Oldest running subtask age",
               "How long the oldest subtask that is still running has been running, per account; 0 when "
               "none is running. Alert: SasSubtaskRunningTooLong (2 h).",
               [query(f"(time() - alibabacloud_sas_running_subtask_oldest_start_timestamp_seconds{{{ACC}}})\n"
                      f"or {ZERO_BY_ACCOUNT}", "{{account}}")],
               "s", h=6, thresholds=steps((None, "green"), (3600, "orange"), (7200, "red"))),
        single("Oldest pending subtask age",
               "How long the oldest subtask that has not started has been waiting since it was created, per "
               "account; 0 when none is pending. Alert: SasSubtaskPendingTooLong (1 h).",
               [query(f"(time() - alibabacloud_sas_pending_subtask_oldest_create_timestamp_seconds{{{ACC}}})\n"
                      f"or {ZERO_BY_ACCOUNT}", "{{account}}")],
               "s", h=6, thresholds=steps((None, "green"), (1800, "orange"), (3600, "red"))),
        bars("Top failing checks",
             "The 10 checks with the highest failure rate (failed and timed_out), by check name; names come "
             "from alibabacloud_sas_check_info.",
             [query(f"topk(10,\n  sum by (account, check_id) (rate(alibabacloud_sas_check_failures_total{{{ACC}}}"
                    f"[{RI}]))\n  * on (account, check_id) group_left (check_name)\n  {CHECK_INFO}\n)",
                    "{{check_name}} ({{account}})", instant=True)],
             "ops", h=6),
    ]
    return board("sas-overview", "SAS / Overview",
                 "Alibaba Cloud Security Center operation subtasks as seen by sas-exporter.",
                 panels, scope_variables(), TAGS)


# --------------------------------------------------------------------------- check drill-down

def check_drilldown() -> dict:
    comp = f"rate(alibabacloud_sas_check_completions_total{{{ACC}}}[{RI}]) {CHECK_SELECTED}"
    fail = f"rate(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]) {CHECK_SELECTED}"
    ratio = f"sum by (account) ({fail})\n/\nsum by (account) ({comp})"
    panels = [
        grid("Check", "The selected check: its id and display name per account (from alibabacloud_sas_check_info).",
             [query(f"alibabacloud_sas_check_info{{{ACC}, {CHECK}}}", instant=True, fmt=PromQueryFormat.TABLE)],
             w=24, h=5),
        single("Completion rate", "Completed subtasks that carried the selected check, per second, now.",
               [query(f"sum by (account) ({comp})", "{{account}}")], "ops", w=8, graph=True),
        single("Failure rate", "Of those, the ones that ended failed or timed_out, per second, now.",
               [query(f"sum by (account) ({fail})", "{{account}}")], "ops", w=8, graph=True,
               thresholds=steps((None, "green"), (1e-9, "red"))),
        single("Failure ratio",
               "Share of the selected check's completed subtasks that failed or timed out; empty while "
               "nothing completes.",
               [query(ratio, "{{account}}")], "percentunit", w=8, graph=True, hi=1),
        series("Completions", "Completed subtasks that carried the selected check, per second.",
               [query(f"sum by (account) ({comp})", "{{account}}")], "ops"),
        series("Failures by reason", "Failed and timed out subtasks of the selected check, per second.",
               [query(f"sum by (account, reason) ({fail})", "{{account}} {{reason}}")], "ops"),
        series("Failure ratio over time",
               "Share of the selected check's completions that failed or timed out. Alert SasCheckFailing "
               "fires on 2 or more failures in 15 minutes.",
               [query(ratio, "{{account}}")], "percentunit", hi=1),
        series("Failures per interval",
               "Number of failed or timed out subtasks of the selected check in each interval.",
               [query(f"sum by (account, reason) (increase(alibabacloud_sas_check_failures_total{{{ACC}}}[{RI}]) "
                      f"{CHECK_SELECTED})", "{{account}} {{reason}}")], "short"),
    ]
    check = variable("check", "Check", f"label_values(alibabacloud_sas_check_info{{{ACC}}}, check_name)",
                     "Check item by display name (check_name of alibabacloud_sas_check_info).",
                     multi=False, include_all=False)
    return board("sas-check-drilldown", "SAS / Check drill-down",
                 "One Security Center check item: completions, failures and failure ratio.",
                 panels, [*scope_variables(), check], TAGS)


# --------------------------------------------------------------------------- exporter health

def exporter_health() -> dict:
    req = f"alibabacloud_sas_api_requests_total{{{ACC}}}"
    latency = f"alibabacloud_sas_api_request_duration_seconds_bucket{{{ACC}}}"
    per_instance = f"{{{TARGET}}} {ON_SELECTED_INSTANCES}"

    def rate_or_zero(metric: str, by: str, matchers: str = "") -> str:
        return (f"sum by ({by}) (rate({metric}{{{ACC}{matchers}}}[{RI}]))\n"
                f"or {ZERO_BY_ACCOUNT}")

    panels = [
        single("API up",
               "1 when the account's last poll was complete, 0 when it failed (the last complete snapshot "
               "keeps being served). Alert: SasApiDown.",
               [query(f"alibabacloud_sas_up{{{ACC}}}", "{{account}}")], "none",
               mappings=text_map("DOWN", "UP"), thresholds=steps((None, "red"), (1, "green"))),
        single("Last complete poll age",
               "Time since the last complete poll ended. Alert: SasExporterDataStale (10 min).",
               [query(f"time() - alibabacloud_sas_last_poll_success_timestamp_seconds{{{ACC}}}", "{{account}}")],
               "s", thresholds=steps((None, "green"), (300, "orange"), (600, "red"))),
        single("Config reload",
               "Outcome of the last configuration reload of the exporter instances serving the selected "
               "accounts. Alert: SasExporterConfigReloadFailed.",
               [query(f"alibabacloud_sas_config_last_reload_successful{per_instance}", "{{instance}}")], "none",
               mappings=text_map("FAILED", "OK"), thresholds=steps((None, "red"), (1, "green"))),
        single("Exporter uptime", "Time since the exporter process started.",
               [query(f"time() - process_start_time_seconds{per_instance}", "{{instance}}")], "s"),
        series("Poll duration", "Duration of the last poll of each account.",
               [query(f"alibabacloud_sas_poll_duration_seconds{{{ACC}}}", "{{account}}")], "s"),
        series("Polls",
               "Polls run, polls that were not complete, and ticks skipped because the previous poll was still "
               "running, per second (0 when none).",
               [query(f"sum by (account) (rate(alibabacloud_sas_polls_total{{{ACC}}}[{RI}]))",
                      "{{account}} polls", "A"),
                query(rate_or_zero("alibabacloud_sas_poll_failures_total", "account"), "{{account}} failed", "B"),
                query(rate_or_zero("alibabacloud_sas_poll_skipped_total", "account"), "{{account}} skipped", "C")],
               "ops"),
        series("API requests by code",
               "Security Center API calls by outcome: OK, the API's error code, or timeout/transport/decode. "
               "Alert: SasApiErrorsHigh.",
               [query(f"sum by (code) (rate({req}[{RI}]))", "{{code}}")], "reqps"),
        series("API throttling rate",
               "API calls answered with a Throttling.* code, per second (0 when none). Alert: SasApiThrottled.",
               [query(rate_or_zero("alibabacloud_sas_api_requests_total", "account", ', code=~"Throttling.*"'),
                      "{{account}}")], "reqps"),
        series("API request latency", "p50 and p99 latency of Security Center API calls by action.",
               [query(f"histogram_quantile({q}, sum by (le, action) (rate({latency}[{RI}])))",
                      f"p{p} {{{{action}}}}", ref)
                for q, p, ref in (("0.5", 50, "A"), ("0.99", 99, "B"))], "s"),
        series("Invalid subtask records",
               "Records the API returned that could not be used as they are, by reason, per second (0 when "
               "none). Alert: SasSubtaskInvalidRecords.",
               [query(f"sum by (account, reason) (rate(alibabacloud_sas_invalid_subtasks_total{{{ACC}}}[{RI}]))\n"
                      f"or {ZERO_BY_ACCOUNT}", "{{account}} {{reason}}")], "ops"),
        series("Tracked subtasks", "Size of the de-duplication state behind the counters.",
               [query(f"alibabacloud_sas_tracked_subtasks{{{ACC}}}", "{{account}}")], "none"),
        series("Tracked subtask evictions by reason",
               "Entries leaving the de-duplication state, per second, by reason: expired_window (they left the "
               "poll window: harmless) or cap (the max_tracked_subtasks cap: nothing is counted twice, but "
               "subtasks forgotten while open are not counted when they complete; alert "
               "SasTrackedSubtasksEvicted). 0 when none.",
               [query("sum by (account, reason) "
                      f"(rate(alibabacloud_sas_tracked_subtask_evictions_total{{{ACC}}}[{RI}]))\n"
                      f"or {ZERO_BY_ACCOUNT}", "{{account}} {{reason}}")], "ops"),
        series("Process memory", "Resident memory of the exporter instances serving the selected accounts.",
               [query(f"process_resident_memory_bytes{per_instance}", "{{instance}}")], "bytes"),
        series("Process CPU", "CPU used by the exporter instances serving the selected accounts, in cores.",
               [query(f"rate(process_cpu_seconds_total{{{TARGET}}}[{RI}]) {ON_SELECTED_INSTANCES}", "{{instance}}")],
               "percentunit"),
        series("Open file descriptors", "Open file descriptors as a share of the process limit.",
               [query(f"(process_open_fds{{{TARGET}}} / process_max_fds{{{TARGET}}})\n{ON_SELECTED_INSTANCES}",
                      "{{instance}}")],
               "percentunit", hi=1),
        grid("Build info",
             "Version, revision and Swift version of the exporter instances serving the selected accounts.",
             [query(f"alibabacloud_sas_exporter_build_info{per_instance}", instant=True, fmt=PromQueryFormat.TABLE)],
             h=8),
    ]
    return board("sas-exporter-health", "SAS / Exporter health",
                 "Health of sas-exporter itself: polls, API calls, throttling, staleness, configuration and process.",
                 panels, scope_variables(), ["sas-exporter", "alibabacloud", "exporter-health"])


DASHBOARDS = {
    "sas-overview.json": overview,
    "sas-check-drilldown.json": check_drilldown,
    "sas-exporter-health.json": exporter_health,
}


def render_json(dash: dict) -> str:
    return json.dumps(dash, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_config_maps(texts: dict[str, str]) -> str:
    """The dashboards as ConfigMaps for the kube-prometheus-stack Grafana sidecar."""
    head = ("# GENERATED by grafana/build_dashboards.py: do not edit.\n"
            "# The dashboards of grafana/dashboards as ConfigMaps for the kube-prometheus-stack Grafana\n"
            "# sidecar, which loads every ConfigMap labelled grafana_dashboard: \"1\" (set the chart's\n"
            "# grafana.sidecar.dashboards.searchNamespace to ALL, or to this namespace, so it looks here)\n"
            "# into the folder named by the grafana_folder annotation (folderAnnotation: grafana_folder).\n"
            "# yamllint disable rule:line-length\n")
    docs = [{"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": f"grafana-dashboard-{name.removesuffix('.json')}",
                          "labels": {"grafana_dashboard": "1"},
                          "annotations": {"grafana_folder": "sas-exporter"}},
             "data": {name: text}} for name, text in texts.items()]
    return head + yaml.dump_all(docs, Dumper=_LiteralDumper, sort_keys=False, explicit_start=True)


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (the dashboards' JSON) as literal blocks, the JSON left as it is."""


_LiteralDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def outputs() -> dict[Path, str]:
    texts = {name: render_json(build()) for name, build in DASHBOARDS.items()}
    files = {OUT_DIR / name: text for name, text in texts.items()}
    files[CONFIG_MAPS] = render_config_maps(texts)
    return files


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("these differ from grafana/build_dashboards.py (run it and commit):", file=sys.stderr)
        for path in stale:
            print(f"  {path}", file=sys.stderr)
        return 1
    if check:
        print("dashboards and their ConfigMaps are what grafana/build_dashboards.py generates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
