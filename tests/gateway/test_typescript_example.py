"""The TypeScript example (clients/typescript, `npm run example`: tsc, then Node) against a gateway.

Needs node and npm: without them the test is skipped locally and fails in CI (env CI set).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.gateway.conftest import Gateway
from tests.node_tools import installed, require

TYPESCRIPT_DIR = Path(__file__).resolve().parents[2] / "clients" / "typescript"


@pytest.fixture(scope="session")
def npm() -> str:
    """npm, with the example's tools installed from the lock (`npm ci`) when needed."""
    require("node", "the TypeScript example")
    npm = require("npm", "the TypeScript example")
    if not (installed(TYPESCRIPT_DIR, "typescript") and installed(TYPESCRIPT_DIR, "@types/node")):
        ci = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=TYPESCRIPT_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = ci.stdout + ci.stderr
        assert ci.returncode == 0, output
        assert "EBADENGINE" not in output, output  # every tool supports this Node.js
    return npm


def test_the_example_runs_against_a_gateway(npm: str, gateway: Gateway) -> None:
    run = subprocess.run(
        [npm, "run", "--silent", "example"],
        cwd=TYPESCRIPT_DIR,
        env={**os.environ, "GRAPHQL_URL": f"{gateway.url}/graphql"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        "scan DOC-001 rev. A: SUPERSEDED, build from rev. B "
        "(CHANGES_INTRODUCED_GET_NEW: Changes introduced, get the new version)",
        "card DOC-001: PTE-AR-0901 План этажа 1, оси А-Ж: rev. B, Approved for construction, "
        "14 pages (LIVE)",
        # A partial answer: the documents found, and the error of each of the others.
        "list DOC-001: PTE-AR-0901 rev. B, Approved for construction",
        "list DOC-MISSING: NOT_FOUND (document 'DOC-MISSING' does not exist in ENOVIA)",
        "list DOC-004: PTE-OV-0904 no released revision",
        "list ..: BAD_USER_INPUT (uid must not be '.' or '..')",
        "sheet DOC-001 rev. A: SUPERSEDED",
        "sheet DOC-001 rev. B: CURRENT",
        "sheet DOC-MISSING rev. A: DOCUMENT_NOT_FOUND",
        "sheet .. rev. A: unchecked: BAD_USER_INPUT",
    ]
