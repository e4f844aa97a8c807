#!/usr/bin/env python3
"""Run every PromQL expression of the dashboards and rules against a real Prometheus.

    PYTHONPATH=IntegrationTests python3 -m e2e.check_queries --prometheus http://127.0.0.1:9090 \\
        --metrics-file /tmp/metrics.txt [--wait 90] [--var account=prod]

Checks:
  * every dashboard panel query, templated (variable) query, recording rule and alert
    expression runs as an instant query (POST /api/v1/query) without error;
  * panel queries, variable queries and recording rules return at least one sample
    (NaN counts as a sample); alert expressions need only evaluate;
  * every metric name these expressions read (recording-rule names and Prometheus' own
    `up` excepted) appears in the saved /metrics body (--metrics-file), as a sample or
    in a # HELP / # TYPE line.

Grafana variables are substituted: $__rate_interval and $__interval -> 1m, $__range
-> 5m, every dashboard variable ($account, ${check:regex}, ...) -> its All value (the
variable's allValue, else `.+`) unless given with --var NAME=VALUE (dashboards only use
them in `=~` matchers).

--wait SECONDS retries failing queries until they pass or the time is up (rates need
two scrapes inside their window). Exit status: 0 when everything passed, 1 on any
failure (listed), 2 on a usage error. Needs PyYAML and promql-parser.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from promql.sources import (
    DEFAULT_DASHBOARDS,
    DEFAULT_RULES,
    Query,
    dashboard_queries,
    metric_names,
    recorded_names,
    rule_queries,
)

MUST_RETURN_DATA = {"panel", "variable", "record"}
_SAMPLE_NAME = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{|\s)")
_META_NAME = re.compile(r"^#\s+(?:HELP|TYPE|UNIT)\s+([A-Za-z_:][A-Za-z0-9_:]*)")


def exposed_names(text: str) -> set[str]:
    """Metric names in a Prometheus text or OpenMetrics exposition."""
    names: set[str] = set()
    for line in text.splitlines():
        match = _META_NAME.match(line) or _SAMPLE_NAME.match(line)
        if match:
            names.add(match.group(1))
    return names


def run_query(base: str, expr: str, timeout: float) -> tuple[str | None, int]:
    """Instant query. Returns (error or None, number of result samples)."""
    body = urllib.parse.urlencode({"query": expr}).encode()
    req = urllib.request.Request(f"{base.rstrip('/')}/api/v1/query", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = json.loads(resp.read().decode())
    except urllib.error.HTTPError as err:
        try:
            payload = json.loads(err.read().decode())
        except (ValueError, OSError):
            return f"HTTP {err.code}", 0
    except (urllib.error.URLError, OSError, ValueError) as err:
        return f"request failed: {err}", 0
    if payload.get("status") != "success":
        return f"{payload.get('errorType', 'error')}: {payload.get('error', payload)}", 0
    data = payload.get("data", {})
    result = data.get("result")
    if data.get("resultType") in ("scalar", "string"):
        return None, 1
    return None, len(result or [])


def check_query(base: str, query: Query, overrides: dict[str, str], timeout: float) -> str | None:
    expr = query.substituted(overrides)
    error, count = run_query(base, expr, timeout)
    if error:
        return f"{query.source}: query error: {error}\n      {_one_line(expr)}"
    if query.kind in MUST_RETURN_DATA and count == 0:
        return f"{query.source}: empty result\n      {_one_line(expr)}"
    return None


def _one_line(expr: str) -> str:
    return " ".join(expr.split())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--metrics-file", required=True, type=Path, help="a saved /metrics body of the exporter")
    parser.add_argument("--dashboards", type=Path, nargs="*", default=DEFAULT_DASHBOARDS)
    parser.add_argument("--rules", type=Path, nargs="*", default=DEFAULT_RULES)
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="value for a dashboard variable (default .+)")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="retry failing queries for up to this many seconds (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-query HTTP timeout in seconds")
    args = parser.parse_args(argv)

    overrides = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--var wants NAME=VALUE, got {item!r}")
        overrides[name] = value
    try:
        metrics_text = args.metrics_file.read_text(encoding="utf-8")
    except OSError as err:
        parser.error(f"cannot read --metrics-file: {err}")

    queries = dashboard_queries(args.dashboards) + rule_queries(args.rules)
    if not queries:
        print("FAIL no PromQL expressions found in the dashboards and rules")
        return 1

    # 1. Metric names against the exporter's exposition.
    exposed = exposed_names(metrics_text)
    recorded = recorded_names(args.rules)
    name_failures: list[str] = []
    used_by: dict[str, list[str]] = {}
    for query in queries:
        try:
            names = metric_names(query.substituted(overrides))
        except Exception as err:  # syntax errors are reported by the live query too
            name_failures.append(f"{query.source}: does not parse: {err}")
            continue
        for name in names - recorded - {"up"}:
            used_by.setdefault(name, []).append(query.source)
    for name in sorted(used_by):
        if name not in exposed:
            name_failures.append(f"metric {name} is not in {args.metrics_file} (used by {used_by[name][0]}"
                                 + (f" and {len(used_by[name]) - 1} more" if len(used_by[name]) > 1 else "") + ")")

    # 2. Live queries, retried until --wait runs out.
    deadline = time.monotonic() + args.wait
    pending = list(queries)
    failures: dict[Query, str] = {}
    while True:
        failures = {}
        for query in pending:
            problem = check_query(args.prometheus, query, overrides, args.timeout)
            if problem:
                failures[query] = problem
        pending = list(failures)
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(min(5.0, max(0.5, deadline - time.monotonic())))

    kinds = {k: sum(1 for q in queries if q.kind == k) for k in ("panel", "variable", "record", "alert")}
    print(f"checked {len(queries)} expressions ({', '.join(f'{v} {k}' for k, v in kinds.items())}) "
          f"against {args.prometheus}; {len(used_by)} metric names against {args.metrics_file}")
    for problem in name_failures:
        print(f"FAIL {problem}")
    for problem in failures.values():
        print(f"FAIL {problem}")
    total = len(queries) + len(used_by)
    failed = len(failures) + len(name_failures)
    print(f"check_queries: {max(total - failed, 0)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
