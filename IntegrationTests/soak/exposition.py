"""Scrapes of the exporter's `/metrics`, validated by independent parsers.

Every scrape is parsed strictly: Prometheus text 0.0.4 by prometheus_client's text
parser, OpenMetrics 1.0.0 by its OpenMetrics parser (which rejects a missing `# EOF`,
bad escapes, a counter without `_total`, out-of-order histogram buckets, duplicate
series). `promtool check metrics` runs on a text scrape when asked (it is slower).
A gzip answer must inflate to a body of the same format.
"""

from __future__ import annotations

import gzip
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

OPENMETRICS = "application/openmetrics-text;version=1.0.0"
FORMATS = ("text", "openmetrics", "text+gzip", "openmetrics+gzip")


@dataclass
class Scrape:
    format: str
    status: int
    body: str
    samples: dict[tuple, float]     # (name, sorted labels) -> value, `_created` left out
    problem: str = ""               # why the exposition is invalid ("" when valid)

    def value(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def family(self, name: str, account: str, label_names: tuple[str, ...]) -> dict[tuple, float]:
        out = {}
        for (sample_name, labels), value in self.samples.items():
            d = dict(labels)
            if sample_name == name and d.get("account") == account:
                out[tuple(d.get(lbl, "") for lbl in label_names)] = value
        return out


def scrape(base: str, fmt: str = "text", timeout: float = 10.0) -> Scrape:
    headers = {}
    if fmt.startswith("openmetrics"):
        headers["Accept"] = OPENMETRICS
    if fmt.endswith("+gzip"):
        headers["Accept-Encoding"] = "gzip"
    req = urllib.request.Request(f"{base}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
            encoding = resp.headers.get("Content-Encoding", "")
            content_type = resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return Scrape(fmt, err.code, "", {}, f"HTTP {err.code}")
    problem = ""
    if fmt.endswith("+gzip"):
        if encoding != "gzip":
            return Scrape(fmt, status, "", {}, f"asked for gzip, got Content-Encoding {encoding!r}")
        raw = gzip.decompress(raw)
    want = "application/openmetrics-text" if fmt.startswith("openmetrics") else "text/plain"
    if not content_type.startswith(want):
        problem = f"Content-Type {content_type!r}, expected {want}"
    body = raw.decode("utf-8")
    samples: dict[tuple, float] = {}
    try:
        parse = parse_openmetrics if fmt.startswith("openmetrics") else parse_text
        for family in parse(body):
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                key = (sample.name, tuple(sorted(sample.labels.items())))
                if key in samples:
                    raise ValueError(f"duplicate series {key}")
                samples[key] = sample.value
    except Exception as err:  # noqa: BLE001 - any parser error makes the scrape invalid
        problem = problem or f"{type(err).__name__}: {err}"
    return Scrape(fmt, status, body, samples, problem)


def promtool_check(body: str) -> str:
    """'' when `promtool check metrics` accepts a text exposition, else its complaint."""
    result = subprocess.run(["promtool", "check", "metrics"], input=body.encode(), capture_output=True, timeout=60)
    if result.returncode == 0:
        return ""
    return (result.stdout + result.stderr).decode(errors="replace").strip()[:500]
