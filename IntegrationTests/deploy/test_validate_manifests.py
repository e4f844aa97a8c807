"""The manifest checker (validate_manifests.py) accepts the rendered overlays and rejects
each kind of breakage it is meant to catch; the PrometheusRule carries the rule files' groups."""

import copy
import functools
import pathlib
import subprocess
import sys

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECKER = REPO / "IntegrationTests" / "deploy" / "validate_manifests.py"
KUSTOMIZE = REPO / "deploy" / "kubernetes"

@functools.cache
def rendered(overlay):
    out = subprocess.run(["kubectl", "kustomize", str(KUSTOMIZE / overlay)], check=True, capture_output=True, text=True)
    return out.stdout


def render(overlay):
    """A fresh, mutable copy of the overlay's resources (kubectl kustomize runs once per overlay)."""
    return [d for d in yaml.safe_load_all(rendered(overlay)) if d]


def check(docs, tmp_path):
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(rendered), "--builtin-out", str(tmp_path / "builtin.yaml")],
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout + result.stderr


def find(docs, kind):
    return next(d for d in docs if d["kind"] == kind)


OVERLAYS = ["base"] + sorted(f"overlays/{p.name}" for p in (KUSTOMIZE / "overlays").iterdir() if p.is_dir())


def workload(docs):
    return next(d for d in docs if d["kind"] in ("Deployment", "StatefulSet"))


def test_every_layout_is_tested():
    assert {"overlays/rrsa", "overlays/sharded", "overlays/rrsa-sharded"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlays_pass(overlay, tmp_path):
    status, output = check(render(overlay), tmp_path)
    assert status == 0, output
    builtin = [d for d in yaml.safe_load_all((tmp_path / "builtin.yaml").read_text()) if d]
    assert {d["kind"] for d in builtin}.isdisjoint({"ServiceMonitor", "PrometheusRule"})


def test_one_image_reference_everywhere():
    images = {overlay: sorted({c["image"] for d in render(overlay) if d["kind"] in ("Deployment", "StatefulSet")
                               for c in d["spec"]["template"]["spec"]["containers"]}) for overlay in OVERLAYS}
    assert len({tuple(i) for i in images.values()}) == 1 and len(images["base"]) == 1, images


@pytest.mark.parametrize("overlay", ["overlays/rrsa", "overlays/rrsa-sharded"])
def test_rrsa_has_no_access_key(overlay):
    docs = render(overlay)
    assert not [d for d in docs if d["kind"] == "Secret"]
    pod = workload(docs)["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert "envFrom" not in container
    env = {e["name"] for e in container["env"]}
    assert {"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"} <= env
    tokens = [s["serviceAccountToken"] for v in pod["volumes"] for s in v.get("projected", {}).get("sources", [])
              if "serviceAccountToken" in s]
    assert tokens and tokens[0]["audience"] == "sts.aliyuncs.com"
    config = yaml.safe_load(next(d for d in docs if d["kind"] == "ConfigMap" and "config.yml" in d.get("data", {}))
                            ["data"]["config.yml"])
    assert len(config["accounts"]) >= 3
    assert all(a["credentials"]["role_arn"].startswith("acs:ram::") for a in config["accounts"])


def test_rrsa_and_sharded_compose():
    docs = render("overlays/rrsa-sharded")
    assert workload(docs)["kind"] == "StatefulSet"
    env = {e["name"] for e in workload(docs)["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert {"SHARD_INDEX", "SHARD_COUNT", "ALIBABA_CLOUD_ROLE_ARN"} <= env


@pytest.mark.parametrize("overlay", ["overlays/sharded", "overlays/rrsa-sharded"])
def test_shard_count_comes_from_one_place(overlay):
    docs = render(overlay)
    count = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sas-exporter-shards")
    spec = find(docs, "StatefulSet")["spec"]
    env = {e["name"]: e for e in spec["template"]["spec"]["containers"][0]["env"]}
    assert str(spec["replicas"]) == env["SHARD_COUNT"]["value"] == count["data"]["count"]


def test_base_references_the_secret_and_ships_none():
    docs = render("base")
    assert not [d for d in docs if d["kind"] == "Secret"]
    container = find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "sas-exporter-credentials"}}]
    assert (KUSTOMIZE / "base" / "secret.example.yaml").exists()


def mutate_shard_count(docs):
    env = find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]["env"]
    next(e for e in env if e["name"] == "SHARD_COUNT")["value"] = "4"


def mutate_writable_root(docs):
    container = find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False


def mutate_rule_field(docs):
    find(docs, "PrometheusRule")["spec"]["groups"][0]["rules"][0]["bogus"] = "x"


def mutate_monitor_field(docs):
    find(docs, "ServiceMonitor")["spec"]["endpoints"][0]["intervall"] = "60s"


def mutate_second_service(docs):
    service = copy.deepcopy(find(docs, "Service"))
    service["metadata"]["name"] = "sas-exporter-extra"
    docs.append(service)


def mutate_ingress_port(docs):
    find(docs, "NetworkPolicy")["spec"]["ingress"][0]["ports"].append({"port": 8080, "protocol": "TCP"})


def mutate_unknown_custom_resource(docs):
    docs.append({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "x"}, "spec": {}})


def mutate_probe(docs):
    container = find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["path"] = "/metrics"


def mutate_shards_rule(docs):
    rule = next(d for d in docs if d["kind"] == "PrometheusRule" and d["metadata"]["name"] == "sas-exporter-shards")
    rule["spec"]["groups"][0]["rules"][0]["expr"] = "5"


def mutate_bare_image(docs):
    find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]["image"] = "sas-exporter"


def mutate_shipped_secret(docs):
    docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sas-exporter-credentials"}})


def mutate_no_dashboards(docs):
    docs[:] = [d for d in docs if "grafana_dashboard" not in d.get("metadata", {}).get("labels", {})]


def mutate_index_source(docs):
    env = find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]["env"]
    next(e for e in env if e["name"] == "SHARD_INDEX")["valueFrom"]["fieldRef"]["fieldPath"] = "metadata.name"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (mutate_shard_count, "SHARD_COUNT is '4' but spec.replicas is 3"),
        (mutate_writable_root, "readOnlyRootFilesystem"),
        (mutate_rule_field, "'bogus' was unexpected"),
        (mutate_monitor_field, "'intervall' was unexpected"),
        (mutate_second_service, "2 Services select its pods"),
        (mutate_ingress_port, "ingress ports"),
        (mutate_unknown_custom_resource, "has no schema"),
        (mutate_probe, "readinessProbe path"),
        (mutate_index_source, "pod-index"),
        (mutate_shards_rule, "rule says ['5'] but spec.replicas is 3"),
        (mutate_bare_image, "image 'sas-exporter' is not a registry reference"),
        (mutate_shipped_secret, "a Secret is shipped"),
        (mutate_no_dashboards, "no ConfigMap labelled grafana_dashboard"),
    ],
)
def test_breakage_is_reported(mutate, message, tmp_path):
    docs = render("overlays/sharded")
    mutate(docs)
    status, output = check(docs, tmp_path)
    assert status == 1, output
    assert message in output


def test_prometheusrule_carries_every_rule_group():
    sources = [REPO / "deploy" / "prometheus" / "recording-rules.yml", REPO / "deploy" / "prometheus" / "alerts.yml"]
    missing = [str(s.relative_to(REPO)) for s in sources if not s.exists()]
    assert not missing, f"rule files missing: {missing}"
    expected = [g for s in sources for g in yaml.safe_load(s.read_text(encoding="utf-8"))["groups"]]
    rule = yaml.safe_load((KUSTOMIZE / "base" / "prometheusrule.yaml").read_text(encoding="utf-8"))
    assert rule["spec"]["groups"] == expected
