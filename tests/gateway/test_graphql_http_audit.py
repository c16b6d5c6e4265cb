"""GraphQL over HTTP conformance: the graphql-http audit suite (clients/audit) against a gateway.

Needs node and npm: without them the test is skipped locally and fails in CI (env CI set).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.gateway.conftest import Gateway
from tests.node_tools import installed, require

AUDIT_DIR = Path(__file__).resolve().parents[2] / "clients" / "audit"
SUMMARY = re.compile(r"^audit: (\d+) ok, (\d+) warn, (\d+) error", re.MULTILINE)


@pytest.fixture(scope="session")
def audit_script() -> list[str]:
    """`node audit.mjs`, with graphql-http installed from the lock (`npm ci`) when needed."""
    node = require("node", "the graphql-http audit")
    npm = require("npm", "the graphql-http audit")
    if not (installed(AUDIT_DIR, "graphql-http") and installed(AUDIT_DIR, "graphql")):
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
