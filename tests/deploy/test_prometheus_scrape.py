"""Prometheus scrapes a gateway whose operations paths need credentials, as deploy/ sets it up.

The real `prometheus` binary, with the deploy file's scrape job (its `authorization` block as
it is, only the target rewritten) and a key made by the compose file's own generator, scrapes
a gateway process run with `GATEWAY_AUTH_MODE=api-key`, `GATEWAY_PROTECT_OPERATIONS=true` and
that key as its metrics key. Prometheus' own API must report the target up, and the same job
without the credential down with 401: before metrics keys, the README's production advice
made every scrape fail that way, silently.

Ports: the gateway listens on a socket this process bound (`tests.processes`); Prometheus binds
127.0.0.1:0 itself and the test reads the port from its log, so neither can be taken between
choosing and listening.
"""

from __future__ import annotations

import copy
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.deploy.test_deploy_files import (
    COMPOSE,
    find_tool,
    gateway_job,
    generate_keys,
    load_yaml,
)
from tests.processes import gateway_process, stop_process

#: Seconds for Prometheus to start, and then for both targets to be scraped.
DEADLINE = 30.0
CLIENT_KEY = "frontend-key-2b4d6f8a0c1e3a5c"
WITHOUT_CREDENTIALS = "enovia-gateway-without-credentials"


@contextmanager
def running_prometheus(binary: str, config: Path, workdir: Path) -> Iterator[str]:
    """Prometheus with *config*, its data under *workdir*; yields its base URL. Stopped
    (SIGTERM, then SIGKILL) on exit."""
    log_path = workdir / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                "--web.listen-address=127.0.0.1:0",
                "--log.format=json",
                "--log.level=info",
            ],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        yield f"http://{listening_address(process, log_path)}"
    finally:
        stop_process(process)


def listening_address(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The address Prometheus listens on, from its `Listening on` log line (written once the
    socket is bound, with the port the system gave)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        for line in log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("msg") == "Listening on":
                return str(entry["address"])
        if process.poll() is not None:
            pytest.fail(f"prometheus exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"prometheus did not listen within {DEADLINE} s:\n{log_path.read_text()}")
        time.sleep(0.05)  # waiting for a process to start


def targets_when_settled(prometheus: str) -> dict[str, dict[str, Any]]:
    """Prometheus' view of each job's target (`/api/v1/targets`) once the one with the
    credential is up and the one without was refused with 401 (an earlier scrape may have
    raced the start, or timed out on a loaded machine); fails after DEADLINE seconds with
    what it last saw."""
    deadline = time.monotonic() + DEADLINE
    while True:
        response = httpx.get(f"{prometheus}/api/v1/targets", timeout=5)
        response.raise_for_status()
        active = response.json()["data"]["activeTargets"]
        targets = {target["labels"]["job"]: target for target in active}
        with_key = targets.get("enovia-gateway", {})
        without = targets.get(WITHOUT_CREDENTIALS, {})
        if with_key.get("health") == "up" and "401" in without.get("lastError", ""):
            return targets
        if time.monotonic() > deadline:
            pytest.fail(f"the targets did not settle within {DEADLINE} s: {targets}")
        time.sleep(0.2)  # Prometheus scrapes every second


def test_prometheus_scrapes_with_the_metrics_key_and_not_without(tmp_path: Path) -> None:
    prometheus = find_tool("prometheus", "apt-get install prometheus")
    job = gateway_job()
    # The key where the deploy file's `credentials_file` finds it (relative to the config),
    # made by the compose file's generator.
    key_file = tmp_path / job["authorization"]["credentials_file"]
    key_file.parent.mkdir(parents=True)
    generate_keys(load_yaml(COMPOSE)["services"], key_file)
    env = {
        # ENOVIA is never called: /metrics and liveness call nothing upstream.
        "ENOVIA_BASE_URL": "http://127.0.0.1:9",
        "ENOVIA_CLIENT_ID": "prometheus-test",
        "ENOVIA_CLIENT_SECRET": "unused",
        "GATEWAY_HEALTH_CHECK_INTERVAL": "0",
        "GATEWAY_AUTH_MODE": "api-key",
        "GATEWAY_API_KEYS": CLIENT_KEY,
        "GATEWAY_PROTECT_OPERATIONS": "true",
        "GATEWAY_METRICS_API_KEYS_FILE": str(key_file),
    }
    with gateway_process(env) as gateway:
        assert httpx.get(f"{gateway.url}/metrics").status_code == 401
        target = urlsplit(gateway.url).netloc
        with_key = copy.deepcopy(job)
        with_key["static_configs"] = [{"targets": [target]}]
        without = {name: value for name, value in with_key.items() if name != "authorization"}
        without["job_name"] = WITHOUT_CREDENTIALS
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
            "scrape_configs": [with_key, without],
        }
        config_file = tmp_path / "prometheus.yml"
        config_file.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
        with running_prometheus(prometheus, config_file, tmp_path) as url:
            targets = targets_when_settled(url)
    scraped = targets["enovia-gateway"]
    assert (scraped["health"], scraped["lastError"]) == ("up", "")
    assert scraped["scrapeUrl"] == f"{gateway.url}/metrics"
    refused = targets[WITHOUT_CREDENTIALS]
    assert refused["health"] == "down"
    assert "401" in refused["lastError"], refused["lastError"]
    assert "auth.refused" in gateway.stderr()
