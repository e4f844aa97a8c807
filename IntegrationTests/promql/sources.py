#!/usr/bin/env python3
"""Where the project's PromQL lives, and what it reads.

Shared by scripts/check-rules (offline: every expression parses and reads only known
metric names), e2e/check_queries.py (online: every expression runs against a real
Prometheus) and dashboards/validate.py.

Offline use:
    PYTHONPATH=IntegrationTests python3 -m promql.sources --known IntegrationTests/metric_names.txt
exits non-zero, listing each expression that does not parse or that reads a metric
name missing from the list (recording-rule names are allowed where they are defined).

Needs PyYAML and promql-parser (pip install pyyaml promql-parser).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import promql_parser
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DASHBOARDS = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
DEFAULT_RULES = [ROOT / "deploy" / "prometheus" / "alerts.yml",
                 ROOT / "deploy" / "prometheus" / "recording-rules.yml",
                 # The configured shard count that SasExporterShardsMissing compares with.
                 ROOT / "deploy" / "kubernetes" / "components" / "sharded" / "prometheusrule-shards.yaml"]

# Grafana's built-in interval variables, replaced by fixed durations for instant queries.
BUILTIN_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "5m",
    "__range_s": "300",
    "__range_ms": "300000",
    "__interval_ms": "60000",
    "__rate_interval_ms": "60000",
}
# Dashboard variables are used inside regex matchers (`label=~"$var"`), so a regex
# that matches any non-empty value stands in for them unless overridden.
DEFAULT_VARIABLE_VALUE = ".+"

_VAR_BRACED = re.compile(r"\$\{(\w+)(?::\w+)?\}")
_VAR_PLAIN = re.compile(r"\$(\w+)")
_VAR_BRACKETS = re.compile(r"\[\[(\w+)(?::\w+)?\]\]")
_LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


@dataclass(frozen=True)
class Query:
    """One PromQL expression and where it came from."""

    source: str       # human-readable location, e.g. "sas-overview.json panel 3 'Subtasks' A"
    kind: str         # "panel", "variable", "record" or "alert"
    expr: str         # PromQL as written (Grafana variables not yet substituted)
    # What Grafana puts in for the dashboard's variables with All selected (allValue).
    all_values: tuple[tuple[str, str], ...] = ()

    def substituted(self, overrides: dict[str, str] | None = None) -> str:
        """The expression with the dashboard's All values (or `overrides`) put in."""
        return substitute(self.expr, {**dict(self.all_values), **(overrides or {})})


def substitute(expr: str, overrides: dict[str, str] | None = None) -> str:
    """Replace Grafana variables ($x, ${x}, ${x:fmt}, [[x]]) with concrete values."""
    values = dict(BUILTIN_VARIABLES)
    values.update(overrides or {})

    def repl(match: re.Match) -> str:
        return values.get(match.group(1), DEFAULT_VARIABLE_VALUE)

    expr = _VAR_BRACED.sub(repl, expr)
    expr = _VAR_BRACKETS.sub(repl, expr)
    return _VAR_PLAIN.sub(repl, expr)


def variable_query_to_promql(query: str) -> str | None:
    """Turn a Grafana Prometheus variable query into an equivalent instant query.

    `label_values(selector, label)` becomes `group by (label) (selector)`;
    `query_result(expr)` becomes `expr`. Other forms (label_names(), metrics()) have
    no PromQL equivalent and give None.
    """
    match = _LABEL_VALUES.match(query)
    if match:
        return f"group by ({match.group(2)}) ({match.group(1).strip()})"
    stripped = query.strip()
    if stripped.startswith("query_result(") and stripped.endswith(")"):
        return stripped[len("query_result("):-1]
    return None


def dashboard_queries(paths: list[Path]) -> list[Query]:
    """Every panel target and every templated query of the given dashboards."""
    queries: list[Query] = []
    for path in paths:
        dash = json.loads(path.read_text(encoding="utf-8"))
        variables = dash.get("templating", {}).get("list", [])
        all_values = tuple((v["name"], v["allValue"]) for v in variables if v.get("includeAll") and v.get("allValue"))
        for panel in _walk_panels(dash.get("panels", [])):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    src = f"{path.name} panel {panel.get('id')} '{panel.get('title', '')}' {target.get('refId', '')}"
                    queries.append(Query(src, "panel", target["expr"], all_values))
        for var in variables:
            if var.get("type") != "query":
                continue
            query = var.get("query")
            if isinstance(query, dict):
                query = query.get("query", "")
            promql = variable_query_to_promql(query or "")
            if promql is not None:
                queries.append(Query(f"{path.name} variable ${var.get('name')}", "variable", promql, all_values))
    return queries


def _walk_panels(panels: list) -> list[dict]:
    out = []
    for panel in panels:
        out.append(panel)
        out.extend(_walk_panels(panel.get("panels", [])))  # collapsed rows
    return out


def _rules(paths: list[Path]):
    """(path, rule) for every rule of Prometheus rule files or PrometheusRule manifests."""
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if doc.get("kind") == "PrometheusRule":
            doc = doc.get("spec", {})
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                yield path, rule


def rule_queries(paths: list[Path]) -> list[Query]:
    """Every recording and alerting rule expression of the given rule files."""
    queries: list[Query] = []
    for path, rule in _rules(paths):
        if "record" in rule:
            queries.append(Query(f"{path.name} record {rule['record']}", "record", str(rule["expr"])))
        elif "alert" in rule:
            queries.append(Query(f"{path.name} alert {rule['alert']}", "alert", rule["expr"]))
    return queries


def recorded_names(paths: list[Path]) -> set[str]:
    """Names that the recording rules define."""
    return {rule["record"] for _, rule in _rules(paths) if "record" in rule}


def metric_names(expr: str) -> set[str]:
    """Metric names that a (variable-free) PromQL expression reads. Raises on a syntax error."""
    names: set[str] = set()
    _collect(promql_parser.parse(expr), names)
    return names


def _collect(node, names: set[str]) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        if node.name:
            names.add(node.name)
        for matcher in node.matchers.matchers:
            if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                names.add(matcher.value)
    elif isinstance(node, promql_parser.MatrixSelector):
        _collect(node.vector_selector, names)
    elif isinstance(node, promql_parser.BinaryExpr):
        _collect(node.lhs, names)
        _collect(node.rhs, names)
    elif isinstance(node, promql_parser.AggregateExpr):
        _collect(node.expr, names)
        if node.param is not None:
            _collect(node.param, names)
    elif isinstance(node, promql_parser.Call):
        for arg in node.args:
            _collect(arg, names)
    elif isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        _collect(node.expr, names)


def load_names(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def check_names(queries: list[Query], known: set[str], recorded: set[str]) -> list[str]:
    """Problems: expressions that do not parse, or read names not in `known` or `recorded`."""
    problems = []
    for query in queries:
        try:
            used = metric_names(query.substituted())
        except Exception as err:  # promql_parser raises a plain ValueError/RuntimeError
            problems.append(f"{query.source}: does not parse: {err}")
            continue
        # `up` is Prometheus' own per-target series, used by the target-down alerts.
        unknown = sorted(used - known - recorded - {"up"})
        if unknown:
            problems.append(f"{query.source}: unknown metric name(s) {', '.join(unknown)}")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--known", type=Path, default=ROOT / "IntegrationTests" / "metric_names.txt",
                        help="file with the exporter's metric names, one a line")
    parser.add_argument("--dashboards", type=Path, nargs="*", default=DEFAULT_DASHBOARDS)
    parser.add_argument("--rules", type=Path, nargs="*", default=DEFAULT_RULES)
    args = parser.parse_args(argv)

    queries = dashboard_queries(args.dashboards) + rule_queries(args.rules)
    problems = check_names(queries, load_names(args.known), recorded_names(args.rules))
    if not queries:
        problems.append("no PromQL expressions found")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"metric names: {len(queries) - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
