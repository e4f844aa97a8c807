#!/usr/bin/env python3
"""Validate the sas-exporter Grafana dashboards.

    PYTHONPATH=IntegrationTests python3 -m dashboards.validate [grafana/dashboards/*.json]

Checks, per dashboard: the JSON parses; uid present, at most 40 characters, unique;
schemaVersion 36 or later; tags; exactly one `datasource` variable (type datasource, query
prometheus); the scope variables `cluster`, `job`, `instance` and `account` (query,
multi, include All); every query variable, panel and target uses datasource
`${datasource}` and no datasource uid is hard-coded; every panel has a description and
fieldConfig.defaults.unit; every query reads `$cluster`, `$job`, `$instance` and
`$account`; every rate()/irate()/increase() uses `$__rate_interval`; panel ids unique.

Schema: each dashboard is loaded into the typed models of the grafana-foundation-sdk
package (Dashboard, Panel, the panel plugins' Options/FieldConfig, Prometheus
Dataquery, VariableModel, ...) and written back. The SDK silently drops keys that its
models do not know, so every key of the input that is missing after the round trip is
reported as unknown. Objects the SDK keeps as free-form maps are not checked deeper.

Needs grafana-foundation-sdk and promql-parser (pip).
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import promql_parser
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from promql.sources import substitute

ROOT = Path(__file__).resolve().parents[2]
DS_REF = {"type": "prometheus", "uid": "${datasource}"}
RATE_SENTINEL = "7777s"          # stands in for $__rate_interval while parsing
RANGE_FUNCTIONS = {"rate", "irate", "increase"}
SCOPE_VARIABLES = ("cluster", "job", "instance", "account")


def sdk_unknown_keys(dash: dict) -> list[str]:
    """Keys of `dash` that the SDK's dashboard models drop on a round trip."""
    plugins.register_default_plugins()
    model = Dashboard.from_json(dash)
    back = json.loads(json.dumps(model, cls=JSONEncoder))
    missing: list[str] = []
    _diff(dash, back, "", missing)
    return missing


def _diff(given, back, path: str, missing: list[str]) -> None:
    if isinstance(given, dict) and isinstance(back, dict):
        for key, value in given.items():
            if key not in back:
                missing.append(f"{path}.{key}" if path else key)
            else:
                _diff(value, back[key], f"{path}.{key}" if path else key, missing)
    elif isinstance(given, list) and isinstance(back, list) and len(given) == len(back):
        for i, (a, b) in enumerate(zip(given, back, strict=False)):
            _diff(a, b, f"{path}[{i}]", missing)


def _walk(obj, path=""):
    if isinstance(obj, dict):
        yield path, obj
        for key, value in obj.items():
            yield from _walk(value, f"{path}.{key}" if path else key)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _walk(value, f"{path}[{i}]")


def rate_interval_problems(expr: str) -> list[str]:
    """rate/irate/increase calls whose range is not $__rate_interval."""
    parsed = promql_parser.parse(substitute(expr, {"__rate_interval": RATE_SENTINEL}))
    sentinel = timedelta(seconds=int(RATE_SENTINEL[:-1]))
    problems: list[str] = []

    def visit(node) -> None:
        if isinstance(node, promql_parser.Call):
            if node.func.name in RANGE_FUNCTIONS:
                arg = node.args[0]
                if not (isinstance(arg, promql_parser.MatrixSelector) and arg.range == sentinel):
                    problems.append(f"{node.func.name}() does not use [$__rate_interval]")
            for arg in node.args:
                visit(arg)
        elif isinstance(node, promql_parser.BinaryExpr):
            visit(node.lhs)
            visit(node.rhs)
        elif isinstance(node, promql_parser.AggregateExpr):
            visit(node.expr)
            if node.param is not None:
                visit(node.param)
        elif isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
            visit(node.expr)

    visit(parsed)
    return problems


def check_dashboard(path: Path, dash: dict) -> list[str]:
    errs: list[str] = []
    uid = dash.get("uid")
    if not uid or not isinstance(uid, str) or len(uid) > 40:
        errs.append(f"uid missing or longer than 40 characters: {uid!r}")
    # 36 is what grafana-foundation-sdk writes; Grafana migrates it on load.
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        errs.append(f"schemaVersion is {dash.get('schemaVersion')!r}, want 36 or later")
    if not dash.get("tags"):
        errs.append("no tags")
    if not dash.get("title"):
        errs.append("no title")

    variables = dash.get("templating", {}).get("list", [])
    ds_vars = [v for v in variables if v.get("type") == "datasource"]
    if len(ds_vars) != 1 or ds_vars[0].get("name") != "datasource" or ds_vars[0].get("query") != "prometheus":
        errs.append("want exactly one variable `datasource` of type datasource with query prometheus")
    for name in SCOPE_VARIABLES:
        var = [v for v in variables if v.get("name") == name]
        if not var or var[0].get("type") != "query" or not var[0].get("multi") or not var[0].get("includeAll"):
            errs.append(f"want a query variable `{name}` with multi and includeAll")
    for var in variables:
        if var.get("type") == "query" and var.get("datasource") != DS_REF:
            errs.append(f"variable {var.get('name')}: datasource is {var.get('datasource')!r}, want {DS_REF}")

    # No hard-coded datasource anywhere (panels, targets, variables, annotations).
    for where, obj in _walk(dash):
        ref = obj.get("datasource") if isinstance(obj, dict) else None
        if ref is None:
            continue
        uid_val = ref.get("uid") if isinstance(ref, dict) else ref
        if uid_val != "${datasource}":
            errs.append(f"{where}.datasource hard-codes {ref!r}; use {DS_REF}")

    ids: set = set()
    panels = list(dash.get("panels", []))
    if not panels:
        errs.append("no panels")
    for panel in panels:
        name = f"panel {panel.get('id')} '{panel.get('title', '')}'"
        if panel.get("type") == "row":
            errs.append(f"{name}: rows are not used (every panel must carry a query, unit and description)")
            continue
        if panel.get("id") in ids:
            errs.append(f"{name}: duplicate panel id")
        ids.add(panel.get("id"))
        if panel.get("datasource") != DS_REF:
            errs.append(f"{name}: datasource must be {DS_REF}")
        if not (panel.get("description") or "").strip():
            errs.append(f"{name}: no description")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            errs.append(f"{name}: no fieldConfig.defaults.unit")
        if "gridPos" not in panel:
            errs.append(f"{name}: no gridPos")
        targets = panel.get("targets") or []
        if not targets:
            errs.append(f"{name}: no targets")
        for target in targets:
            tname = f"{name} target {target.get('refId')}"
            if target.get("datasource") != DS_REF:
                errs.append(f"{tname}: datasource must be {DS_REF}")
            expr = target.get("expr", "")
            for name in SCOPE_VARIABLES:
                if f"${name}" not in expr and f"${{{name}" not in expr:
                    errs.append(f"{tname}: query does not use ${name}")
            try:
                errs.extend(f"{tname}: {p}" for p in rate_interval_problems(expr))
            except Exception as err:  # syntax error from promql_parser
                errs.append(f"{tname}: does not parse: {err}")

    errs.extend(f"unknown key (not in the grafana-foundation-sdk dashboard schema): {k}"
                for k in sdk_unknown_keys(dash))
    return errs


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
    if not paths:
        print("FAIL no dashboards found")
        return 1
    failures = 0
    uids: dict[str, Path] = {}
    for path in paths:
        try:
            dash = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            print(f"FAIL {path}: {err}")
            failures += 1
            continue
        errs = check_dashboard(path, dash)
        uid = dash.get("uid")
        if uid in uids:
            errs.append(f"uid {uid!r} also used by {uids[uid]}")
        uids[uid] = path
        if errs:
            failures += 1
            print(f"FAIL {path}")
            for err in errs:
                print(f"  - {err}")
        else:
            print(f"ok   {path} (uid {uid}, {len(dash.get('panels', []))} panels)")
    print(f"dashboards: {len(paths) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
