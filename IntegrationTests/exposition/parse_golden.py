#!/usr/bin/env python3
"""Parses every golden exposition file with prometheus_client's own parsers.

golden-*.prom go through the text 0.0.4 parser, golden-*.om through the strict
OpenMetrics parser. The text and OpenMetrics goldens of one name must carry the same
samples (`_created` aside, `le` compared as numbers), and the awkward-label goldens must
give back exactly the check names in awkward-expectations.json.

Usage: parse_golden.py FIXTURES_DIR   (exit status 1 on any failure)
"""
import json
import math
import pathlib
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text


def samples(families):
    result = {}
    for family in families:
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = dict(sample.labels)
            if "le" in labels:
                labels["le"] = float(labels["le"])
            key = (sample.name, tuple(sorted(labels.items())))
            if key in result:
                raise ValueError(f"duplicate series {key}")
            result[key] = sample.value
    return result


def check_names(families, account):
    names = {}
    for family in families:
        for sample in family.samples:
            if sample.name != "alibabacloud_sas_check_info":
                continue
            if sample.labels.get("account") != account:
                raise ValueError(f"account label {sample.labels.get('account')!r} != {account!r}")
            names[sample.labels["check_id"]] = sample.labels["check_name"]
    return names


def main():
    fixtures = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Tests/SASMetricsTests/Fixtures")
    expectations = json.loads((fixtures / "awkward-expectations.json").read_text(encoding="utf-8"))
    failures = 0
    checked = 0
    for text_file in sorted(fixtures.glob("golden-*.prom")):
        om_file = text_file.with_suffix(".om")
        try:
            text_families = list(parse_text(text_file.read_text(encoding="utf-8")))
            om_families = list(parse_openmetrics(om_file.read_text(encoding="utf-8")))
            if not text_families:
                raise ValueError("no families")
            text_samples, om_samples = samples(text_families), samples(om_families)
            if text_samples.keys() != om_samples.keys():
                differ = sorted(set(text_samples) ^ set(om_samples))[:3]
                raise ValueError(f"text and OpenMetrics series differ: {differ}")
            for key, value in text_samples.items():
                other = om_samples[key]
                if not (value == other or (math.isnan(value) and math.isnan(other))):
                    raise ValueError(f"{key}: {value} != {other}")
            if text_file.name.startswith("golden-awkward"):
                for label, families in (("text", text_families), ("openmetrics", om_families)):
                    got = check_names(families, expectations["account"])
                    if got != expectations["check_names"]:
                        wrong = {k: (got.get(k), v) for k, v in expectations["check_names"].items() if got.get(k) != v}
                        raise ValueError(f"{label}: check names differ: {wrong}")
            checked += 2
            print(f"ok   {text_file.name} and {om_file.name}: {len(text_samples)} samples")
        except Exception as error:  # noqa: BLE001 - report every file
            failures += 1
            print(f"FAIL {text_file.name} / {om_file.name}: {error}")
    if checked == 0:
        print(f"FAIL no golden files found in {fixtures}")
        return 1
    print(f"parse_golden: {checked} files parsed, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
