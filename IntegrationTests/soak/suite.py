#!/usr/bin/env python3
"""Soak with faults: the real sas-simulator and sas-exporter in accelerated time.

Run through IntegrationTests/soak/run. Both processes run under libfaketime (see
`soak.worldclock`): every step moves their wall clocks forward by `--step` simulated
seconds, about once a real second, while the exporter polls every real second. Faults
from `soak.scenario` are played on the way (throttling storms, 5xx bursts, malformed and
truncated bodies, connection resets, responses past the poll deadline, an STS outage,
±10 min jumps of the exporter's wall clock, SIGHUP reloads good and bad, SIGKILL
restarts with the state file). Every scrape is validated by independent parsers. At
the end the world stands still, and every counter of every account must equal the
simulator's ground truth exactly (the rules of IntegrationTests/e2e/truth.py, over the
whole run); no saved counter may ever have decreased, not even across SIGKILL; no
secret may appear in any log. docs/reliability.md ("Soak") has the design and figures.

Prints `PASS name` / `FAIL name: ...` per check and `soak: N passed, N failed`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import urllib.error
from datetime import datetime
from pathlib import Path

from e2e.harness import (
    Checks,
    Stack,
    get_json,
    listening_address,
    post_json,
    prerequisites_missing,
    run_suite,
    wait_for,
)
from e2e.truth import (
    MARGIN_MS,
    Simulator,
    completions_in,
    expected_counters,
    expected_window,
    odd_records,
    settle,
)
from soak.exposition import FORMATS, Scrape, promtool_check, scrape
from soak.scenario import Event, schedule
from soak.worldclock import WorldClock, find_library

LOOKBACK_S = 6 * 3600           # far longer than a subtask lives (<= 61 min) plus any outage
POLL_TIMEOUT_S = 3
ROLE_ARN = "acs:ram::1234567890123456:role/sas-soak"
OIDC_ROLE_ARN = "acs:ram::1234567890123456:role/sas-soak-oidc"
OIDC_PROVIDER_ARN = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-soak"
OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.c29hay1vaWRjLXRva2Vu.soak-oidc-signature-d41d8cd98f00b204"
KEYS = {
    "soak-v3": ("soakv3id", "soak-v3-secret-5e884898da28047151d0e56f8dc6"),
    "soak-rpc": ("soakrpcid", "soak-rpc-secret-a3f390d88e4c41f2747bfa2f1b5f"),
    "soak-role": ("soakroleid", "soak-role-secret-2c26b46b68ffc68ff99b453c1d30"),
}
ACCOUNTS = ("soak-v3", "soak-rpc", "soak-role", "soak-oidc")
SAVED = ("alibabacloud_sas_subtasks_completed_total", "alibabacloud_sas_subtask_duration_seconds_count",
         "alibabacloud_sas_subtask_duration_seconds_sum", "alibabacloud_sas_subtask_duration_seconds_bucket",
         "alibabacloud_sas_check_completions_total", "alibabacloud_sas_check_failures_total",
         "alibabacloud_sas_invalid_subtasks_total")
TRUTH_CHUNK_MS = 6 * 3600 * 1000


class Soak:
    def __init__(self, args: argparse.Namespace, tmp: Path, results: Checks, library: str) -> None:
        self.args = args
        self.bin = args.bin.resolve()
        self.tmp = tmp
        self.r = results
        self.stack = Stack()
        self.clock = WorldClock(tmp, library)
        self.exporter = None
        self.exporter_port = 0
        self.page_size = 100
        self.generation = 0
        self.baseline: dict[str, dict] = {}     # account -> {"end_ms", "window_start_ms"}
        # figures and evidence, filled as the run goes
        self.scrapes = 0
        self.invalid: list[str] = []
        self.promtool_runs = 0
        self.decreases: list[str] = []
        self.saved_max: dict[tuple, float] = {}
        self.rss: list[tuple[float, int, int]] = []      # (simulated hours, generation, bytes)
        self.codes: dict[str, set[str]] = {a: set() for a in ACCOUNTS}
        self.polls = {a: 0.0 for a in ACCOUNTS}          # summed over process generations
        self.failures = {a: 0.0 for a in ACCOUNTS}
        self.last_polls = {a: (0.0, 0.0) for a in ACCOUNTS}
        self.max_gap_s = {a: 0.0 for a in ACCOUNTS}
        self.last_success_ms = {a: 0 for a in ACCOUNTS}
        self.reloads: list[str] = []
        self.events_done: list[str] = []
        self.down_scrapes = 0

    def close(self) -> None:
        self.stack.close()
        self.clock.release()

    # ------------------------------------------------------------------ processes

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def world_ms(self) -> int:
        return self.clock.now_ms(int(time.time() * 1000))

    def start_keeper(self) -> None:
        keeper = self.stack.start("faketime-keeper", ["sleep", "infinity"], self.log("faketime-keeper"),
                                  env=self.clock.keeper_environment())
        self.clock.shared(keeper.popen.pid)

    def start_simulator(self) -> None:
        keys = [f"--access-key={kid}:{secret}" for kid, secret in KEYS.values()]
        sim = self.stack.start("simulator", [
            str(self.bin / "sas-simulator"), "--web.listen-address", "127.0.0.1:0", *keys,
            "--seed", str(self.args.data_seed), "--tasks", "1440", "--subtasks-per-task", "10",
        ], self.log("simulator"), env=self.clock.environment("simulator"))
        self.sim_base = "http://" + listening_address(self.log("simulator"), r"listening on (\S+:\d+)", sim)
        self.sim = Simulator(self.sim_base)

    def config_text(self, page_size: int) -> str:
        lines = ["interval: 1s", f"lookback: {LOOKBACK_S // 60}m", f"state_file: {self.tmp / 'state.json'}",
                 "accounts:"]
        for name in ACCOUNTS:
            lines += [f"  - name: {name}", f"    endpoint: {self.sim_base}", "    lang: en",
                      f"    signature: {'rpc' if name == 'soak-rpc' else 'v3'}",
                      "    requests_per_second: 200", f"    poll_timeout: {POLL_TIMEOUT_S}s",
                      f"    page_size: {page_size if name == 'soak-v3' else 100}"]
            if name in KEYS:
                kid, secret = KEYS[name]
                lines += ["    credentials:", f"      access_key_id: {kid}", f"      access_key_secret: {secret}"]
                if name == "soak-role":
                    lines += [f"      role_arn: {ROLE_ARN}", f"      sts_endpoint: {self.sim_base}"]
        return "\n".join(lines) + "\n"

    def write_config(self, text: str) -> None:
        path = self.tmp / "config.yml"
        path.with_suffix(".tmp").write_text(text)
        os.replace(path.with_suffix(".tmp"), path)

    def exporter_env(self) -> dict[str, str]:
        env = {k: v for k, v in self.clock.environment("exporter").items() if not k.startswith("ALIBABA_CLOUD_")}
        token = self.tmp / "oidc-token"
        token.write_text(OIDC_TOKEN)
        env.update({
            # soak-oidc has no credentials block: the default chain finds the RRSA OIDC role
            "ALIBABA_CLOUD_ROLE_ARN": OIDC_ROLE_ARN, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": OIDC_PROVIDER_ARN,
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token), "ALIBABA_CLOUD_STS_ENDPOINT": self.sim_base,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(self.tmp),
        })
        return env

    def start_exporter(self) -> None:
        log = self.log("exporter")
        offset = log.stat().st_size if log.exists() else 0
        self.clock.hold_exporter(True)
        self.exporter = self.stack.start("exporter", [
            str(self.bin / "sas-exporter"), f"--config.file={self.tmp / 'config.yml'}",
            f"--web.listen-address=127.0.0.1:{self.exporter_port}",
        ], log, env=self.exporter_env())
        time.sleep(0.2)
        self.clock.hold_exporter(False)
        addr = listening_address(log, r"msg=listening address=(\S+:\d+)", self.exporter, offset=offset)
        self.exporter_port = int(addr.rsplit(":", 1)[1])
        self.exporter_base = f"http://127.0.0.1:{self.exporter_port}"
        self.generation += 1

    def fault(self, **settings: object) -> None:
        post_json(f"{self.sim_base}/admin/faults", settings)

    # ------------------------------------------------------------------ baseline

    def baseline_lines(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for line in self.log("exporter").read_text(errors="replace").splitlines():
            fields = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)}
            if fields.get("msg") == "poll complete" and fields.get("baseline") == "true":
                found.setdefault(fields.get("account", ""), fields)
        return found

    def settle_baselines(self) -> str:
        found = wait_for("the baseline polls", lambda: (lambda f: f if set(ACCOUNTS) <= set(f) else None)(
            self.baseline_lines()), 60)
        problems = []
        for account in ACCOUNTS:
            fields = found[account]
            end_ms = int(datetime.fromisoformat(fields["ts"].replace("Z", "+00:00")).timestamp() * 1000)
            start_ms = end_ms - int(float(fields["duration_seconds"]) * 1000) - 1
            unreadable = self.clock.unreadable_poll(start_ms, end_ms)
            if unreadable:
                problems.append(f"{account}: the baseline poll cannot be compared: {unreadable}")
                continue
            settled, why = settle(self.sim, LOOKBACK_S * 1000, start_ms, end_ms)
            if settled is None:
                problems.append(f"{account}: {why}")
                continue
            self.baseline[account] = {"end_ms": end_ms + MARGIN_MS, "window_start_ms": start_ms - LOOKBACK_S * 1000}
        return "; ".join(problems)

    def start_with_settled_baseline(self) -> None:
        self.write_config(self.config_text(self.page_size))
        for attempt in range(1, 11):
            self.start_exporter()
            unsettled = self.settle_baselines()
            if not unsettled:
                self.generation = 1     # restarts are counted from here
                return
            print(f"note: baseline poll unsettled ({unsettled}); restarting without state (attempt {attempt})",
                  flush=True)
            self.stack.stop(self.exporter)
            (self.tmp / "state.json").unlink(missing_ok=True)
            self.baseline.clear()
            self.log("exporter").rename(self.tmp / f"exporter-attempt{attempt}.log")
        raise RuntimeError("no settled baseline poll in 10 exporter starts")

    # ------------------------------------------------------------------ events

    def begin(self, event: Event) -> None:
        kind = event.kind
        if kind == "throttling":
            self.fault(throttle_rps=2)
        elif kind == "server_errors":
            self.fault(error_rate=0.3)
        elif kind == "malformed":
            self.fault(malformed_rate=0.2)
        elif kind == "truncated":
            self.fault(truncate_rate=0.2)
        elif kind == "resets":
            self.fault(close_rate=0.2)
        elif kind == "slow":
            self.fault(latency_ms=POLL_TIMEOUT_S * 1000 + 500)
        elif kind == "sts_down":
            self.fault(sts_down=True)
        elif kind == "clock_forward":
            self.clock.set_skew(600)
        elif kind == "clock_back":
            self.clock.set_skew(-600)
        elif kind == "sighup":
            self.page_size = 50 if self.page_size == 100 else 100
            self.write_config(self.config_text(self.page_size))
            os.kill(self.exporter.popen.pid, signal.SIGHUP)
        elif kind == "sighup_invalid":
            self.write_config(self.config_text(self.page_size) + "  - name: [unclosed\n")
            os.kill(self.exporter.popen.pid, signal.SIGHUP)
        elif kind == "sigkill":
            self.stack.kill(self.exporter)
            self.exporter = None
        self.events_done.append(kind)

    def end(self, event: Event) -> None:
        kind = event.kind
        if kind in ("throttling", "server_errors", "malformed", "truncated", "resets", "slow", "sts_down"):
            self.fault(throttle_rps=None, error_rate=0, malformed_rate=0, truncate_rate=0, close_rate=0,
                       latency_ms=0, sts_down=False)
        elif kind in ("clock_forward", "clock_back"):
            self.clock.set_skew(0)
        elif kind == "sighup":
            self.reloads.append(f"good:{self.reload_state()}")
        elif kind == "sighup_invalid":
            self.reloads.append(f"invalid:{self.reload_state()}")
            self.write_config(self.config_text(self.page_size))
            os.kill(self.exporter.popen.pid, signal.SIGHUP)
        elif kind == "sigkill":
            self.start_exporter()

    def reload_state(self) -> str:
        try:
            value = scrape(self.exporter_base).value("alibabacloud_sas_config_last_reload_successful")
        except (OSError, urllib.error.URLError):
            return "unreachable"
        return "?" if value is None else f"{value:g}"

    # ------------------------------------------------------------------ observation

    def observe(self, step: int, fmt: str, run_promtool: bool) -> None:
        if self.exporter is None:
            return
        try:
            s = scrape(self.exporter_base, fmt)
        except (OSError, urllib.error.URLError):
            self.down_scrapes += 1
            return
        self.scrapes += 1
        if s.status != 200 or s.problem:
            self.invalid.append(f"step {step} {fmt}: {s.problem or s.status}")
            return
        if run_promtool and fmt == "text":
            self.promtool_runs += 1
            complaint = promtool_check(s.body)
            if complaint:
                self.invalid.append(f"step {step} promtool: {complaint}")
        rss = s.value("process_resident_memory_bytes")
        if rss is not None:
            self.rss.append((step * self.args.step / 3600, self.generation, int(rss)))
        for key, value in s.samples.items():
            if key[0] in SAVED:
                before = self.saved_max.get(key)
                if before is not None and value < before:
                    self.decreases.append(f"step {step}: {key[0]}{dict(key[1])} {before:g} -> {value:g}")
                self.saved_max[key] = max(value, before or value)
            elif key[0] == "alibabacloud_sas_api_requests_total" and value > 0:
                labels = dict(key[1])
                self.codes.setdefault(labels.get("account", ""), set()).add(labels.get("code", ""))
        now_ms = self.world_ms()
        for account in ACCOUNTS:
            polls = s.value("alibabacloud_sas_polls_total", account=account) or 0.0
            fails = s.value("alibabacloud_sas_poll_failures_total", account=account) or 0.0
            last_polls, last_fails = self.last_polls[account]
            if polls < last_polls:      # a new process: its own counters start at 0
                last_polls, last_fails = 0.0, 0.0
            self.polls[account] += polls - last_polls
            self.failures[account] += fails - last_fails
            self.last_polls[account] = (polls, fails)
            success = s.value("alibabacloud_sas_last_poll_success_timestamp_seconds", account=account)
            if success is not None:
                self.last_success_ms[account] = max(self.last_success_ms[account], int(success * 1000))
            if self.last_success_ms[account]:
                gap = (now_ms - self.last_success_ms[account]) / 1000
                self.max_gap_s[account] = max(self.max_gap_s[account], gap)

    # ------------------------------------------------------------------ the run

    def run(self) -> None:
        self.start_keeper()
        self.start_simulator()
        self.start_with_settled_baseline()
        steps = int(self.args.hours * 3600 // self.args.step)
        long_run = self.args.hours > 24
        events = schedule(steps, self.args.step, self.args.seed, kill_hours=12 if long_run else None)
        starts: dict[int, list[Event]] = {}
        ends: dict[int, list[Event]] = {}
        for event in events:
            starts.setdefault(event.start, []).append(event)
            ends.setdefault(event.end, []).append(event)
        print(f"soak: {steps} steps of {self.args.step} s simulated, {len(events)} events: "
              + ", ".join(f"{e.kind}@{e.start}" for e in events[:14]) + (" ..." if len(events) > 14 else ""),
              flush=True)
        began = time.monotonic()
        for step in range(1, steps + 1):
            self.clock.advance(self.args.step)
            for event in ends.get(step, []):
                self.end(event)
            for event in starts.get(step, []):
                self.begin(event)
            pause = began + step * self.args.period - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.observe(step, FORMATS[step % len(FORMATS)], run_promtool=step % 10 == 0)
            if step % max(1, int(3600 // self.args.step) * 6) == 0:
                rss = self.rss[-1][2] / 2**20 if self.rss else 0
                hour = step * self.args.step / 3600
                print(f"note: simulated hour {hour:.0f}, real {time.monotonic() - began:.0f} s, "
                      f"rss {rss:.1f} MiB, scrapes {self.scrapes}, invalid {len(self.invalid)}", flush=True)
        self.real_seconds = time.monotonic() - began
        self.steps = steps
        self.final_checks()

    def final_settled(self, account: str, timeout: float = 60.0) -> tuple[Scrape, object]:
        deadline = time.monotonic() + timeout
        tried: set[tuple[int, int]] = set()
        reasons: list[str] = []
        while time.monotonic() < deadline:
            s = scrape(self.exporter_base)
            up = s.value("alibabacloud_sas_up", account=account)
            last = s.value("alibabacloud_sas_last_poll_success_timestamp_seconds", account=account)
            dur = s.value("alibabacloud_sas_poll_duration_seconds", account=account)
            if up == 1 and last is not None and dur is not None:
                le = round(last * 1000)
                ls = le - round(dur * 1000)
                if (ls, le) not in tried:
                    tried.add((ls, le))
                    unreadable = self.clock.unreadable_poll(ls, le)
                    if unreadable:
                        # Its window cannot be told from its stamps (see WorldClock).
                        print(f"note: {account} poll {ls}..{le} not compared: {unreadable}", flush=True)
                        reasons.append(f"the poll {ls}..{le}: {unreadable}")
                        continue
                    settled, why = settle(self.sim, LOOKBACK_S * 1000, ls, le)
                    if settled:
                        return s, settled
                    reasons.append(why)
            time.sleep(0.5)
        raise TimeoutError(f"no settled poll of {account} within {timeout:.0f} s ({'; '.join(reasons[-3:])})")

    def truth_subtasks(self, start_ms: int, end_ms: int, at_ms: int) -> list[dict]:
        """Every subtask created in [start, end] with its status at `at`, in chunks.

        The simulator shows a task for 7 days after its creation (its retention), and a
        week-long run reaches back further than that, so each chunk is asked at the
        earlier of `at` and two hours after the chunk's end: every subtask has reached its
        final status by then (it lives at most 61 min), and the chunk is still retained.
        """
        out: list[dict] = []
        chunk = start_ms
        while chunk <= end_ms:
            last = min(end_ms, chunk + TRUTH_CHUNK_MS - 1)
            out += self.sim.truth(chunk, last, min(at_ms, last + 2 * 3600 * 1000))["subtasks"]
            chunk = last + 1
        return out

    def compare(self, name: str, expected: dict[tuple, float], got: dict[tuple, float], detail: str = "") -> None:
        keys = sorted(set(expected) | set(got))
        diffs = [f"{'/'.join(k)}: expected {expected.get(k, 0.0):g}, got " + (f"{got[k]:g}" if k in got else "absent")
                 for k in keys if expected.get(k, 0.0) != got.get(k)]
        self.r.check(name, not diffs, "; ".join(diffs[:8]) if diffs else detail)

    def final_checks(self) -> None:
        r = self.r
        # The world stands still from here; faults and skew are off (the schedule ends calm).
        self.fault(throttle_rps=None, error_rate=0, malformed_rate=0, truncate_rate=0, close_rate=0, latency_ms=0,
                   sts_down=False)
        self.clock.set_skew(0)
        kinds = sorted(set(self.events_done))
        r.check("every kind of fault was played", len(kinds) >= 12,
                f"{len(self.events_done)} events, kinds: {', '.join(kinds)}")
        for account in ACCOUNTS:
            try:
                s, settled = self.final_settled(account)
            except TimeoutError as err:
                r.check(f"{account} settled final poll", False, str(err))
                continue
            truth = settled.truth
            base = self.baseline[account]
            # Which poll the numbers are compared with, and how old it is in world time (a
            # failure of the checks below is read against this line).
            print(f"note: {account} compared with its poll {settled.ls_ms}..{settled.le_ms} ms, "
                  f"{(self.world_ms() - settled.le_ms) / 1000:.1f} s before world now; baseline ended "
                  f"{base['end_ms']} ms", flush=True)
            self.compare(f"{account} subtasks gauge = truth", expected_window(truth),
                         s.family("alibabacloud_sas_subtasks", account, ("status_code", "status")),
                         f"{truth['total']} subtasks in the window")
            tasks = sum(s.family("alibabacloud_sas_tasks", account, ("status_code",)).values())
            r.check(f"{account} tasks gauge = truth", tasks == len(truth["task_ids"]),
                    f"{tasks:g} (truth {len(truth['task_ids'])})")
            everything = self.truth_subtasks(base["window_start_ms"], settled.ls_ms, settled.le_ms + MARGIN_MS)
            counted = completions_in({"subtasks": everything}, base["end_ms"], settled.ls_ms - MARGIN_MS)
            expected = expected_counters(counted)
            completed = s.family("alibabacloud_sas_subtasks_completed_total", account, ("status_code", "status"))
            self.compare(f"{account} completed counter = truth over the whole run", expected["completed"], completed,
                         f"{len(counted)} completions since the baseline")
            hist = s.family("alibabacloud_sas_subtask_duration_seconds_count", account, ("status",))
            self.compare(f"{account} histogram count = truth", expected["histogram_count"], hist)
            self.compare(f"{account} check completions = truth", expected["check_completions"],
                         s.family("alibabacloud_sas_check_completions_total", account, ("check_id",)))
            got_failures = s.family("alibabacloud_sas_check_failures_total", account, ("check_id", "reason"))
            exp_failures = dict(expected["check_failures"])
            for key in got_failures:
                exp_failures.setdefault(key, 0.0)
            self.compare(f"{account} check failures = truth", exp_failures, got_failures)
            odd = odd_records({"subtasks": everything})
            got_invalid = s.family("alibabacloud_sas_invalid_subtasks_total", account, ("reason",))
            exp_invalid = {(reason,): float(len(ids)) for reason, ids in odd.items()}
            for key in got_invalid:
                exp_invalid.setdefault(key, 0.0)
            self.compare(f"{account} invalid records = truth", exp_invalid, got_invalid,
                         ", ".join(f"{k[0]} {v:g}" for k, v in sorted(exp_invalid.items()) if v))
            r.check(f"{account} up at the end", s.value("alibabacloud_sas_up", account=account) == 1, "up 1")
            r.check(f"{account} never out of sight longer than the window allows",
                    self.max_gap_s[account] < LOOKBACK_S - 3700,
                    f"longest simulated time without a complete poll {self.max_gap_s[account] / 60:.0f} min "
                    f"(< lookback - longest subtask life)")
        final = scrape(self.exporter_base)
        complaint = promtool_check(final.body)
        self.promtool_runs += 1
        if complaint:
            self.invalid.append(f"final promtool: {complaint}")
        r.check("no invalid exposition", not self.invalid and self.scrapes > 0,
                f"{self.scrapes} scrapes in {len(FORMATS)} formats, promtool {self.promtool_runs} times"
                if not self.invalid else f"{len(self.invalid)} invalid: {'; '.join(self.invalid[:3])}")
        r.check("no saved counter ever decreased (SIGKILL restarts included)", not self.decreases,
                f"{len(self.saved_max)} series watched" if not self.decreases else "; ".join(self.decreases[:3]))
        self.check_evidence()
        self.check_logs()
        self.check_memory()

    def check_memory(self) -> None:
        """RSS flat after the first simulated day of the last process (long runs only)."""
        last = [(h, b) for h, g, b in self.rss if g == self.generation]
        if not last or last[-1][0] - last[0][0] < 48:
            print(f"note: memory not judged (the last process ran {last[-1][0] - last[0][0] if last else 0:.0f} "
                  "simulated hours; 48 are needed)", flush=True)
            return
        born = last[0][0]
        day1 = max(b for h, b in last if born + 23 <= h <= born + 25)
        end = max(b for h, b in last if h >= last[-1][0] - 2)
        peak = max(b for h, b in last if h >= born + 24)
        self.r.check("RSS flat after the first simulated day (end within 5 % of day 1)", end <= day1 * 1.05,
                     f"day 1 {day1 / 2**20:.1f} MiB, end {end / 2**20:.1f} MiB, highest after day 1 "
                     f"{peak / 2**20:.1f} MiB, over {last[-1][0] - born:.0f} simulated hours")

    def check_evidence(self) -> None:
        r = self.r
        stats = get_json(f"{self.sim_base}/admin/stats")
        sts_refused = sum(stats["by_action_code"].get(a, {}).get("ServiceUnavailable", 0)
                          for a in ("AssumeRole", "AssumeRoleWithOIDC"))
        r.check("STS refresh failures happened (AssumeRole and AssumeRoleWithOIDC answered 503)", sts_refused > 0,
                f"{sts_refused} refused STS calls")
        codes = set().union(*self.codes.values())
        # throttling, 5xx, malformed/truncated bodies, resets; slow answers end as timeout or deadline
        want = {"Throttling.User", "ServerError", "decode", "transport"}
        r.check("faults were counted in api_requests_total{code}",
                want <= codes and bool({"timeout", "deadline"} & codes),
                f"codes seen: {', '.join(sorted(codes))}")
        role_codes = self.codes["soak-role"] | self.codes["soak-oidc"]
        r.check("role accounts counted the STS outage", "credentials" in role_codes or any(
            c.startswith("InvalidSecurityToken") for c in role_codes), f"codes: {', '.join(sorted(role_codes))}")
        r.check("reloads: a changed file applied (1), a broken one refused (0)",
                any(x == "good:1" for x in self.reloads) and any(x == "invalid:0" for x in self.reloads),
                ", ".join(self.reloads))
        restarts = self.events_done.count("sigkill")
        r.check("SIGKILL restarts with the state file", restarts >= 1 and self.generation == restarts + 1,
                f"{restarts} restarts")

    def check_logs(self) -> None:
        secrets = [secret for _, secret in KEYS.values()] + [OIDC_TOKEN, "CAIS"]
        leaks = []
        lines = 0
        for path in sorted(self.tmp.glob("*.log")):
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                lines += 1
                for secret in secrets:
                    if secret in line:
                        leaks.append(f"{path.name}:{number} carries {secret[:6]}...")
        self.r.check("no secret in any log line", not leaks and lines > 0,
                     f"{lines} lines, {len(secrets)} secrets looked for" if not leaks else "; ".join(leaks[:3]))

    def report(self) -> dict:
        per_gen: dict[int, list[tuple[float, int]]] = {}
        for hours, gen, rss in self.rss:
            per_gen.setdefault(gen, []).append((hours, rss))
        return {
            "date": datetime.now().strftime("%Y-%m-%d"), "hours": self.args.hours, "step_s": self.args.step,
            "steps": getattr(self, "steps", 0), "real_seconds": round(getattr(self, "real_seconds", 0)),
            "events": self.events_done, "scrapes": self.scrapes, "invalid": len(self.invalid),
            "promtool": self.promtool_runs, "polls": self.polls, "poll_failures": self.failures,
            "max_gap_min": {a: round(v / 60) for a, v in self.max_gap_s.items()},
            "codes": {a: sorted(c) for a, c in self.codes.items()}, "reloads": self.reloads,
            "rss_mib_by_generation": {g: [(round(h, 2), round(b / 2**20, 1)) for h, b in v]
                                      for g, v in per_gen.items()},
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, default=Path(os.environ.get("SAS_BIN", ".build/debug")))
    parser.add_argument("--hours", type=float, default=8, help="simulated hours (default 8; 168 for 7 days)")
    parser.add_argument("--step", type=int, default=300, help="simulated seconds per step (default 300)")
    parser.add_argument("--period", type=float, default=1.0, help="real seconds per step (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fault schedule")
    parser.add_argument("--data-seed", type=int, default=7, help="seed of the simulator's data set")
    parser.add_argument("--report", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, state)")
    args = parser.parse_args(argv)
    library = find_library()
    if library is None:
        print("FAIL prerequisites: libfaketime not found (apt-get install faketime)\nsoak: 0 passed, 1 failed")
        return 1
    if prerequisites_missing("soak", bin_dir=args.bin):
        return 1
    results = Checks()

    def write_report(soak: Soak) -> None:
        if args.report:
            args.report.write_text(json.dumps(soak.report(), indent=1) + "\n")

    return run_suite("soak", "sas-soak-", args.keep, results, lambda tmp: Soak(args, tmp, results, library),
                     write_report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
