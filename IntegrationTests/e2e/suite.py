#!/usr/bin/env python3
"""End-to-end suite: simulator -> sas-exporter -> Prometheus -> Alertmanager -> webhook.

Run through IntegrationTests/e2e/run (it sets SAS_BIN and SAS_VENV). docs/e2e.md describes the
scenario, every check and how the exporter's numbers are matched exactly with the
simulator's ground truth. Prints `PASS name` / `FAIL name: ...` per check and
`e2e: N passed, N failed`; exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import yaml

from e2e.harness import (
    Prometheus,
    Stack,
    free_port,
    http,
    listening_address,
    post_json,
    prerequisites_missing,
    run_suite,
    series_key,
    wait_for,
)
from e2e.truth import (
    MARGIN_MS,
    Simulator,
    completions_in,
    expected_counters,
    expected_invalid,
    expected_window,
    settle,
)

ROOT = Path(__file__).resolve().parents[2]
MIXIN = ROOT / "deploy" / "mixin" / "mixin.py"
MIXIN_OVERRIDES = Path(__file__).with_name("mixin.yml")
SHARDS_RULE = ROOT / "deploy" / "kubernetes" / "components" / "sharded" / "prometheusrule-shards.yaml"
LOOKBACK_MS = 2 * 3600 * 1000     # longer than any subtask's life (<= 61 min) plus the run
RAISED_LOOKBACK_MS = 6 * 3600 * 1000   # the lookback-raise scenario: 2 h -> 6 h by reload
# The Java SDK's reading of StartTime/EndTime (EndTime bounds the completion time): the
# stricter one, where any query with EndTime would lose every open subtask and task.
TIME_SEMANTICS = "creation-completion"
INTERVAL = "2s"
POLL_TIMEOUT = "6s"  # fast fault scenarios: a throttled or failing poll gives up within seconds
ACCOUNTS = {"e2e": "v3", "e2e-rpc": "rpc"}
KEYS = {"e2e": ("e2eid", "e2esecret"), "e2e-rpc": ("e2erpcid", "e2erpcsecret")}
BURSTS = [(9001, 5), (102, 4)]     # (check id, failed subtasks): 9001 is outside the catalogue
WINDOW_FAMILIES = ("up|last_poll_success_timestamp_seconds|poll_duration_seconds|polls_total|subtasks|tasks"
                   "|subtasks_completed_total|subtask_duration_seconds_count|check_completions_total"
                   "|check_failures_total|invalid_subtasks_total")


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)

    def fail(self, name: str, message: str) -> None:
        self.failed += 1
        print(f"FAIL {name}: {message}", flush=True)

    def check(self, name: str, condition: bool, expected: object, got: object, query: str = "",
              detail: str = "") -> bool:
        if condition:
            self.ok(name, detail)
        else:
            self.fail(name, f"expected {expected}, got {got}" + (f" (query {query})" if query else ""))
        return condition


class Suite:
    def __init__(self, bin_dir: Path, tmp: Path, results: Results) -> None:
        self.bin = bin_dir
        self.tmp = tmp
        self.r = results
        self.stack = Stack()
        self.started = time.time()
        self.exporter = None
        self.exporter_port = 0
        self.baseline_end_ms: dict[str, int] = {}
        self.baseline_truth: dict[str, dict] = {}
        self.lookback_ms = LOOKBACK_MS

    def close(self) -> None:
        self.stack.close()

    # ---------------------------------------------------------------- start-up

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def start_all(self) -> None:
        self.notifications = self.tmp / "notifications.jsonl"
        self.notifications.touch()
        py = sys.executable
        hook = self.stack.start("webhook", [py, "-m", "e2e.webhook_receiver",
                                            "--listen", "127.0.0.1:0", "--out", str(self.notifications)],
                                self.log("webhook"))
        hook_addr = listening_address(self.log("webhook"), r"listening on (\S+:\d+)", hook)

        am_port = free_port()
        am_config = {
            "route": {"receiver": "webhook", "group_by": ["alertname", "account", "check_id"],
                      "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1m"},
            "receivers": [{"name": "webhook", "webhook_configs": [
                {"url": f"http://{hook_addr}/alerts", "send_resolved": True}]}],
        }
        (self.tmp / "alertmanager.yml").write_text(json.dumps(am_config, indent=1))
        (self.tmp / "am-data").mkdir()
        am = self.stack.start("alertmanager", [
            "prometheus-alertmanager", f"--config.file={self.tmp / 'alertmanager.yml'}",
            f"--storage.path={self.tmp / 'am-data'}", f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ], self.log("alertmanager"))
        self.am_base = f"http://127.0.0.1:{am_port}"

        keys = [f"--access-key={kid}:{secret}" for kid, secret in KEYS.values()]
        sim = self.stack.start("simulator", [
            str(self.bin / "sas-simulator"), "--web.listen-address", "127.0.0.1:0", *keys,
            "--seed", "7", "--tasks", "1440", "--subtasks-per-task", "10", "--time-semantics", TIME_SEMANTICS,
        ], self.log("simulator"))
        sim_addr = listening_address(self.log("simulator"), r"listening on (\S+:\d+)", sim)
        self.sim_base = f"http://{sim_addr}"
        self.sim = Simulator(self.sim_base)
        wait_for("alertmanager to be ready", lambda: am.alive and http("GET", f"{self.am_base}/-/ready")[0] == 200, 30)

        self.write_exporter_config()
        for attempt in range(1, 11):
            self.start_exporter()
            unsettled = self.wait_baselines()
            if not unsettled:
                break
            print(f"note: baseline poll unsettled ({unsettled}); restarting the exporter without state "
                  f"(attempt {attempt})", flush=True)
            self.stack.stop(self.exporter)
            (self.tmp / "state.json").unlink(missing_ok=True)
            self.log("exporter").rename(self.tmp / f"exporter-attempt{attempt}.log")
        else:
            raise RuntimeError("no settled baseline poll in 10 exporter starts")

        prom_port = free_port()
        prom_config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(path) for path in self.render_rules()],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
            "scrape_configs": [{"job_name": "sas-exporter",
                                "static_configs": [{"targets": [f"127.0.0.1:{self.exporter_port}"]}]}],
        }
        (self.tmp / "prometheus.yml").write_text(json.dumps(prom_config, indent=1))
        (self.tmp / "prom-data").mkdir()
        prom = self.stack.start("prometheus", [
            "prometheus", f"--config.file={self.tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.tmp / 'prom-data'}", f"--web.listen-address=127.0.0.1:{prom_port}",
            "--rules.alert.resend-delay=1s", "--log.level=warn",
        ], self.log("prometheus"))
        self.prom_base = f"http://127.0.0.1:{prom_port}"
        self.prom = Prometheus(self.prom_base)
        wait_for("prometheus to be ready",
                 lambda: prom.alive and http("GET", f"{self.prom_base}/-/ready")[0] == 200, 60)

    def render_rules(self) -> list[Path]:
        """The suite's copy of the rules: the mixin with IntegrationTests/e2e/mixin.yml (short
        `for`s), and the sharded component's configured-shards rule with one shard."""
        out = self.tmp / "rules"
        subprocess.run([sys.executable, str(MIXIN), "--config", str(MIXIN_OVERRIDES), "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        groups = yaml.safe_load(SHARDS_RULE.read_text(encoding="utf-8"))["spec"]["groups"]
        for group in groups:
            for rule in group["rules"]:
                rule["expr"] = "1"
        (out / "shards.yml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")
        self.rule_files = [out / "alerts.yml", out / "recording-rules.yml", out / "shards.yml"]
        return self.rule_files

    def write_exporter_config(self) -> None:
        lines = [f"interval: {INTERVAL}", f"lookback: {self.lookback_ms // 60000}m",
                 f"state_file: {self.tmp / 'state.json'}", "accounts:"]
        for name, signature in ACCOUNTS.items():
            kid, secret = KEYS[name]
            lines += [f"  - name: {name}", f"    endpoint: {self.sim_base}", f"    signature: {signature}",
                      "    lang: en", "    requests_per_second: 200", f"    poll_timeout: {POLL_TIMEOUT}",
                      "    credentials:",
                      f"      access_key_id: {kid}", f"      access_key_secret: {secret}"]
        (self.tmp / "config.yml").write_text("\n".join(lines) + "\n")

    def start_exporter(self) -> None:
        log = self.log("exporter")
        offset = log.stat().st_size if log.exists() else 0
        self.exporter = self.stack.start("exporter", [
            str(self.bin / "sas-exporter"), f"--config.file={self.tmp / 'config.yml'}",
            f"--web.listen-address=127.0.0.1:{self.exporter_port}",
        ], self.log("exporter"))
        addr = listening_address(log, r"msg=listening address=(\S+:\d+)", self.exporter, offset=offset)
        self.exporter_port = int(addr.rsplit(":", 1)[1])

    def baseline_lines(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for line in self.log("exporter").read_text(errors="replace").splitlines():
            fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
            fields = {k: v.strip('"') for k, v in fields.items()}
            if fields.get("msg") == "poll complete" and fields.get("baseline") == "true":
                found.setdefault(fields.get("account", ""), fields)
        return found

    def wait_baselines(self) -> str:
        """Waits for each account's baseline poll; '' when all are settled, else why not."""
        found = wait_for("the exporter's baseline polls",
                         lambda: (lambda f: f if set(ACCOUNTS) <= set(f) else None)(self.baseline_lines()), 60)
        problems = []
        for account, fields in found.items():
            # The log line is written just after the poll ended: a slightly late end only
            # makes the settled test stricter.
            end_ms = int(datetime.fromisoformat(fields["ts"].replace("Z", "+00:00")).timestamp() * 1000)
            start_ms = end_ms - int(float(fields["duration_seconds"]) * 1000) - 1
            settled, why = settle(self.sim, self.lookback_ms, start_ms, end_ms)
            if settled is None:
                problems.append(f"{account}: {why}")
                continue
            self.baseline_truth[account] = settled.truth
            self.baseline_end_ms[account] = end_ms + MARGIN_MS
        return "; ".join(problems)

    # ---------------------------------------------------------------- helpers

    def fault(self, **settings: object) -> None:
        post_json(f"{self.sim_base}/admin/faults", settings)

    def num(self, expr: str) -> float:
        """sum() of an expression, 0 when empty."""
        value = self.prom.value(f"sum({expr})")
        return value if value is not None else 0.0

    def wait_value(self, name: str, expr: str, predicate, timeout: float, describe: str) -> bool:
        last: list[float | None] = [None]

        def probe() -> bool:
            last[0] = self.prom.value(expr)
            return last[0] is not None and predicate(last[0])
        try:
            wait_for(name, probe, timeout, 0.5)
            return self.r.check(name, True, describe, last[0], expr)
        except TimeoutError:
            return self.r.check(name, False, f"{describe} within {timeout:.0f} s", last[0], expr)

    def latest_settled(self, account: str, timeout: float = 60.0, started_after_ms: int = 0):
        """The latest scrape of a complete poll (started after `started_after_ms`) whose truth
        is settled, with that truth."""
        selector = f'{{__name__=~"alibabacloud_sas_({WINDOW_FAMILIES})",account="{account}"}}'
        deadline = time.monotonic() + timeout
        tried: set[tuple[int, int]] = set()
        reasons = []
        while time.monotonic() < deadline:
            scrapes = self.prom.scrapes(selector, 20)
            for ts in sorted(scrapes, reverse=True):
                sample = scrapes[ts]
                up = sample.get(series_key({"__name__": "alibabacloud_sas_up", "account": account}))
                last = sample.get(series_key({"__name__": "alibabacloud_sas_last_poll_success_timestamp_seconds",
                                              "account": account}))
                dur = sample.get(series_key({"__name__": "alibabacloud_sas_poll_duration_seconds", "account": account}))
                if up == 1 and last is not None and dur is not None:
                    le = round(last * 1000)
                    ls = le - round(dur * 1000)
                    if ls <= started_after_ms:
                        break
                    if (ls, le) not in tried:
                        tried.add((ls, le))
                        settled, why = settle(self.sim, self.lookback_ms, ls, le)
                        if settled:
                            return ts, sample, settled
                        reasons.append(why)
                        print(f"note: {account} poll {ls}..{le} ms not comparable exactly ({why}); "
                              "waiting for the next poll", flush=True)
                    break
            time.sleep(1.0)
        raise TimeoutError(f"no settled poll of {account} within {timeout:.0f} s ({'; '.join(reasons[-3:])})")

    # ---------------------------------------------------------------- checks

    def compare(self, name: str, expected: dict[tuple, float], got: dict[tuple, float], query: str,
                detail: str = "") -> None:
        keys = sorted(set(expected) | set(got))
        diffs = [f"{'/'.join(k)}: expected {expected.get(k, 0.0):g}, got "
                 + (f"{got[k]:g}" if k in got else "absent")
                 for k in keys if expected.get(k, 0.0) != got.get(k)]
        if diffs:
            self.r.fail(name, "; ".join(diffs[:8]) + (f"; and {len(diffs) - 8} more" if len(diffs) > 8 else "")
                        + f" (query {query})")
        else:
            self.r.ok(name, detail)

    def check_exact(self, account: str, phase: str, started_after_ms: int = 0) -> None:
        """Window gauges and every counter of one scrape against the settled truth."""
        try:
            ts, sample, settled = self.latest_settled(account, started_after_ms=started_after_ms)
        except TimeoutError as err:
            self.r.fail(f"{phase} {account} settled poll", str(err))
            return
        truth = settled.truth

        def family(name: str, labels: tuple[str, ...]) -> dict[tuple, float]:
            out = {}
            for key, value in sample.items():
                d = dict(key)
                if d.get("__name__") == name:
                    out[tuple(d.get(lbl, "") for lbl in labels)] = value
            return out

        at = f"poll {settled.ls_ms}..{settled.le_ms} ms, scrape {ts:.3f}"
        query_base = f'alibabacloud_sas_%s{{account="{account}"}} at {ts:.3f} vs /admin/truth'
        self.compare(f"{phase} {account} subtasks gauge = truth", expected_window(truth),
                     family("alibabacloud_sas_subtasks", ("status_code", "status")),
                     query_base % "subtasks", f"{truth['total']} subtasks, {at}")
        tasks_total = sum(family("alibabacloud_sas_tasks", ("status_code",)).values())
        self.r.check(f"{phase} {account} tasks gauge total = truth", tasks_total == len(truth["task_ids"]),
                     len(truth["task_ids"]), tasks_total, query_base % "tasks")

        counted = completions_in(truth, self.baseline_end_ms[account], settled.ls_ms - MARGIN_MS)
        expected = expected_counters(counted)
        completed = family("alibabacloud_sas_subtasks_completed_total", ("status_code", "status"))
        self.compare(f"{phase} {account} completed counter = truth", expected["completed"], completed,
                     query_base % "subtasks_completed_total",
                     f"{len(counted)} completions since the baseline")
        hist = family("alibabacloud_sas_subtask_duration_seconds_count", ("status",))
        self.compare(f"{phase} {account} histogram count = truth", expected["histogram_count"], hist,
                     query_base % "subtask_duration_seconds_count",
                     f"{sum(expected['unsound'].values()):g} unsound durations left out")
        invariant = {(c[1],): completed.get(c, 0.0) - hist.get((c[1],), 0.0) for c in expected["completed"]}
        self.compare(f"{phase} {account} completed - histogram count = unsound durations",
                     {(k,): v for k, v in expected["unsound"].items()}, invariant,
                     query_base % "subtasks_completed_total - ..._count")
        self.compare(f"{phase} {account} check completions = truth", expected["check_completions"],
                     family("alibabacloud_sas_check_completions_total", ("check_id",)),
                     query_base % "check_completions_total")
        got_failures = dict(family("alibabacloud_sas_check_failures_total", ("check_id", "reason")))
        exp_failures = {k: v for k, v in expected["check_failures"].items()}
        for key in got_failures:        # series at 0 for checks without failures
            exp_failures.setdefault(key, 0.0)
        self.compare(f"{phase} {account} check failures = truth", exp_failures, got_failures,
                     query_base % "check_failures_total")
        got_invalid = family("alibabacloud_sas_invalid_subtasks_total", ("reason",))
        exp_invalid = expected_invalid(self.baseline_truth[account], truth)
        for key in got_invalid:         # every other reason at 0
            exp_invalid.setdefault(key, 0.0)
        self.compare(f"{phase} {account} invalid records = truth", exp_invalid, got_invalid,
                     query_base % "invalid_subtasks_total",
                     ", ".join(f"{k[0]} {v:g}" for k, v in sorted(exp_invalid.items()) if v))

    def notifications_for(self, alertname: str, status: str, **labels: str) -> list[dict]:
        found = []
        for line in self.notifications.read_text(errors="replace").splitlines():
            try:
                payload = json.loads(line)["payload"]
            except (ValueError, KeyError):
                continue
            for alert in payload.get("alerts", []):
                lbl = alert.get("labels", {})
                if (lbl.get("alertname") == alertname and alert.get("status") == status
                        and all(lbl.get(k) == v for k, v in labels.items())):
                    found.append(alert)
        return found

    def wait_notification(self, name: str, alertname: str, status: str, timeout: float, **labels: str) -> dict | None:
        try:
            alerts = wait_for(name, lambda: self.notifications_for(alertname, status, **labels), timeout, 0.5)
            self.r.ok(name)
            return alerts[0]
        except TimeoutError:
            self.r.fail(name, f"expected a {status} {alertname} notification with {labels} at the webhook "
                              f"within {timeout:.0f} s, got none ({self.notifications})")
            return None

    # ---------------------------------------------------------------- scenario

    def run(self) -> None:
        self.start_all()
        print(f"stack up in {time.time() - self.started:.1f} s: simulator {self.sim_base}, exporter "
              f"127.0.0.1:{self.exporter_port}, prometheus {self.prom_base}, alertmanager {self.am_base}", flush=True)
        self.wait_value("target up", 'up{job="sas-exporter"}', lambda v: v == 1, 30, "1")
        for account in ACCOUNTS:
            self.wait_value(f"{account} alibabacloud_sas_up", f'alibabacloud_sas_up{{account="{account}"}}',
                            lambda v: v == 1, 20, "1")
        for account in ACCOUNTS:
            self.check_exact(account, "start")

        # Bursts of failed subtasks for SasCheckFailing; wait until the exporter counted them.
        bases = {}
        for check_id, count in BURSTS:
            selector = f'alibabacloud_sas_check_failures_total{{account="e2e",check_id="{check_id}",reason="failed"}}'
            bases[check_id] = self.num(selector)
            post_json(f"{self.sim_base}/admin/burst", {"check_id": check_id, "count": count, "status": 4})
        for check_id, count in BURSTS:
            expr = f'sum(alibabacloud_sas_check_failures_total{{account="e2e",check_id="{check_id}",reason="failed"}})'
            base = bases[check_id]
            self.wait_value(f"burst of {count} failures of check {check_id} counted", expr,
                            lambda v, b=base, c=count: v >= b + c, 40, f">= {base + count:g}")

        # check_queries.py runs in the background while the faults are played.
        metrics_file = self.tmp / "metrics.txt"
        metrics_file.write_bytes(http("GET", f"http://127.0.0.1:{self.exporter_port}/metrics")[1])
        queries_log = self.log("check_queries")
        queries = self.stack.start("check_queries", [
            sys.executable, "-m", "e2e.check_queries", "--prometheus", self.prom_base,
            "--rules", *map(str, self.rule_files),
            "--metrics-file", str(metrics_file), "--wait", "60"], queries_log).popen

        self.scenario_throttling()
        self.scenario_errors()
        self.scenario_down()

        for check_id, _ in BURSTS:
            alert = self.wait_notification(f"SasCheckFailing for check {check_id} at the webhook",
                                           "SasCheckFailing", "firing", 60, account="e2e", check_id=str(check_id))
            if alert:
                now_ms = int(time.time() * 1000)
                names = self.sim.truth(int(self.started * 1000), now_ms, now_ms)["check_names"]  # burst tasks
                name = names.get(str(check_id))
                got = alert["labels"].get("check_name")
                self.r.check(f"SasCheckFailing for check {check_id} carries check_name", got == name,
                             repr(name), repr(got), "webhook labels.check_name vs /admin/truth check_names")
                summary = alert.get("annotations", {}).get("summary", "")
                self.r.check(f"SasCheckFailing for check {check_id} names the check in its summary",
                             name is not None and name in summary, f"summary containing {name!r}", repr(summary))

        # Many polls, faults and an outage later: nothing decreased, up told the truth.
        polls = self.num('alibabacloud_sas_polls_total{account="e2e"}')
        self.r.check("at least 20 polls before the final comparison", polls >= 20, ">= 20", polls,
                     'alibabacloud_sas_polls_total{account="e2e"}')
        span = int(time.time() - self.started) + 30
        self.check_no_resets("no counter ever decreased", r"alibabacloud_sas_.+(_total|_count|_sum|_bucket)",
                             span, 10)
        for account in ACCOUNTS:
            self.check_up_truthful(account, span)

        # Restart with the state file; completions while the exporter is down count once.
        self.scenario_restart()

        # Final: exact again after the faults, the restart and many polls; nothing double counted.
        for account in ACCOUNTS:
            self.check_exact(account, "final")
        span = int(time.time() - self.started) + 30
        self.check_no_resets("saved counters continue across the restart (no reset)",
                             r"alibabacloud_sas_(subtasks_completed_total|subtask_duration_seconds_.+"
                             r"|check_completions_total|check_failures_total|invalid_subtasks_total)", span, 6)

        # The lookback raised by reload: the stretch newly covered is a baseline, then exact.
        self.scenario_lookback_raise()

        try:
            code = queries.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(queries.pid, signal.SIGKILL)
            code = queries.wait()
        output = queries_log.read_text(errors="replace").strip()
        summary = output.splitlines()[-1] if output else "(no output)"
        if code == 0:
            self.r.ok("check_queries.py: every dashboard and rule expression returns data", summary)
        else:
            self.r.fail("check_queries.py: every dashboard and rule expression returns data",
                        f"expected exit 0, got {code}:\n{output}")

    def scenario_throttling(self) -> None:
        tt = 'sum(alibabacloud_sas_api_requests_total{account="e2e",code="Throttling.User"})'
        before = self.prom.value(tt) or 0.0
        last_before = self.num('alibabacloud_sas_last_poll_success_timestamp_seconds{account="e2e"}')
        fails_before = self.num('alibabacloud_sas_poll_failures_total{account="e2e"}')
        # Incremental polls make a few calls each (discovery and the unfinished tasks), so
        # the limit must be low for them to be throttled at all.
        self.fault(throttle_rps=2)
        self.wait_value("throttling: Throttling.User counted", tt, lambda v: v > before, 20, f"> {before:g}")
        # Polls still complete thanks to the retries: two more complete polls, up stays 1.
        mark = time.time()
        self.wait_value("throttling: polls still complete (retries)",
                        'alibabacloud_sas_last_poll_success_timestamp_seconds{account="e2e"}',
                        lambda v: v > max(mark, last_before) + 2, 30, "two more complete polls")
        fails = self.num('alibabacloud_sas_poll_failures_total{account="e2e"}')
        up = self.prom.value('alibabacloud_sas_up{account="e2e"}')
        self.r.check("throttling: up stays 1", up == 1 and fails == fails_before, "up 1, no failed poll",
                     f"up {up}, {fails - fails_before:g} failed polls", 'alibabacloud_sas_up{account="e2e"}')
        # Throttled beyond what retries can absorb within the poll deadline: up turns 0.
        self.fault(throttle_rps=0.05)
        self.wait_value("hard throttling: up turns 0", 'alibabacloud_sas_up{account="e2e"}', lambda v: v == 0,
                        30, "0")
        self.fault(throttle_rps=None)
        self.wait_value("throttling lifted: up back to 1", 'alibabacloud_sas_up{account="e2e"}', lambda v: v == 1,
                        30, "1")

    def scenario_errors(self) -> None:
        se = 'sum(alibabacloud_sas_api_requests_total{account="e2e",code="ServerError"})'
        before = self.prom.value(se) or 0.0
        fails_before = self.num('alibabacloud_sas_poll_failures_total{account="e2e"}')
        self.fault(error_rate=0.1)
        self.wait_value("5xx: ServerError counted", se, lambda v: v > before, 20, f"> {before:g}")
        mark = time.time()
        self.wait_value("5xx: polls still complete (retries)",
                        'alibabacloud_sas_last_poll_success_timestamp_seconds{account="e2e"}',
                        lambda v: v > mark + 2, 30, "two more complete polls")
        fails = self.num('alibabacloud_sas_poll_failures_total{account="e2e"}')
        up = self.prom.value('alibabacloud_sas_up{account="e2e"}')
        self.r.check("5xx: up stays 1", up == 1 and fails == fails_before, "up 1, no failed poll",
                     f"up {up}, {fails - fails_before:g} failed polls", 'alibabacloud_sas_up{account="e2e"}')
        self.fault(error_rate=1.0)
        self.wait_value("5xx on every call: up turns 0", 'alibabacloud_sas_up{account="e2e"}', lambda v: v == 0,
                        20, "0")
        self.fault(error_rate=0)
        self.wait_value("5xx over: up back to 1", 'alibabacloud_sas_up{account="e2e"}', lambda v: v == 1, 20, "1")

    def scenario_down(self) -> None:
        selector = '{__name__=~"alibabacloud_sas_(up|last_poll_success_timestamp_seconds|subtasks)",account="e2e"}'
        up_key = series_key({"__name__": "alibabacloud_sas_up", "account": "e2e"})
        down_at = time.time()
        self.fault(down=True)
        if not self.wait_value("API down: alibabacloud_sas_up turns 0", 'alibabacloud_sas_up{account="e2e"}',
                               lambda v: v == 0, 20, "0"):
            self.fault(down=False)
            return
        alert = self.wait_notification("API down: SasApiDown fires and reaches the webhook", "SasApiDown", "firing",
                                       100, account="e2e")
        if alert:
            print(f"note: SasApiDown notified {time.time() - down_at:.0f} s after the API went down", flush=True)
        # The last complete snapshot kept being served through the outage.
        span = int(time.time() - down_at) + 15
        scrapes = self.prom.scrapes(selector, span)
        times = sorted(scrapes)
        last_good = [t for t in times if t < down_at and scrapes[t].get(up_key) == 1]
        during = [t for t in times if t > down_at + 5 and scrapes[t].get(up_key) == 0]
        if not last_good or not during:
            self.r.fail("API down: last snapshot stays served", f"expected scrapes before and during the outage, "
                        f"got {len(last_good)} before, {len(during)} during (query {selector}[{span}s])")
        else:
            reference = scrapes[max(t for t in times if t < down_at + 5 and scrapes[t].get(up_key) == 1)] \
                if any(scrapes[t].get(up_key) == 1 for t in times) else scrapes[last_good[-1]]
            strip = {k: v for k, v in reference.items() if k != up_key}
            changed = [t for t in during if {k: v for k, v in scrapes[t].items() if k != up_key} != strip]
            self.r.check("API down: last snapshot stays served (subtask gauges and last success unchanged)",
                         not changed, f"{len(during)} outage scrapes equal to the last complete poll's",
                         f"{len(changed)} differing", f"{selector}[{span}s]")
        self.fault(down=False)
        self.wait_value("API back: alibabacloud_sas_up back to 1", 'alibabacloud_sas_up{account="e2e"}',
                        lambda v: v == 1, 20, "1")
        self.wait_notification("API back: SasApiDown resolved at the webhook", "SasApiDown", "resolved", 40,
                               account="e2e")

    def check_no_resets(self, name: str, pattern: str, span: int, minimum: int) -> None:
        selector = f'{{__name__=~"{pattern}",job="sas-exporter"}}'
        names = sorted(m["__name__"] for m, _ in self.prom.vector(f"count by (__name__) ({selector})"))
        decreased = {}
        for family in names:
            value = self.prom.value(f'sum(resets({family}{{job="sas-exporter"}}[{span}s]))')
            if value:
                decreased[family] = value
        self.r.check(name, len(names) >= minimum and not decreased, f"0 resets in >= {minimum} families",
                     f"{len(names)} families, resets {decreased}",
                     f'sum(resets(<name>{{job="sas-exporter"}}[{span}s])) for each name of {selector}',
                     f"{len(names)} families over {span} s")

    def scenario_restart(self) -> None:
        check = '{account="e2e",check_id="133"}'
        before = self.num(f"alibabacloud_sas_check_completions_total{check}")
        proc = self.exporter
        self.stack.stop(proc)
        self.r.check("exporter stops cleanly on SIGTERM", proc.popen.returncode == 0, "exit status 0",
                     proc.popen.returncode)
        post_json(f"{self.sim_base}/admin/burst", {"check_id": 133, "count": 3, "status": 2})
        time.sleep(12)      # burst subtasks end within 11 s: they complete while the exporter is down
        self.start_exporter()
        for account in ACCOUNTS:
            self.wait_value(f"restart: {account} alibabacloud_sas_up back to 1",
                            f'alibabacloud_sas_up{{account="{account}"}}', lambda v: v == 1, 30, "1")
        self.wait_value("restart: completions while the exporter was down are counted (state file)",
                        f"sum(alibabacloud_sas_check_completions_total{check})", lambda v: v >= before + 3, 20,
                        f">= {before + 3:g}")

    def scenario_lookback_raise(self) -> None:
        """lookback 2 h -> 6 h by POST /-/reload. The 4 h of history that come into the window
        hold thousands of finished subtasks: none may be counted. Every counter must still
        equal the completions since the baseline (which cannot include any of them: a
        subtask lives at most 61 min), and the gauges the wider truth, exactly."""
        before = {a: self.num(f'sum(alibabacloud_sas_subtasks_completed_total{{account="{a}"}})') for a in ACCOUNTS}
        self.lookback_ms = RAISED_LOOKBACK_MS
        self.write_exporter_config()
        reloaded_at = int(time.time() * 1000)
        status, body = http("POST", f"http://127.0.0.1:{self.exporter_port}/-/reload")
        if not self.r.check("lookback raise: POST /-/reload answers 200", status == 200, 200, status,
                            body.decode(errors="replace").strip()):
            return
        for account in ACCOUNTS:
            self.check_exact(account, "after a lookback raise 2h -> 6h", started_after_ms=reloaded_at)
        widened = self.sim.truth(reloaded_at - RAISED_LOOKBACK_MS, reloaded_at, reloaded_at)
        narrow = self.sim.truth(reloaded_at - LOOKBACK_MS, reloaded_at, reloaded_at)
        newly = sum(1 for s in widened["subtasks"] if s["status"] in (2, 3, 4)) - \
            sum(1 for s in narrow["subtasks"] if s["status"] in (2, 3, 4))
        after = {a: self.num(f'sum(alibabacloud_sas_subtasks_completed_total{{account="{a}"}})') for a in ACCOUNTS}
        self.r.check("lookback raise: the newly covered history is a baseline, not a burst",
                     all(after[a] - before[a] < newly / 10 for a in ACCOUNTS),
                     f"an increase far below the {newly} finished subtasks brought into the window",
                     {a: after[a] - before[a] for a in ACCOUNTS}, "alibabacloud_sas_subtasks_completed_total")
        span = int(time.time() - reloaded_at / 1000) + 1
        self.check_no_resets("no counter decreased across the lookback raise",
                             r"alibabacloud_sas_.+(_total|_count|_sum|_bucket)", span, 6)

    def check_up_truthful(self, account: str, span: int) -> None:
        """Between consecutive scrapes where exactly one poll finished, up says whether it was complete."""
        names = "up|polls_total|poll_failures_total|last_poll_success_timestamp_seconds"
        selector = f'{{__name__=~"alibabacloud_sas_({names})",account="{account}"}}'
        scrapes = self.prom.scrapes(selector, span)

        def get(sample: dict, name: str) -> float | None:
            return sample.get(series_key({"__name__": f"alibabacloud_sas_{name}", "account": account}))

        bad, pairs, failed_polls = [], 0, 0
        times = sorted(scrapes)
        for a, b in zip(times, times[1:], strict=False):
            sa, sb = scrapes[a], scrapes[b]
            vals = [get(s, n) for s in (sa, sb) for n in ("polls_total", "poll_failures_total", "up",
                                                           "last_poll_success_timestamp_seconds")]
            if any(v is None for v in vals):
                continue
            polls_a, fails_a, _, last_a, polls_b, fails_b, up_b, last_b = vals
            if polls_b - polls_a != 1:
                continue
            pairs += 1
            if fails_b - fails_a == 1:
                failed_polls += 1
                if up_b != 0 or last_b != last_a:
                    bad.append(f"at {b:.3f}: failed poll but up {up_b:g}, last success moved {last_b - last_a:g}")
            elif up_b != 1 or last_b <= last_a:
                bad.append(f"at {b:.3f}: complete poll but up {up_b:g}, last success moved {last_b - last_a:g}")
        self.r.check(f"{account} up is truthful poll by poll", not bad and pairs > 10 and failed_polls > 0,
                     "up 0 exactly after failed polls, 1 after complete ones (>10 polls, some failed)",
                     f"{pairs} polls ({failed_polls} failed), {len(bad)} wrong: {'; '.join(bad[:3])}",
                     f"{selector}[{span}s]")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", type=Path, default=Path(os.environ.get("SAS_BIN", ROOT / ".build/debug")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, TSDB)")
    args = parser.parse_args(argv)
    if prerequisites_missing("e2e", ("prometheus", "prometheus-alertmanager"), args.bin):
        return 1

    results = Results()
    return run_suite("e2e", "sas-e2e-", args.keep, results, lambda tmp: Suite(args.bin.resolve(), tmp, results))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
