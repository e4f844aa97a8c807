"""Static checks of the docker-compose demo stack (Docker cannot run on the CI machine).

Run: pytest IntegrationTests/deploy/test_compose.py (scripts/check-deploy does).
"""

import ipaddress
import pathlib
import re
import urllib.parse

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "docker-compose.yml"
BASE = COMPOSE.parent
SERVICES = {"simulator", "exporter", "prometheus", "alertmanager", "grafana"}
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"
GRAFANA_DASHBOARDS = "/var/lib/grafana/dashboards/sas-exporter"


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def compose():
    return load(COMPOSE)


def bind_mounts(service):
    """(host path resolved in the repo, container path, read-only) of each bind mount."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") != "bind":
                continue
            source, target, ro = volume["source"], volume["target"], volume.get("read_only", False)
        else:
            parts = volume.split(":")
            if not parts[0].startswith((".", "/")):
                continue  # a named volume
            source, target = parts[0], parts[1]
            ro = len(parts) > 2 and "ro" in parts[2].split(",")
        mounts.append(((BASE / source).resolve(), target, ro))
    return mounts


def host_path_for(service, container_path):
    """The repository path that a container path of a service maps to, through its bind mounts."""
    for host, target, _ in sorted(bind_mounts(service), key=lambda m: -len(m[1])):
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            return host / pathlib.PurePosixPath(container_path).relative_to(target)
    return None


def test_services(compose):
    assert set(compose["services"]) == SERVICES


def test_ports_published_on_loopback_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                host_ip = port.get("host_ip")
            else:
                match = re.fullmatch(r"(?:(\[?[0-9a-fA-F.:]+\]?):)?(\d+):(\d+)(?:/(tcp|udp))?", str(port))
                assert match, f"{name}: cannot parse port {port!r}"
                host_ip = match.group(1)
            assert host_ip, f"{name}: port {port!r} is published on every interface"
            assert ipaddress.ip_address(host_ip.strip("[]")).is_loopback, f"{name}: {port!r} is not on loopback"


def test_expected_ports(compose):
    published = {name: [str(p) for p in s.get("ports", [])] for name, s in compose["services"].items()}
    assert "127.0.0.1:3000:3000" in published["grafana"]
    assert "127.0.0.1:9793:9793" in published["exporter"]
    assert "127.0.0.1:9090:9090" in published["prometheus"]
    assert "127.0.0.1:9093:9093" in published["alertmanager"]


def test_every_mounted_host_path_exists(compose):
    missing = [
        f"{name}: {host.relative_to(REPO) if host.is_relative_to(REPO) else host}"
        for name, service in compose["services"].items()
        for host, _, _ in bind_mounts(service)
        if not host.exists()
    ]
    assert not missing, f"mounted paths missing from the repository: {missing}"
    for name, service in compose["services"].items():
        for host, _, ro in bind_mounts(service):
            assert host.is_relative_to(REPO), f"{name}: {host} is outside the repository"
            assert ro, f"{name}: {host} should be mounted read-only"


def test_images_are_pinned(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: image {image!r} has no fixed tag"


def test_simulator_command(compose):
    simulator = compose["services"]["simulator"]
    assert simulator["entrypoint"] == ["/usr/local/bin/sas-simulator"]
    command = simulator["command"]
    assert command[command.index("--web.listen-address") + 1] == "0.0.0.0:18080"
    assert command[command.index("--access-key") + 1] == "testid:testsecret"


def test_exporter_config_points_at_simulator(compose):
    exporter = compose["services"]["exporter"]
    config_arg = next(a for a in exporter["command"] if a.startswith("--config.file="))
    config_path = host_path_for(exporter, config_arg.split("=", 1)[1])
    assert config_path is not None and config_path.is_relative_to(REPO / "deploy" / "config")
    config = load(config_path)
    simulator_port = compose["services"]["simulator"]["command"]
    port = simulator_port[simulator_port.index("--web.listen-address") + 1].rsplit(":", 1)[1]
    endpoints = [urllib.parse.urlsplit(a["endpoint"]) for a in config["accounts"]]
    assert endpoints, "the demo config has no account"
    for endpoint in endpoints:
        assert (endpoint.scheme, endpoint.hostname, str(endpoint.port)) == ("http", "simulator", port)
    assert config.get("state_file", "").startswith("/var/lib/sas-exporter/")
    env = exporter["environment"]
    key_id, secret = simulator_port[simulator_port.index("--access-key") + 1].split(":")
    assert (env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]) == (key_id, secret)


def test_exporter_hardening(compose):
    exporter = compose["services"]["exporter"]
    assert exporter["read_only"] is True
    assert exporter["cap_drop"] == ["ALL"]
    assert any(v.endswith(":/var/lib/sas-exporter") for v in exporter["volumes"])


def test_prometheus_rule_files_exist_in_mounted_directory(compose):
    prometheus = compose["services"]["prometheus"]
    config_arg = next(a for a in prometheus["command"] if a.startswith("--config.file="))
    container_config = pathlib.PurePosixPath(config_arg.split("=", 1)[1])
    config_path = host_path_for(prometheus, str(container_config))
    assert config_path is not None and config_path.exists()
    config = load(config_path)
    rule_files = config.get("rule_files", [])
    assert {"alerts.yml", "recording-rules.yml"} <= {pathlib.PurePosixPath(r).name for r in rule_files}
    for rule_file in rule_files:
        container_path = container_config.parent / rule_file  # relative to the config file
        host = host_path_for(prometheus, str(container_path))
        assert host is not None, f"rule file {rule_file} is not inside a mounted directory"
        assert host.exists(), f"rule file {rule_file} -> {host.relative_to(REPO)} does not exist"


def test_prometheus_targets_are_services(compose):
    config = load(host_path_for(compose["services"]["prometheus"], "/etc/prometheus/prometheus.yml"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for sc in jobs["sas-exporter"]["static_configs"] for t in sc["targets"]]
    assert targets == ["exporter:9793"]
    assert jobs["sas-exporter"]["scrape_interval"] == "60s"
    alertmanagers = [t for am in config["alerting"]["alertmanagers"]
                     for sc in am["static_configs"] for t in sc["targets"]]
    assert alertmanagers == ["alertmanager:9093"]
    assert set(compose["services"]["alertmanager"]["command"]) >= {"--config.file=/etc/alertmanager/alertmanager.yml"}


def test_grafana_anonymous_viewer(compose):
    env = compose["services"]["grafana"]["environment"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert compose["services"]["grafana"]["image"].startswith("grafana/grafana-oss:")


def test_grafana_mounts(compose):
    grafana = compose["services"]["grafana"]
    assert host_path_for(grafana, GRAFANA_PROVISIONING) == (REPO / "grafana" / "provisioning").resolve()
    assert host_path_for(grafana, GRAFANA_DASHBOARDS) == (REPO / "grafana" / "dashboards").resolve()


def provisioning_files(kind):
    directory = REPO / "grafana" / "provisioning" / kind
    files = sorted(list(directory.glob("*.yml")) + list(directory.glob("*.yaml")))
    assert files, f"no provisioning files in {directory.relative_to(REPO)}"
    return files


def test_grafana_dashboard_provider_path_is_mounted(compose):
    grafana = compose["services"]["grafana"]
    providers = [p for f in provisioning_files("dashboards") for p in (load(f) or {}).get("providers", [])]
    assert providers, "grafana/provisioning/dashboards declares no provider"
    dashboards = list((REPO / "grafana" / "dashboards").rglob("*.json"))
    assert dashboards, "grafana/dashboards has no dashboard JSON"
    for provider in providers:
        path = provider.get("options", {}).get("path")
        assert path, f"provider {provider.get('name')!r} has no options.path"
        host = host_path_for(grafana, path)
        assert host is not None, f"provider path {path} is not mounted into the grafana container"
        assert host.exists(), f"provider path {path} -> {host} does not exist"
        assert any(d.is_relative_to(host) for d in dashboards), f"provider path {path} holds no dashboard"


def test_grafana_datasource_points_at_prometheus_service(compose):
    datasources = [d for f in provisioning_files("datasources") for d in (load(f) or {}).get("datasources", [])]
    prometheus = [d for d in datasources if d.get("type") == "prometheus"]
    assert prometheus, "no Prometheus data source is provisioned"
    port = compose["services"]["prometheus"]["ports"][0].rsplit(":", 1)[1]
    for datasource in prometheus:
        url = urllib.parse.urlsplit(datasource["url"])
        assert (url.hostname, str(url.port)) == ("prometheus", port), f"data source url {datasource['url']}"
