"""deploy/kubernetes/: valid for Kubernetes, and right about the gateway it runs.

Every manifest is validated, strictly (a field the API does not have fails), against the API
schemas of the Kubernetes versions in KUBERNETES_VERSIONS, which `kubernetes-validate` ships:
no cluster and no network are needed (the validation runs with connections refused). Then
what no schema can see: the probes ask paths the gateway serves, open and calling nothing
upstream; the ports agree; the ConfigMap sets only settings, and a gateway started from it
(the Secrets' files made here) answers the probes; the Secrets' files are the *_FILE settings;
the selectors select the pods they mean.
"""

from __future__ import annotations

import copy
import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
import kubernetes_validate
import pytest
import yaml
from starlette.routing import Route

from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from gateway.app import create_app
from gateway.auth.paths import Access, classify
from gateway.serving import serve_in_thread
from gateway.settings import Settings, load_settings, unknown_settings
from tests.deploy.test_deploy_files import final_stage, image_cmd, image_env

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUSTOMIZATION = MANIFESTS / "kustomization.yaml"
#: Placeholders for the Secrets, deliberately outside the kustomization (applied, they would
#: replace the real Secrets).
SECRETS = MANIFESTS / "secrets.yaml"
#: The oldest Kubernetes the manifests are written for, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30", "1.37")
GATEWAY = "enovia-gateway"
REDIS = "enovia-gateway-redis"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")

Manifest = dict[str, Any]


def manifest_files() -> list[Path]:
    return sorted(path for path in MANIFESTS.glob("*.yaml") if path != KUSTOMIZATION)


def documents(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def manifests() -> dict[tuple[str, str], Manifest]:
    """Every resource in deploy/kubernetes/, by (kind, name)."""
    found: dict[tuple[str, str], Manifest] = {}
    for path in manifest_files():
        for doc in documents(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{key} twice"
            found[key] = doc
    return found


def get(kind: str, name: str) -> Manifest:
    return manifests()[(kind, name)]


def pod_spec(kind: str, name: str) -> Manifest:
    spec: Manifest = get(kind, name)["spec"]["template"]["spec"]
    return spec


def pod_labels(kind: str, name: str) -> dict[str, str]:
    labels: dict[str, str] = get(kind, name)["spec"]["template"]["metadata"]["labels"]
    return labels


def gateway_container() -> Manifest:
    (container,) = pod_spec("Deployment", GATEWAY)["containers"]
    result: Manifest = container
    return result


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels only, or a Service's plain map) selects `labels`."""
    assert set(selector) <= {"matchLabels"} or "matchLabels" not in selector, selector
    match = selector.get("matchLabels", selector)
    assert match, "an empty selector selects everything"
    return all(labels.get(key) == value for key, value in match.items())


def workload_pods() -> dict[tuple[str, str], dict[str, str]]:
    return {key: pod_labels(*key) for key, doc in manifests().items() if key[0] in WORKLOADS}


def container_port(container: Manifest, port: int | str) -> int:
    """A port given by number or by the name of one of `container`'s ports."""
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    return int(number)


def configmap() -> dict[str, str]:
    data: dict[str, str] = get("ConfigMap", GATEWAY)["data"]
    return data


# --- the schemas -----------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection and name lookup from this process fails while the test runs."""

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "create_connection", refused)
    monkeypatch.setattr(socket, "getaddrinfo", refused)


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.name)
def test_every_manifest_is_valid_for_kubernetes(path: Path, version: str) -> None:
    docs = documents(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{path.name}: {doc['kind']}/{doc['metadata']['name']}: {where}: {error}")


@pytest.mark.usefixtures("no_network")
def test_the_check_refuses_a_broken_manifest() -> None:
    deployment = get("Deployment", GATEWAY)
    kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)

    def misspelt_field(container: Manifest) -> None:
        container["securityContext"]["readOnlyRootFileSystem"] = True

    def misspelt_nested_field(container: Manifest) -> None:
        probe = container["livenessProbe"]["httpGet"]
        probe["paht"] = probe.pop("path")

    def wrong_type(container: Manifest) -> None:
        container["ports"][0]["containerPort"] = "eight thousand"

    def missing_required_field(container: Manifest) -> None:
        del container["name"]

    for breaks in (misspelt_field, misspelt_nested_field, wrong_type, missing_required_field):
        doc = copy.deepcopy(deployment)
        breaks(doc["spec"]["template"]["spec"]["containers"][0])
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[0], strict=True)
    unknown = {**deployment, "apiVersion": "apps/v1beta3"}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(unknown, KUBERNETES_VERSIONS[0], strict=True)


def test_the_kustomization_applies_every_manifest_but_the_secrets_placeholders() -> None:
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == {path.name for path in manifest_files()} - {SECRETS.name}
    # Its `images` rewrite is the Deployment's image.
    image = gateway_container()["image"]
    names = [entry["name"] for entry in kustomization["images"]]
    assert image.partition(":")[0] in names, (image, names)


# --- the gateway's Deployment ----------------------------------------------------------------


def test_the_gateway_runs_two_replicas_and_the_autoscaler_keeps_at_least_those() -> None:
    assert get("Deployment", GATEWAY)["spec"]["replicas"] == 2
    hpa = get("HorizontalPodAutoscaler", GATEWAY)["spec"]
    assert hpa["minReplicas"] == 2 < hpa["maxReplicas"]
    (metric,) = hpa["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"


def probes(container: Manifest) -> dict[str, Manifest]:
    kinds = ("startupProbe", "livenessProbe", "readinessProbe")
    return {kind: container[kind] for kind in kinds if kind in container}


def test_the_probes_ask_a_path_the_app_serves_openly_that_calls_nothing_upstream(
    tmp_path: Path,
) -> None:
    app = create_app(settings_from_configmap(tmp_path, "http://127.0.0.1:9"))
    served = {
        route.path
        for route in app.routes
        if isinstance(route, Route) and "GET" in (route.methods or ())
    }
    found = probes(gateway_container())
    assert {"livenessProbe", "readinessProbe"} <= found.keys()
    for kind, probe in found.items():
        path = probe["httpGet"]["path"]
        assert path in served, f"{kind}: the gateway serves no GET {path}"
        # Open in every auth mode (a probe sends no credentials), and never the detailed
        # health: it asks ENOVIA, which must not take the gateways out of the Service.
        scope = {"type": "http", "method": "GET", "path": path, "query_string": b""}
        assert classify(scope, protect_operations=True) is Access.OPEN, kind
        expected = "/api/v1/ready" if kind == "readinessProbe" else "/api/v1/health"
        assert path == expected, kind


def test_the_container_listens_where_the_probes_the_service_and_prometheus_look() -> None:
    container = gateway_container()
    (port,) = container["ports"]
    listening = port["containerPort"]
    # The image's CMD serves on PORT (tests/deploy/test_deploy_files.py): nothing here moves it.
    assert "command" not in container
    assert "args" not in container
    assert image_cmd()[:2] == ["enovia-gateway", "serve"]
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    assert listening == int(env.get("PORT") or image_env()["PORT"])
    for kind, probe in probes(container).items():
        assert container_port(container, probe["httpGet"]["port"]) == listening, kind
    (service_port,) = get("Service", GATEWAY)["spec"]["ports"]
    assert container_port(container, service_port["targetPort"]) == listening
    annotations = get("Deployment", GATEWAY)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == listening
    assert annotations["prometheus.io/path"] == "/metrics"


def test_every_container_runs_as_a_user_that_is_not_root_and_cannot_become_one() -> None:
    for kind, name in workload_pods():
        spec = pod_spec(kind, name)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, container["name"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["capabilities"]["drop"] == ["ALL"], container["name"]
            assert context.get("privileged", False) is False, container["name"]
    # The gateway as the image's own user, with a writable /tmp and nothing else writable.
    (user,) = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    context = pod_spec("Deployment", GATEWAY)["securityContext"]
    assert f"{context['runAsUser']}:{context['runAsGroup']}" == user
    volumes = {volume["name"]: volume for volume in pod_spec("Deployment", GATEWAY)["volumes"]}
    writable = [m for m in gateway_container()["volumeMounts"] if not m.get("readOnly")]
    assert [(m["mountPath"], "emptyDir" in volumes[m["name"]]) for m in writable] == [
        ("/tmp", True)
    ]


def cpu(quantity: str | int) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory(quantity: str | int) -> int:
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(quantity))
    assert match, quantity
    return int(match.group(1)) * {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[match.group(2)]


def test_every_container_requests_resources_within_its_limits() -> None:
    for kind, name in workload_pods():
        for container in pod_spec(kind, name)["containers"]:
            resources = container["resources"]
            requests, limits = resources["requests"], resources["limits"]
            assert cpu(requests["cpu"]) <= cpu(limits["cpu"]), (name, resources)
            assert memory(requests["memory"]) <= memory(limits["memory"]), (name, resources)


# --- configuration and secrets ---------------------------------------------------------------


def test_the_configmap_sets_only_settings_the_gateway_has() -> None:
    names = {name.upper() for name in Settings.model_fields}
    for variable in configmap():
        assert variable.upper() in names or variable.startswith("OTEL_"), (
            f"{variable} is no setting (gateway/settings.py) and not OpenTelemetry's"
        )
    assert configmap()["GATEWAY_LOG_FORMAT"] == "json"
    (source,) = gateway_container()["envFrom"]
    assert source == {"configMapRef": {"name": GATEWAY}}
    assert "env" not in gateway_container() or all(
        "ENOVIA" not in item["name"] and "GATEWAY" not in item["name"]
        for item in gateway_container()["env"]
    ), "settings in the ConfigMap only"


def secret_mounts() -> dict[PurePosixPath, str]:
    """The gateway's mount paths of whole Secrets, with the Secret's name."""
    volumes = {volume["name"]: volume for volume in pod_spec("Deployment", GATEWAY)["volumes"]}
    mounts: dict[PurePosixPath, str] = {}
    for mount in gateway_container()["volumeMounts"]:
        secret = volumes[mount["name"]].get("secret")
        if secret is not None:
            assert "subPath" not in mount, "a subPath file never sees the Secret change"
            assert "items" not in secret, "every key of the Secret as a file"
            assert mount["readOnly"] is True
            mounts[PurePosixPath(mount["mountPath"])] = secret["secretName"]
    return mounts


def placeholder_secrets() -> dict[str, dict[str, str]]:
    found = {}
    for doc in documents(SECRETS):
        assert doc["kind"] == "Secret"
        assert "data" not in doc, "stringData: the placeholders are read as they are"
        found[doc["metadata"]["name"]] = doc["stringData"]
    return found


def file_settings() -> dict[str, PurePosixPath]:
    return {
        name: PurePosixPath(value) for name, value in configmap().items() if name.endswith("_FILE")
    }


def test_the_secrets_files_are_the_file_settings_and_the_repository_holds_no_secret() -> None:
    mounts = secret_mounts()
    placeholders = placeholder_secrets()
    assert set(mounts.values()) == set(placeholders), "each Secret mounted, each placeholder"
    read: set[tuple[str, str]] = set()
    for setting, path in file_settings().items():
        assert setting.lower() in Settings.model_fields, f"{setting} is no setting"
        assert path.parent in mounts, f"{setting}={path}: no Secret is mounted there"
        secret = mounts[path.parent]
        assert path.name in placeholders[secret], f"{setting}: {secret} has no key {path.name}"
        read.add((secret, path.name))
    held = {(name, key) for name, data in placeholders.items() for key in data}
    assert held == read, f"keys no setting reads: {sorted(held - read)}"
    for name, data in placeholders.items():
        assert all(value == "" for value in data.values()), f"{name}: a value in the repository"
    # The metrics key's Secret holds that key alone: Prometheus gets it, and nothing else.
    metrics = file_settings()["GATEWAY_METRICS_API_KEYS_FILE"]
    assert set(placeholders[mounts[metrics.parent]]) == {metrics.name}
    assert mounts[metrics.parent] != mounts[file_settings()["GATEWAY_ADMIN_API_KEYS_FILE"].parent]


def settings_from_configmap(
    tmp_path: Path, enovia_url: str, simulator: SimulatorConfig | None = None
) -> Settings:
    """The settings a pod gets from the ConfigMap, with each *_FILE setting's file made under
    `tmp_path` (a fresh key each; the simulator's client secret for ENOVIA's) and ENOVIA at
    `enovia_url`. The cache stays in memory: Redis is not what these tests are about."""
    values: dict[str, Any] = {name.lower(): value for name, value in configmap().items()}
    for setting, path in file_settings().items():
        local = tmp_path / path.relative_to("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        secret = simulator.client_secret if simulator else "not-the-secret"
        content = secret if setting == "ENOVIA_CLIENT_SECRET_FILE" else secrets.token_urlsafe(32)
        local.write_text(content + "\n", encoding="utf-8")
        values[setting.lower()] = local
    values["enovia_base_url"] = enovia_url
    if simulator is not None:
        values["enovia_client_id"] = simulator.client_id
    values["gateway_cache_url"] = "memory://"
    values["gateway_health_check_interval"] = 0
    return load_settings(**values, _env_file=None)


@pytest.fixture
def gateway_from_configmap(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    simulator = SimulatorConfig()
    with serve_in_thread(create_simulator_app(simulator)) as enovia_url:
        settings = settings_from_configmap(tmp_path, enovia_url, simulator)
        with serve_in_thread(create_app(settings)) as gateway_url:
            yield gateway_url, settings


def test_a_gateway_started_from_the_configmap_answers_its_probes_and_its_scrapes(
    gateway_from_configmap: tuple[str, Settings],
) -> None:
    url, settings = gateway_from_configmap
    assert settings.gateway_auth_mode != "none", "the manifests turn an auth mode on"
    (metrics_key,) = settings.metrics_api_keys()
    (client_key,) = settings.api_keys()
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        for kind, probe in probes(gateway_container()).items():
            answer = http.get(probe["httpGet"]["path"])  # as the kubelet asks: no credentials
            assert answer.status_code == 200, (kind, answer.text)
        # The auth mode is on: without a key, a query is refused.
        query = {"query": '{ document(uid: "DOC-001") { uid } }'}
        assert http.post("/graphql", json=query).status_code == 401
        bearer = {"Authorization": f"Bearer {client_key}"}
        answer = http.post("/graphql", json=query, headers=bearer)
        assert answer.json() == {"data": {"document": {"uid": "DOC-001"}}}, answer.text
        # Prometheus, with the key from the metrics Secret.
        assert http.get("/metrics").status_code == 401
        scrape = http.get("/metrics", headers={"Authorization": f"Bearer {metrics_key}"})
        assert scrape.status_code == 200
        assert "graphql_requests_total" in scrape.text


def test_service_links_are_off_where_they_would_look_like_misspelt_settings() -> None:
    # With service links on, each Service in the namespace puts NAME_SERVICE_HOST, NAME_PORT...
    # into every pod; for `enovia-gateway` those are ENOVIA_* names the gateway warns about.
    linked = {}
    for kind, name in manifests():
        if kind == "Service":
            prefix = name.upper().replace("-", "_")
            for suffix in ("SERVICE_HOST", "SERVICE_PORT", "PORT", "PORT_80_TCP_ADDR"):
                linked[f"{prefix}_{suffix}"] = ""
    assert unknown_settings(linked, env_file=None), "links would be harmless: the test is moot"
    assert pod_spec("Deployment", GATEWAY)["enableServiceLinks"] is False


# --- selectors: each selects the pods it means -----------------------------------------------


def test_the_deployments_select_their_own_pods_and_no_others() -> None:
    pods = workload_pods()
    for key in pods:
        selector = get(*key)["spec"]["selector"]
        assert [other for other, labels in pods.items() if selects(selector, labels)] == [key]


def test_the_budget_the_autoscaler_and_the_service_aim_at_the_gateways() -> None:
    pods = workload_pods()
    gateway = ("Deployment", GATEWAY)

    def selected(selector: dict[str, Any]) -> list[tuple[str, str]]:
        return [key for key, labels in pods.items() if selects(selector, labels)]

    pdb = get("PodDisruptionBudget", GATEWAY)["spec"]
    assert selected(pdb["selector"]) == [gateway]
    assert pdb["maxUnavailable"] == 1 < get("Deployment", GATEWAY)["spec"]["replicas"]
    target = get("HorizontalPodAutoscaler", GATEWAY)["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "apps/v1", "kind": "Deployment", "name": GATEWAY}
    assert selected(get("Service", GATEWAY)["spec"]["selector"]) == [gateway]


def test_the_gateways_cache_url_is_the_redis_service_which_only_the_gateways_may_reach() -> None:
    pods = workload_pods()
    redis = ("Deployment", REDIS)
    cache = urlsplit(configmap()["GATEWAY_CACHE_URL"])
    assert cache.scheme == "redis"
    service = get("Service", str(cache.hostname))["spec"]
    assert [key for key, labels in pods.items() if selects(service["selector"], labels)] == [redis]
    (port,) = service["ports"]
    assert port["port"] == cache.port
    (container,) = pod_spec(*redis)["containers"]
    assert container_port(container, port["targetPort"]) == 6379

    policy = get("NetworkPolicy", REDIS)["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    assert [key for key, labels in pods.items() if selects(policy["podSelector"], labels)] == [
        redis
    ]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    allowed = [key for key, labels in pods.items() if selects(source["podSelector"], labels)]
    assert allowed == [("Deployment", GATEWAY)]
    (allowed_port,) = rule["ports"]
    assert container_port(container, allowed_port["port"]) == 6379
