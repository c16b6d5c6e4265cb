"""GraphQL over HTTP conformance: the graphql-http audit suite (clients/audit) against a gateway.

Needs node and npm: without them the test is skipped locally and fails in CI (env CI set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gateway.conftest import Gateway

AUDIT_DIR = Path(__file__).resolve().parents[2] / "clients" / "audit"
SUMMARY = re.compile(r"^audit: (\d+) ok, (\d+) warn, (\d+) error", re.MULTILINE)


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not found: the graphql-http audit needs Node.js and npm"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def installed(package: str) -> bool:
    """The package is in node_modules at the version the lock pins."""
    lock = json.loads((AUDIT_DIR / "package-lock.json").read_text())
    wanted = lock["packages"][f"node_modules/{package}"]["version"]
    manifest = AUDIT_DIR / "node_modules" / package / "package.json"
    return manifest.is_file() and json.loads(manifest.read_text())["version"] == wanted


@pytest.fixture(scope="session")
def audit_script() -> list[str]:
    """`node audit.mjs`, with graphql-http installed from the lock (`npm ci`) when needed."""
    node = require("node")
    npm = require("npm")
    if not (installed("graphql-http") and installed("graphql")):
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AUDIT_DIR,
            check=True,
            timeout=300,
        )
    return [node, str(AUDIT_DIR / "audit.mjs")]


def test_graphql_http_audit_passes_without_errors_or_warnings(
    audit_script: list[str], gateway: Gateway
):
    run = subprocess.run(
        [*audit_script, f"{gateway.url}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = run.stdout + run.stderr
    summary = SUMMARY.search(run.stdout)
    assert summary is not None, report
    ok, warn, error = map(int, summary.groups())
    failing = "\n".join(line for line in report.splitlines() if not line.startswith("ok "))
    assert (warn, error) == (0, 0), failing
    assert ok > 0
    assert run.returncode == 0, report
