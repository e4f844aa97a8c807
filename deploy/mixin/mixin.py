#!/usr/bin/env python3
"""The sas-exporter monitoring mixin: the one source of the alerting and recording rules.

    python3 deploy/mixin/mixin.py            rewrite deploy/prometheus/alerts.yml,
                                             deploy/prometheus/recording-rules.yml and
                                             deploy/kubernetes/base/prometheusrule.yaml
    python3 deploy/mixin/mixin.py --check    exit 1 (with a diff) when one is out of date
    python3 deploy/mixin/mixin.py --config site.yml [--config more.yml] --out DIR
                                             a copy with overrides: DIR/alerts.yml and
                                             DIR/recording-rules.yml (the end-to-end
                                             suite renders its short-`for` copy so)

The configuration block (`for` durations, severities, thresholds, the `job` selector, the
labels aggregations keep, the runbook URL pattern) is deploy/mixin/config.yml; override
files are merged into it key by key (and alert by alert). Needs PyYAML.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_CONFIG = HERE / "config.yml"
ALERTS_FILE = "alerts.yml"
RECORDING_FILE = "recording-rules.yml"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
PROMETHEUS_RULE = ROOT / "deploy" / "kubernetes" / "base" / "prometheusrule.yaml"
SEVERITIES = ("critical", "warning", "info")
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_UNIT_WORDS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def seconds(duration: str) -> float:
    """Seconds of a Prometheus duration ("90s", "1h30m")."""
    text = str(duration)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {duration!r}")
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


def words(duration: str) -> str:
    """A duration for a sentence: "10m" -> "10 minutes", "1h" -> "1 hour"."""
    left = int(seconds(duration))
    out = []
    for name, size in _UNIT_WORDS:
        if left >= size:
            count, left = divmod(left, size)
            out.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(out) or "0 seconds"


def last(duration: str) -> str:
    """"the last 10 minutes", "the last hour"."""
    text = words(duration)
    return "the last " + (text[2:] if text.startswith("1 ") and text.count(" ") == 1 else text)


def merge(base: dict, override: dict) -> dict:
    """`override` merged into a copy of `base`, mappings key by key."""
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def load_config(overrides: list[Path]) -> dict:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for path in overrides:
        extra = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(extra.get("alerts", {})) - set(config["alerts"]))
        if unknown:
            raise SystemExit(f"mixin: {path}: unknown alerts {unknown}")
        config = merge(config, extra)
    for name, alert in config["alerts"].items():
        if alert.get("severity") not in SEVERITIES:
            raise SystemExit(f"mixin: {name}: severity {alert.get('severity')!r} is not one of {SEVERITIES}")
        seconds(alert["for"])
    return config


@dataclass(frozen=True)
class Mixin:
    """Expression helpers bound to one configuration."""

    config: dict

    def sel(self, metric: str, *matchers: str) -> str:
        """`metric{selector, matchers...}`."""
        return f"{metric}{{{', '.join([self.config['selector'], *matchers])}}}"

    def by(self, *labels: str) -> str:
        """`by (group labels..., labels...)`: aggregations keep job and cluster."""
        return f"by ({', '.join([*self.config['group_labels'], *labels])})"

    def on(self, *labels: str) -> str:
        return f"on ({', '.join([*self.config['group_labels'], *labels])})"

    def alert(self, name: str, expr: str, summary: str, description: str) -> dict:
        settings = self.config["alerts"][name]
        rule = {"alert": name, "expr": expr}
        if seconds(settings["for"]) > 0:
            rule["for"] = settings["for"]
        rule["labels"] = {"severity": settings["severity"]}
        rule["annotations"] = {
            "summary": summary,
            "description": " ".join(description.split()),
            "runbook_url": self.config["runbook_url"].format(anchor=name.lower()),
        }
        return rule


def alert_rules(m: Mixin) -> list[dict]:
    a = m.config["alerts"]

    def t(name: str, key: str = "threshold"):
        return a[name][key]

    def sustained(name: str) -> str:
        return words(a[name]["for"])

    up = m.sel("up")
    requests = "alibabacloud_sas_api_requests_total"
    completed = "alibabacloud_sas_subtasks_completed_total"
    failures = "alibabacloud_sas_check_failures_total"
    ratio_of = "{{ $value | humanizePercentage }}"
    count_of = '{{ printf "%.0f" $value }}'
    on_check = m.on("account", "check_id")
    req_errors = m.sel(requests, 'code!="OK"', 'code!~"Throttling.*"')
    req_throttled = m.sel(requests, 'code=~"Throttling.*"')
    requests = m.sel(requests)
    completed_failed = m.sel(completed, 'status=~"failed|timed_out"')
    completed_timed_out = m.sel(completed, 'status="timed_out"')
    completed = m.sel(completed)
    failures = m.sel(failures)
    evicted_by_cap = m.sel("alibabacloud_sas_tracked_subtask_evictions_total", 'reason="cap"')
    save_errors = m.sel("alibabacloud_sas_state_file_errors_total", 'operation="save"')
    return [
        m.alert("SasExporterDown", f"{up} == 0", "sas-exporter target is down.",
                f"Prometheus has failed to scrape sas-exporter {{{{ $labels.instance }}}} (job {{{{ $labels.job }}}}) "
                f"for {sustained('SasExporterDown')}; no Security Center metrics are being collected from it."),
        m.alert("SasExporterTargetMissing", f"absent({up})", "No sas-exporter target is being scraped.",
                f"Prometheus has no target with {m.config['selector']} for {sustained('SasExporterTargetMissing')}: "
                "service discovery or the scrape configuration lost the exporter."),
        m.alert("SasExporterShardsMissing",
                f"count {m.by()} ({up})\n"
                f"< on (job) group_left ()\n"
                f"max by (job) ({m.sel('job:alibabacloud_sas_exporter_shards:configured')})\n",
                "Fewer sas-exporter shards are scraped than are configured.",
                f"For {sustained('SasExporterShardsMissing')} Prometheus has scraped only {{{{ $value }}}} targets of "
                "job {{ $labels.job }}, fewer than the configured number of shards "
                "(job:alibabacloud_sas_exporter_shards:configured): the accounts of the missing shards are polled "
                "by nobody."),
        m.alert("SasExporterNotPolling",
                f"increase({m.sel('alibabacloud_sas_polls_total')}[{t('SasExporterNotPolling', 'window')}]) == 0",
                "sas-exporter has stopped polling the Security Center API.",
                "Account {{ $labels.account }} on {{ $labels.instance }} has not finished a single poll, complete "
                f"or not, in {last(t('SasExporterNotPolling', 'window'))}: its poller is stuck or stopped."),
        m.alert("SasApiDown", f"{m.sel('alibabacloud_sas_up')} == 0", "Security Center API polls are failing.",
                "The last poll of account {{ $labels.account }} on {{ $labels.instance }} was incomplete and polls "
                f"have kept failing for at least {sustained('SasApiDown')}; the exporter is serving its last "
                "complete snapshot."),
        m.alert("SasExporterDataStale",
                f"time() - {m.sel('alibabacloud_sas_last_poll_success_timestamp_seconds')}"
                f" > {seconds(t('SasExporterDataStale')):g}",
                "sas-exporter data is stale.",
                "The last complete poll of account {{ $labels.account }} on {{ $labels.instance }} ended "
                f"{{{{ $value | humanizeDuration }}}} ago (threshold {t('SasExporterDataStale')})."),
        m.alert("SasApiErrorsHigh",
                f"sum {m.by('account')} (rate({req_errors}"
                f"[{t('SasApiErrorsHigh', 'window')}]))\n/\n"
                f"sum {m.by('account')} (rate({requests}[{t('SasApiErrorsHigh', 'window')}]))\n"
                f"> {t('SasApiErrorsHigh')}\n",
                "Security Center API calls are failing.",
                f"{ratio_of} of API calls of account {{{{ $labels.account }}}} ended in an error other than "
                f"throttling over {last(t('SasApiErrorsHigh', 'window'))} "
                f"(threshold {t('SasApiErrorsHigh'):.0%})."),
        m.alert("SasApiThrottled",
                f"sum {m.by('account')} (rate({req_throttled}"
                f"[{t('SasApiThrottled', 'window')}]))\n/\n"
                f"sum {m.by('account')} (rate({requests}[{t('SasApiThrottled', 'window')}]))\n"
                f"> {t('SasApiThrottled')}\n",
                "Security Center API is throttling the exporter.",
                f"{ratio_of} of API calls of account {{{{ $labels.account }}}} were throttled over "
                f"{last(t('SasApiThrottled', 'window'))} (threshold {t('SasApiThrottled'):.0%})."),
        m.alert("SasSubtaskFailureRatioHigh",
                "(\n"
                f"  sum {m.by('account')} (increase({completed_failed}"
                f"[{t('SasSubtaskFailureRatioHigh', 'window')}]))\n  /\n"
                f"  sum {m.by('account')} (increase({completed}[{t('SasSubtaskFailureRatioHigh', 'window')}]))\n"
                f"  > {t('SasSubtaskFailureRatioHigh')}\n)\nand\n"
                f"sum {m.by('account')} (increase({completed}[{t('SasSubtaskFailureRatioHigh', 'window')}]))"
                f" >= {t('SasSubtaskFailureRatioHigh', 'min_completions')}\n",
                "Many Security Center subtasks are failing.",
                f"{ratio_of} of the subtasks of account {{{{ $labels.account }}}} that completed in "
                f"{last(t('SasSubtaskFailureRatioHigh', 'window'))} ended failed or timed out (threshold "
                f"{t('SasSubtaskFailureRatioHigh'):.0%}, at least {t('SasSubtaskFailureRatioHigh', 'min_completions')}"
                " completions)."),
        m.alert("SasSubtaskTimeoutsRising",
                f"sum {m.by('account')} (increase({completed_timed_out}"
                f"[{t('SasSubtaskTimeoutsRising', 'window')}])) > {t('SasSubtaskTimeoutsRising')}",
                "Security Center subtasks are timing out.",
                f"{count_of} subtasks of account {{{{ $labels.account }}}} timed out in "
                f"{last(t('SasSubtaskTimeoutsRising', 'window'))} (threshold {t('SasSubtaskTimeoutsRising')})."),
        m.alert("SasSubtaskRunningTooLong",
                f"time() - {m.sel('alibabacloud_sas_running_subtask_oldest_start_timestamp_seconds')}"
                f" > {seconds(t('SasSubtaskRunningTooLong')):g}",
                "A Security Center subtask has been running for too long.",
                "The oldest running subtask of account {{ $labels.account }} started "
                f"{{{{ $value | humanizeDuration }}}} ago (threshold {t('SasSubtaskRunningTooLong')})."),
        m.alert("SasSubtaskPendingTooLong",
                f"time() - {m.sel('alibabacloud_sas_pending_subtask_oldest_create_timestamp_seconds')}"
                f" > {seconds(t('SasSubtaskPendingTooLong')):g}",
                "A Security Center subtask has been waiting to start for too long.",
                "The oldest subtask of account {{ $labels.account }} that has not started was created "
                f"{{{{ $value | humanizeDuration }}}} ago (threshold {t('SasSubtaskPendingTooLong')})."),
        # The join adds the check's display name; the `or` branch still alerts (without a
        # name) if a check's info series is missing, so a failing check is never silenced.
        m.alert("SasCheckFailing",
                "(\n"
                f"  sum without (reason) (increase({failures}[{t('SasCheckFailing', 'window')}]))"
                f" >= {t('SasCheckFailing')}\n)\n"
                f"* {on_check} group_left (check_name)\n"
                f"topk {m.by('account', 'check_id')} (1, {m.sel('alibabacloud_sas_check_info')})\n"
                "or\n(\n"
                f"  sum without (reason) (increase({failures}[{t('SasCheckFailing', 'window')}]))"
                f" >= {t('SasCheckFailing')}\n"
                f"  unless {on_check}\n  {m.sel('alibabacloud_sas_check_info')}\n)\n",
                'Security Center check "{{ $labels.check_name }}" is failing repeatedly.',
                'Check "{{ $labels.check_name }}" (id {{ $labels.check_id }}) of account {{ $labels.account }} '
                f"failed or timed out {count_of} times in {last(t('SasCheckFailing', 'window'))} "
                f"(threshold {t('SasCheckFailing')})."),
        m.alert("SasTrackedSubtasksEvicted",
                f"sum {m.by('account')} (increase("
                f"{evicted_by_cap}"
                f"[{t('SasTrackedSubtasksEvicted', 'window')}])) > 0",
                "The de-duplication state of sas-exporter is full.",
                f"{count_of} subtasks of account {{{{ $labels.account }}}} were evicted from the de-duplication "
                f"state by its cap (max_tracked_subtasks) in {last(t('SasTrackedSubtasksEvicted', 'window'))}: "
                "their completions are no longer counted (never twice)."),
        m.alert("SasStateFileSaveFailing",
                f"increase({save_errors}"
                f"[{t('SasStateFileSaveFailing', 'window')}]) > 0",
                "sas-exporter cannot save its state file.",
                f"{count_of} saves of the state file of sas-exporter {{{{ $labels.instance }}}} failed in "
                f"{last(t('SasStateFileSaveFailing', 'window'))}, and saves have kept failing for "
                f"{sustained('SasStateFileSaveFailing')}: a restart now loses the counters and "
                "the de-duplication state since the last good save."),
        m.alert("SasChecksDropped",
                f"increase({m.sel('alibabacloud_sas_checks_dropped_total')}[{t('SasChecksDropped', 'window')}]) > 0",
                "sas-exporter drops check items beyond its cap.",
                f"{count_of} completed subtasks of account {{{{ $labels.account }}}} on {{{{ $labels.instance }}}} "
                "carried a check id beyond the exporter's cap of distinct checks in "
                f"{last(t('SasChecksDropped', 'window'))}: their checks have no series of their own."),
        m.alert("SasSubtaskInvalidRecords",
                f"sum {m.by('account', 'reason')} (increase({m.sel('alibabacloud_sas_invalid_subtasks_total')}"
                f"[{t('SasSubtaskInvalidRecords', 'window')}])) > 0",
                "The Security Center API returned subtask records that could not be used.",
                f"{count_of} invalid subtask records (reason {{{{ $labels.reason }}}}) were seen for account "
                f"{{{{ $labels.account }}}} in {last(t('SasSubtaskInvalidRecords', 'window'))}."),
        m.alert("SasExporterPollsSkipped",
                f"increase({m.sel('alibabacloud_sas_poll_skipped_total')}[{t('SasExporterPollsSkipped', 'window')}])"
                f" > {t('SasExporterPollsSkipped')}",
                "sas-exporter polls take longer than the poll interval.",
                f"{count_of} poll ticks of account {{{{ $labels.account }}}} on {{{{ $labels.instance }}}} were "
                f"skipped in {last(t('SasExporterPollsSkipped', 'window'))} because the previous poll "
                "was still running."),
        m.alert("SasExporterConfigReloadFailed", f"{m.sel('alibabacloud_sas_config_last_reload_successful')} == 0",
                "sas-exporter failed to reload its configuration.",
                "The last configuration reload of sas-exporter {{ $labels.instance }} failed; it keeps running "
                "with the previous configuration."),
    ]


def recording_rules(m: Mixin) -> list[dict]:
    completed = m.sel("alibabacloud_sas_subtasks_completed_total")
    failed = m.sel("alibabacloud_sas_subtasks_completed_total", 'status=~"failed|timed_out"')
    bucket = m.sel("alibabacloud_sas_subtask_duration_seconds_bucket")
    buckets = f"sum {m.by('account', 'status', 'le')} (rate({bucket}[5m]))"
    requests = m.sel("alibabacloud_sas_api_requests_total")
    not_ok = m.sel("alibabacloud_sas_api_requests_total", 'code!="OK"')
    rules = [
        # Subtask completions per second, by account and terminal status.
        ("account_status:alibabacloud_sas_subtasks_completed:rate5m",
         f"sum {m.by('account', 'status')} (rate({completed}[5m]))"),
        # Share of completed subtasks that ended failed or timed_out; NaN when nothing
        # completed in the window (0/0), which dashboards show as "No data".
        ("account:alibabacloud_sas_subtasks_failed_per_completed:ratio_rate5m",
         f"sum {m.by('account')} (rate({failed}[5m]))\n/\nsum {m.by('account')} (rate({completed}[5m]))\n"),
        # Duration histogram buckets aggregated over instances, ready for histogram_quantile.
        ("account_status_le:alibabacloud_sas_subtask_duration_seconds_bucket:rate5m", buckets),
    ]
    # Quantiles, each self-contained so it also evaluates on its own (check_queries.py).
    rules += [(f"account_status:alibabacloud_sas_subtask_duration_seconds:p{int(q * 100)}_rate5m",
               f"histogram_quantile({q},\n  {buckets}\n)\n") for q in (0.5, 0.9, 0.99)]
    rules += [
        # Check failures per second by check (both reasons summed).
        ("account_check_id:alibabacloud_sas_check_failures:rate5m",
         f"sum {m.by('account', 'check_id')} (rate({m.sel('alibabacloud_sas_check_failures_total')}[5m]))"),
        # API calls per second by outcome code.
        ("account_code:alibabacloud_sas_api_requests:rate5m", f"sum {m.by('account', 'code')} (rate({requests}[5m]))"),
        # Share of API calls that did not answer OK (throttling included).
        ("account:alibabacloud_sas_api_requests_not_ok_per_requests:ratio_rate5m",
         f"sum {m.by('account')} (rate({not_ok}[5m]))\n/\nsum {m.by('account')} (rate({requests}[5m]))\n"),
    ]
    return [{"record": name, "expr": expr} for name, expr in rules]


def groups(config: dict) -> tuple[list[dict], list[dict]]:
    m = Mixin(config)
    recording = [{"name": "sas-exporter.rules", "interval": config["recording_interval"], "rules": recording_rules(m)}]
    return recording, [{"name": "sas-exporter", "rules": alert_rules(m)}]


class Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key (the repository's yamllint style)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


Dumper.add_representer(str, _represent_str)


def dump(document) -> str:
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120)


HEADER = """\
# GENERATED by deploy/mixin/mixin.py from deploy/mixin/config.yml{extra}: do not edit.
# Change the configuration (or the mixin) and rerun it; scripts/check-rules checks that
# this file is up to date. docs/alerts.md explains every rule and how to tune it.
"""


def render(config: dict, extra: str = "") -> dict[str, str]:
    recording, alerting = groups(config)
    head = HEADER.format(extra=extra)
    return {
        RECORDING_FILE: head + dump({"groups": recording}),
        ALERTS_FILE: head + dump({"groups": alerting}),
        "prometheusrule": head + (
            "# The Prometheus Operator's PrometheusRule: the same groups as deploy/prometheus/*.yml.\n"
            "# Many operator installs select rules by a label, e.g. release: <helm release>;\n"
            "# add it with a kustomize patch in your overlay.\n") + dump({
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PrometheusRule",
                "metadata": {"name": "sas-exporter", "labels": {"app.kubernetes.io/component": "exporter"}},
                "spec": {"groups": recording + alerting},
            }),
    }


def committed_paths() -> dict[str, Path]:
    return {RECORDING_FILE: PROMETHEUS_DIR / RECORDING_FILE, ALERTS_FILE: PROMETHEUS_DIR / ALERTS_FILE,
            "prometheusrule": PROMETHEUS_RULE}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, action="append", default=[],
                        help="a file of overrides merged into deploy/mixin/config.yml (repeatable)")
    parser.add_argument("--out", type=Path, help="write alerts.yml and recording-rules.yml here instead")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)

    config = load_config(args.config)
    extra = "".join(f" and {p}" for p in args.config)
    files = render(config, extra)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name in (ALERTS_FILE, RECORDING_FILE):
            (args.out / name).write_text(files[name], encoding="utf-8")
        print(f"mixin: wrote {ALERTS_FILE} and {RECORDING_FILE} to {args.out}")
        return 0
    stale = 0
    for key, path in committed_paths().items():
        shown = path.relative_to(ROOT)
        if args.check:
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != files[key]:
                stale += 1
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), files[key].splitlines(True),
                                                           f"{shown} (committed)", f"{shown} (generated)"))
        else:
            path.write_text(files[key], encoding="utf-8")
            print(f"mixin: wrote {shown}")
    if stale:
        print(f"mixin: {stale} file(s) out of date: run python3 deploy/mixin/mixin.py and commit", file=sys.stderr)
        return 1
    if args.check:
        print("mixin: the rule files are what deploy/mixin/mixin.py renders")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
