#!/usr/bin/env python3
"""Check a `kubectl kustomize` rendering of deploy/kubernetes.

Splits the rendered stream into built-in kinds, written to --builtin-out for
`kubernetes-validate --strict` (run by scripts/check-deploy), and Prometheus Operator
custom resources, validated here against the hand-written strict schemas in
IntegrationTests/deploy/schemas (kubernetes-validate ships no schema for them). Then checks the
invariants the manifests promise: hardened pod security, probes, resources, the state
volume, a fully qualified image, no Secret shipped, a Service that selects the pods,
NetworkPolicy ports, dashboard ConfigMaps for the Grafana sidecar, and for a StatefulSet
that --shard.index comes from the pod ordinal and that --shard.count and the
configured-shards series of the SasExporterShardsMissing alert equal spec.replicas.

Exit status 0 when everything holds; every problem is printed.
"""

import argparse
import json
import pathlib
import sys

import jsonschema
import referencing
import yaml

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
CUSTOM = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor_v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule_v1.json",
}
STATE_DIR = "/var/lib/sas-exporter"
PORT = 9793
SHARDS_RECORD = "job:alibabacloud_sas_exporter_shards:configured"
DASHBOARD_LABEL = ("grafana_dashboard", "1")


def load_schema(name):
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def registry():
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT7)
        resources.append((schema["$id"], resource))
        resources.append((path.name, resource))
    return referencing.Registry().with_resources(resources)


def ident(doc):
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def check_custom(doc, errors, reg):
    key = (doc.get("apiVersion"), doc.get("kind"))
    schema = load_schema(CUSTOM[key])
    validator = jsonschema.Draft7Validator(schema, registry=reg)
    found = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for error in found:
        path = "/".join(str(p) for p in error.absolute_path)
        errors.append(f"{ident(doc)}: {path or '<root>'}: {error.message}")
    return not found


def env_map(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_workload(doc, errors):
    where = ident(doc)
    spec = doc["spec"]
    template = spec["template"]
    pod = template["spec"]
    psc = pod.get("securityContext", {})
    for key, want in (("runAsNonRoot", True), ("runAsUser", 65532)):
        if psc.get(key) != want:
            errors.append(f"{where}: pod securityContext.{key} is {psc.get(key)!r}, want {want!r}")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        errors.append(f"{where}: pod seccompProfile is not RuntimeDefault")
    if pod.get("automountServiceAccountToken") is not False:
        errors.append(f"{where}: automountServiceAccountToken should be false")
    mounts_by_volume = {}
    for container in pod["containers"]:
        name = f"{where} container {container['name']}"
        csc = container.get("securityContext", {})
        hardened = (("allowPrivilegeEscalation", False), ("readOnlyRootFilesystem", True), ("runAsNonRoot", True))
        for key, want in hardened:
            if csc.get(key) != want:
                errors.append(f"{name}: securityContext.{key} is {csc.get(key)!r}, want {want!r}")
        if csc.get("capabilities", {}).get("drop") != ["ALL"]:
            errors.append(f"{name}: capabilities.drop is not [ALL]")
        if csc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            errors.append(f"{name}: seccompProfile is not RuntimeDefault")
        for probe, path in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready")):
            got = container.get(probe, {}).get("httpGet", {}).get("path")
            if got != path:
                errors.append(f"{name}: {probe} path is {got!r}, want {path!r}")
        resources = container.get("resources", {})
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in resources.get(part, {}):
                    errors.append(f"{name}: resources.{part}.{res} missing")
        if not any(p.get("containerPort") == PORT for p in container.get("ports", [])):
            errors.append(f"{name}: no containerPort {PORT}")
        image = container.get("image", "")
        if "/" not in image or not (":" in image.rsplit("/", 1)[1] or "@" in image):
            errors.append(f"{name}: image {image!r} is not a registry reference with a tag or digest")
        else:
            print(f"  image {image}")
        for mount in container.get("volumeMounts", []):
            mounts_by_volume[mount["name"]] = mount["mountPath"]
    state = [v for v, path in mounts_by_volume.items() if path == STATE_DIR]
    if not state:
        errors.append(f"{where}: nothing mounted at {STATE_DIR}")
    elif doc["kind"] == "Deployment":
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        if "emptyDir" not in volumes.get(state[0], {}) and "persistentVolumeClaim" not in volumes.get(state[0], {}):
            errors.append(f"{where}: {STATE_DIR} is neither an emptyDir nor a PVC")
    return state[0] if state else None


def configured_shards(docs):
    """The expressions of the configured-shards recording rule, wherever it is defined."""
    return [rule.get("expr") for d in docs if d.get("kind") == "PrometheusRule"
            for group in d["spec"].get("groups", []) for rule in group.get("rules", [])
            if rule.get("record") == SHARDS_RECORD]


def check_shards(doc, docs, errors, state_volume):
    where = ident(doc)
    spec = doc["spec"]
    replicas = spec.get("replicas", 1)
    container = spec["template"]["spec"]["containers"][0]
    env = env_map(container)
    args = container.get("args", [])
    index_ref = env.get("SHARD_INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
    if index_ref != "metadata.labels['apps.kubernetes.io/pod-index']":
        errors.append(f"{where}: SHARD_INDEX does not come from the apps.kubernetes.io/pod-index label ({index_ref!r})")
    if "--shard.index=$(SHARD_INDEX)" not in args:
        errors.append(f"{where}: args lack --shard.index=$(SHARD_INDEX)")
    if "--shard.count=$(SHARD_COUNT)" not in args:
        errors.append(f"{where}: args lack --shard.count=$(SHARD_COUNT)")
    count = env.get("SHARD_COUNT", {}).get("value")
    if count != str(replicas):
        errors.append(f"{where}: SHARD_COUNT is {count!r} but spec.replicas is {replicas}: they must be equal")
    claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
    if state_volume not in claims:
        errors.append(f"{where}: the state volume {state_volume!r} is not a volumeClaimTemplate ({claims})")
    if spec.get("podManagementPolicy") != "Parallel":
        errors.append(f"{where}: podManagementPolicy should be Parallel (shards are independent)")
    exprs = configured_shards(docs)
    if [str(e) for e in exprs] != [str(replicas)]:
        errors.append(f"{where}: the {SHARDS_RECORD} rule says {exprs} but spec.replicas is {replicas}: "
                      "SasExporterShardsMissing would compare against the wrong count")


def check_dashboards(docs, errors):
    maps = [d for d in docs if d.get("kind") == "ConfigMap"
            and d.get("metadata", {}).get("labels", {}).get(DASHBOARD_LABEL[0]) == DASHBOARD_LABEL[1]]
    if not maps:
        errors.append(f"no ConfigMap labelled {DASHBOARD_LABEL[0]}: \"{DASHBOARD_LABEL[1]}\" "
                      "(Grafana sidecar dashboards)")
    for config_map in maps:
        for key, value in config_map.get("data", {}).items():
            try:
                uid = json.loads(value).get("uid")
            except ValueError as err:
                errors.append(f"{ident(config_map)}: {key} is not JSON: {err}")
                continue
            print(f"  dashboard {uid} in {ident(config_map)} ({key})")


def check_services(docs, errors):
    services = [d for d in docs if d.get("kind") == "Service"]
    workloads = [d for d in docs if d.get("kind") in ("Deployment", "StatefulSet")]
    if len(workloads) != 1:
        errors.append(f"expected exactly one workload, found {[ident(w) for w in workloads]}")
    for workload in workloads:
        labels = workload["spec"]["template"]["metadata"].get("labels", {})
        matching = [s for s in services if s["spec"].get("selector")
                    and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        if len(matching) != 1:
            errors.append(f"{ident(workload)}: {len(matching)} Services select its pods, want exactly 1 "
                          "(else the ServiceMonitor scrapes twice)")
        if workload["kind"] == "StatefulSet":
            governing = [s for s in services if s["metadata"]["name"] == workload["spec"].get("serviceName")]
            if not governing or governing[0]["spec"].get("clusterIP") != "None":
                errors.append(f"{ident(workload)}: serviceName {workload['spec'].get('serviceName')!r} "
                              "is not a headless Service")


def check_network_policy(docs, errors):
    policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    if not policies:
        errors.append("no NetworkPolicy")
    for policy in policies:
        ports = {(p.get("port"), p.get("protocol", "TCP"))
                 for rule in policy["spec"].get("ingress", []) for p in rule.get("ports", [])}
        if ports != {(PORT, "TCP")}:
            errors.append(f"{ident(policy)}: ingress ports are {sorted(ports)}, want only {PORT}/TCP")
        egress = {(p.get("port"), p.get("protocol", "TCP"))
                  for rule in policy["spec"].get("egress", []) for p in rule.get("ports", [])}
        if egress != {(53, "UDP"), (53, "TCP"), (443, "TCP")}:
            errors.append(f"{ident(policy)}: egress ports are {sorted(egress)}, want DNS and 443")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", help="output of kubectl kustomize")
    parser.add_argument("--builtin-out", required=True, help="where to write the built-in kinds")
    args = parser.parse_args()

    with open(args.rendered, encoding="utf-8") as handle:
        docs = [d for d in yaml.safe_load_all(handle) if d]
    errors, builtin, custom = [], [], []
    reg = registry()
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key in CUSTOM:
            custom.append(doc)
            if check_custom(doc, errors, reg):
                print(f"  ok   {ident(doc)} against IntegrationTests/deploy/schemas/{CUSTOM[key]} "
                      "(hand-written strict subset)")
        elif "." in (doc.get("apiVersion") or "").split("/")[0] and "k8s.io" not in doc["apiVersion"]:
            errors.append(f"{ident(doc)}: custom resource {doc['apiVersion']} has no schema "
                          "in IntegrationTests/deploy/schemas")
        else:
            builtin.append(doc)
        if doc.get("kind") in ("Deployment", "StatefulSet"):
            state_volume = check_workload(doc, errors)
            if doc["kind"] == "StatefulSet":
                check_shards(doc, docs, errors, state_volume)
        if doc.get("kind") == "Secret":
            errors.append(f"{ident(doc)}: a Secret is shipped; reference it and create it out of band "
                          "(applying would overwrite the real one)")
    check_services(docs, errors)
    check_dashboards(docs, errors)
    check_network_policy(docs, errors)
    for kind in ("ServiceMonitor", "PrometheusRule", "PodDisruptionBudget", "ServiceAccount"):
        if not any(d.get("kind") == kind for d in docs):
            errors.append(f"no {kind} in the rendering")

    with open(args.builtin_out, "w", encoding="utf-8") as handle:
        yaml.safe_dump_all(builtin, handle, sort_keys=False)
    print(f"  {len(builtin)} built-in resources for kubernetes-validate, {len(custom)} custom resources checked here")
    for error in errors:
        print(f"  FAIL {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
