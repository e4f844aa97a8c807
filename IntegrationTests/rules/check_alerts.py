#!/usr/bin/env python3
"""Check the alerting rules against the house conventions and the mixin's policy.

    PYTHONPATH=IntegrationTests python3 -m rules.check_alerts deploy/prometheus/alerts.yml [...]

For every alert: a CamelCase name with the Sas prefix; severity critical, warning or info;
summary and description annotations; a runbook_url that points at a heading of
docs/runbook.md (through the URL pattern of deploy/mixin/config.yml). For the set:
critical alerts page only on sustained conditions (`for` of at least 5m), "no fresh
data" (SasExporterDataStale, SasExporterShardsMissing) is at least as severe as "polls
failing" (SasApiDown), and every aggregation keeps the mixin's group labels (job,
cluster). Exit status 1 on any problem, each printed. Needs PyYAML.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook.md"
MIXIN_CONFIG = ROOT / "deploy" / "mixin" / "config.yml"
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
MIN_CRITICAL_FOR_SECONDS = 300
NO_FRESH_DATA = ("SasExporterDataStale", "SasExporterShardsMissing")
ONE_POLL_FAILED = "SasApiDown"
# Aggregations that must keep the group labels; `max by (job)` only reads the configured
# shard count, which carries no cluster label.
_GROUPING = re.compile(r"\b(sum|count|topk|avg|min)\s+by\s*\(([^)]*)\)")
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str | None) -> float:
    return sum(int(n) * _UNIT[u] for n, u in _DURATION.findall(duration or "0s"))


def runbook_anchors() -> set[str]:
    """GitHub heading anchors: lower case, punctuation dropped, spaces to dashes."""
    text = RUNBOOK.read_text(encoding="utf-8")
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6}\s+(.+)$", text, re.M)}


def alerts(paths: list[Path]) -> list[tuple[Path, dict]]:
    found = []
    for path in paths:
        for group in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("groups", []):
            found.extend((path, rule) for rule in group.get("rules", []) if "alert" in rule)
    return found


def rule_problems(rule: dict, pattern: str, anchors: set[str], group_labels: list[str]) -> list[str]:
    problems = []
    labels, ann = rule.get("labels", {}), rule.get("annotations", {})
    prefix, _, suffix = pattern.partition("{anchor}")
    url = ann.get("runbook_url", "")
    anchor = url[len(prefix):len(url) - len(suffix)] if url.startswith(prefix) and url.endswith(suffix) else None
    if anchor != rule["alert"].lower() or anchor not in anchors:
        problems.append(f"runbook_url {url!r} is not {pattern!r} of a heading in docs/runbook.md")
    severity = labels.get("severity")
    if severity not in SEVERITY_RANK:
        problems.append(f"severity {severity!r} is not critical|warning|info")
    if severity == "critical" and seconds(rule.get("for")) < MIN_CRITICAL_FOR_SECONDS:
        problems.append(f"critical with for {rule.get('for', '0s')!r}: pages need a sustained condition (>= 5m)")
    for key in ("summary", "description"):
        if not ann.get(key):
            problems.append(f"no {key} annotation")
    if not re.fullmatch(r"Sas[A-Z][A-Za-z]+", rule["alert"]):
        problems.append("name is not CamelCase with the Sas prefix")
    for _, kept in _GROUPING.findall(rule["expr"]):
        missing = set(group_labels) - {label.strip() for label in kept.split(",")}
        if missing:
            problems.append(f"an aggregation `by ({kept})` drops {sorted(missing)}")
    return problems


def set_problems(rules: dict[str, dict]) -> list[str]:
    problems = []
    failed = rules.get(ONE_POLL_FAILED)
    for name in NO_FRESH_DATA:
        stale = rules.get(name)
        if failed is None or stale is None:
            problems.append(f"{ONE_POLL_FAILED} or {name} is missing")
            continue
        if SEVERITY_RANK.get(stale["labels"]["severity"], -1) < SEVERITY_RANK.get(failed["labels"]["severity"], 3):
            problems.append(f"{name} ({stale['labels']['severity']}) is less severe than {ONE_POLL_FAILED} "
                            f"({failed['labels']['severity']}): no fresh data is at least as bad as a failed poll")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    config = yaml.safe_load(MIXIN_CONFIG.read_text(encoding="utf-8"))
    anchors = runbook_anchors()
    bad = 0
    by_file: dict[Path, dict[str, dict]] = {}
    for path, rule in alerts([Path(p) for p in argv]):
        by_file.setdefault(path, {})[rule["alert"]] = rule
        for problem in rule_problems(rule, config["runbook_url"], anchors, config["group_labels"]):
            bad += 1
            print(f"FAIL {path} {rule['alert']}: {problem}")
    for path, rules in by_file.items():
        for problem in set_problems(rules):
            bad += 1
            print(f"FAIL {path}: {problem}")
    count = sum(len(r) for r in by_file.values())
    print(f"alerts: {count} checked in {len(by_file)} file(s), {bad} problems")
    return 1 if bad or not count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
