#!/usr/bin/env python3
"""Load figures of the real binaries on loopback (scripts/load runs this; nothing asserted
but the zero-error conditions, which fail the run).

`scrapers`: wrk with 256 connections on /metrics for 60 s, in the text format, gzip and
OpenMetrics, while two accounts poll every 2 s (so the cached exposition is replaced
about once a second under the load): requests, errors, non-200 answers, latency
percentiles, resident memory before and after, and the polls that completed meanwhile.

`accounts`: 1 000 accounts (small windows) polled by one process at a 30 s interval:
the simulator's request log gives every API call's time, from which the spread of calls
over the interval; resident memory against a single account; /metrics size and the time
to serve it (the merge of every account's chunks runs on the first scrape after a
publish, which with 1 000 accounts is nearly every scrape).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from e2e.harness import Stack, get_json, listening_address, wait_for
from soak.exposition import OPENMETRICS, scrape

KEY = ("loadid", "load-secret-c4ca4238a0b923820dcc509a6f75849b")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wrk(url: str, seconds: int, connections: int, headers: list[str]) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    figures: dict = {"requests": int(re.search(r"(\d+) requests in", out).group(1))}
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    for pct in ("50", "90", "99"):
        match = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        scale = {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
        figures[f"p{pct}_ms"] = round(float(match.group(1)) * scale, 2)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    figures["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    return figures


def start_simulator(stack: Stack, bin_dir: Path, tmp: Path, tasks: int, per_task: int) -> str:
    sim = stack.start("simulator", [
        str(bin_dir / "sas-simulator"), "--web.listen-address", "127.0.0.1:0", f"--access-key={KEY[0]}:{KEY[1]}",
        "--seed", "3", "--tasks", str(tasks), "--subtasks-per-task", str(per_task)], tmp / "simulator.log")
    return "http://" + listening_address(tmp / "simulator.log", r"listening on (\S+:\d+)", sim)


def start_exporter(stack: Stack, bin_dir: Path, tmp: Path, config: str, name: str = "exporter"):
    path = tmp / f"{name}.yml"
    path.write_text(config)
    log = tmp / f"{name}.log"
    proc = stack.start(name, [str(bin_dir / "sas-exporter"), f"--config.file={path}",
                              "--web.listen-address=127.0.0.1:0"], log)
    return proc, "http://" + listening_address(log, r"msg=listening address=(\S+:\d+)", proc)


def account_yaml(name: str, sim: str, extra: str = "") -> str:
    return (f"  - name: {name}\n    endpoint: {sim}\n    requests_per_second: 100\n{extra}"
            f"    credentials:\n      access_key_id: {KEY[0]}\n      access_key_secret: {KEY[1]}\n")


def polls_total(base: str) -> float:
    s = scrape(base)
    return sum(v for (name, _), v in s.samples.items() if name == "alibabacloud_sas_polls_total")


def scrapers(bin_dir: Path, tmp: Path, seconds: int, connections: int) -> dict:
    stack = Stack()
    try:
        sim = start_simulator(stack, bin_dir, tmp, 1440, 10)
        config = "interval: 2s\nlookback: 2h\naccounts:\n" + account_yaml("load-a", sim) + account_yaml("load-b", sim)
        proc, base = start_exporter(stack, bin_dir, tmp, config)
        wait_for("two polls", lambda: polls_total(base) >= 4, 60)
        body = urllib.request.urlopen(f"{base}/metrics", timeout=10).read()
        out: dict = {"metrics_bytes": len(body), "runs": {}}
        for name, headers in (("text", []), ("gzip", ["Accept-Encoding: gzip"]),
                              ("openmetrics", [f"Accept: {OPENMETRICS}"])):
            rss_before, polls_before = rss_kib(proc.popen.pid), polls_total(base)
            figures = wrk(f"{base}/metrics", seconds, connections, headers)
            figures.update(rss_before_kib=rss_before, rss_after_kib=rss_kib(proc.popen.pid),
                           polls_during=polls_total(base) - polls_before)
            out["runs"][name] = figures
            print(f"{name}: {figures}", flush=True)
        return out
    finally:
        stack.close()


def request_times(sim: str, seen: dict[str, int]) -> None:
    for record in get_json(f"{sim}/admin/requests?limit=1000"):
        seen.setdefault(record["request_id"], record["time_ms"])


def accounts(bin_dir: Path, tmp: Path, count: int, interval: int) -> dict:
    stack = Stack()
    try:
        sim = start_simulator(stack, bin_dir, tmp, 144, 2)
        one, base_one = start_exporter(stack, bin_dir, tmp, f"interval: {interval}s\nlookback: 10m\naccounts:\n"
                                       + account_yaml("solo", sim), name="solo")
        wait_for("the solo account's poll", lambda: polls_total(base_one) >= 1, 60)
        time.sleep(2)
        rss_one = rss_kib(one.popen.pid)
        stack.stop(one)

        config = f"interval: {interval}s\nlookback: 10m\naccounts:\n" + "".join(
            account_yaml(f"acct-{i:04d}", sim) for i in range(count))
        seen: dict[str, int] = {}
        request_times(sim, seen)
        ignore = set(seen)
        started_ms = int(time.time() * 1000)
        proc, base = start_exporter(stack, bin_dir, tmp, config)
        end = time.monotonic() + 3 * interval
        serve_ms: list[float] = []
        sizes: list[int] = []
        while time.monotonic() < end:
            request_times(sim, seen)
            t0 = time.perf_counter()
            body = urllib.request.urlopen(f"{base}/metrics", timeout=30).read()
            serve_ms.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(body))
            time.sleep(0.5)
        request_times(sim, seen)
        rss_many = rss_kib(proc.popen.pid)
        polls = polls_total(base)
        gz = urllib.request.urlopen(urllib.request.Request(f"{base}/metrics", headers={"Accept-Encoding": "gzip"}),
                                    timeout=30).read()
        times = sorted(t for rid, t in seen.items() if rid not in ignore and t >= started_ms)
        out: dict = {"accounts": count, "interval_s": interval, "polls": polls, "api_calls": len(times)}
        # Calls per second over the first interval (the start: every account's first poll)
        # and over the second (steady state).
        for label, lo in (("first_interval", times[0]), ("second_interval", times[0] + interval * 1000)):
            per_second = [0] * interval
            for t in times:
                if lo <= t < lo + interval * 1000:
                    per_second[(t - lo) // 1000] += 1
            mean = sum(per_second) / interval
            out[label] = {"calls": sum(per_second), "mean_per_s": round(mean, 1), "max_per_s": max(per_second),
                          "min_per_s": min(per_second),
                          "cv": round(statistics.pstdev(per_second) / mean, 2) if mean else None,
                          "busiest_second_share": round(max(per_second) / max(1, sum(per_second)), 3)}
        out.update(rss_one_account_kib=rss_one, rss_kib=rss_many,
                   rss_per_account_kib=round((rss_many - rss_one) / count, 1),
                   metrics_bytes=max(sizes), metrics_gzip_bytes=len(gz),
                   serve_ms={"p50": round(statistics.median(serve_ms), 1),
                             "p90": round(sorted(serve_ms)[int(len(serve_ms) * 0.9)], 1),
                             "max": round(max(serve_ms), 1), "n": len(serve_ms)})
        print(json.dumps(out, indent=1), flush=True)
        return out
    finally:
        stack.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("scrapers", "accounts", "all"))
    parser.add_argument("--bin", type=Path, default=Path(".build-release/release"))
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and args.what != "accounts":
        print("wrk not found (apt-get install wrk)")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="sas-load-"))
    report: dict = {"date": datetime.now().strftime("%Y-%m-%d"), "bin": str(args.bin)}
    try:
        if args.what in ("scrapers", "all"):
            report["scrapers"] = scrapers(args.bin.resolve(), tmp, args.seconds, args.connections)
        if args.what in ("accounts", "all"):
            report["accounts"] = accounts(args.bin.resolve(), tmp, args.accounts, args.interval)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    runs = report.get("scrapers", {}).get("runs", {})
    bad = {k: v for k, v in runs.items() if v["socket_errors"] or v["non_2xx"] or v["polls_during"] < 1}
    print("load: " + ("FAILED " + json.dumps(bad) if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
