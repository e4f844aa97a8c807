"""The mixin's copies and the alert policy checker (scripts/check-rules runs these).

The end-to-end suite's copy of the rules must be the production rules but for the `for`s
it overrides, and check_alerts.py must reject each kind of policy breach it promises to.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rules.check_alerts import rule_problems, runbook_anchors, set_problems

ROOT = Path(__file__).resolve().parents[2]
MIXIN = ROOT / "deploy" / "mixin" / "mixin.py"
CONFIG = yaml.safe_load((ROOT / "deploy" / "mixin" / "config.yml").read_text(encoding="utf-8"))


def render(tmp_path: Path, *overrides: Path) -> dict[str, dict]:
    out = tmp_path / "out"
    args = [a for path in overrides for a in ("--config", str(path))]
    subprocess.run([sys.executable, str(MIXIN), *args, "--out", str(out)], check=True, capture_output=True)
    groups = yaml.safe_load((out / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def production() -> dict[str, dict]:
    groups = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_e2e_copy_is_production_but_for_its_short_fors(tmp_path):
    overrides = ROOT / "IntegrationTests" / "e2e" / "mixin.yml"
    e2e, prod = render(tmp_path, overrides), production()
    changed = yaml.safe_load(overrides.read_text(encoding="utf-8"))["alerts"]
    assert set(e2e) == set(prod)
    for name, rule in e2e.items():
        assert rule["expr"] == prod[name]["expr"], name
        assert rule["labels"] == prod[name]["labels"], name
        if name in changed:
            assert rule["for"] == changed[name]["for"] != prod[name]["for"]
        else:
            assert rule == prod[name], name


def test_overrides_reach_selector_and_grouping(tmp_path):
    site = tmp_path / "site.yml"
    site.write_text('selector: job="other"\ngroup_labels: [job, cluster, region]\n', encoding="utf-8")
    rules = render(tmp_path, site)
    assert 'alibabacloud_sas_up{job="other"} == 0' == rules["SasApiDown"]["expr"]
    assert "sum by (job, cluster, region, account)" in rules["SasApiErrorsHigh"]["expr"]


def test_unknown_alert_in_overrides_is_an_error(tmp_path):
    site = tmp_path / "site.yml"
    site.write_text("alerts:\n  SasNoSuchAlert: {for: 1m}\n", encoding="utf-8")
    with pytest.raises(subprocess.CalledProcessError):
        render(tmp_path, site)


def problems(rule: dict) -> list[str]:
    return rule_problems(rule, CONFIG["runbook_url"], runbook_anchors(), CONFIG["group_labels"])


def test_production_rules_pass():
    rules = production()
    assert not [p for rule in rules.values() for p in problems(rule)]
    assert not set_problems(rules)


@pytest.mark.parametrize(("name", "mutate", "message"), [
    ("SasExporterDataStale", lambda r: r.update({"for": "1m"}), "pages need a sustained condition"),
    ("SasExporterDown", lambda r: r.pop("for"), "pages need a sustained condition"),
    ("SasApiErrorsHigh", lambda r: r.update({"expr": r["expr"].replace("job, cluster, account", "account")}),
     "drops ['cluster', 'job']"),
    ("SasApiDown", lambda r: r["annotations"].update({"runbook_url": "https://example.invalid/#sasapidown"}),
     "is not"),
    ("SasChecksDropped", lambda r: r["annotations"].update(
        {"runbook_url": CONFIG["runbook_url"].format(anchor="sasnosuchsection")}), "is not"),
    ("SasApiDown", lambda r: r["labels"].update({"severity": "page"}), "is not critical|warning|info"),
    ("SasApiDown", lambda r: r["annotations"].pop("summary"), "no summary annotation"),
])
def test_rule_breaches_are_reported(name, mutate, message):
    rule = copy.deepcopy(production()[name])
    mutate(rule)
    assert any(message in p for p in problems(rule)), problems(rule)


def test_stale_data_less_severe_than_a_failed_poll_is_reported():
    rules = copy.deepcopy(production())
    rules["SasExporterDataStale"]["labels"]["severity"] = "info"
    assert any("SasExporterDataStale (info) is less severe than SasApiDown" in p for p in set_problems(rules))
