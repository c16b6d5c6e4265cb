"""The README's `make demo` on a machine whose npm registry is out of reach (a closed PLM
network), and its address taken from the command line."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node_tools import require

ROOT = Path(__file__).resolve().parent.parent


def make(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def refusing_registry() -> Iterator[str]:
    """A loopback address where nothing accepts connections: bound, never listening, so that
    no other process can take the port while the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_graphiqls_files_out_of_reach_are_a_warning_not_a_failure(
    tmp_path: Path, refusing_registry: str
) -> None:
    require("npm", "building GraphiQL's files")
    (tmp_path / "graphiql").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "graphiql" / name, tmp_path / "graphiql")
    result = make(
        "assets",
        cwd=tmp_path,
        env={
            "npm_config_registry": refusing_registry,
            "npm_config_cache": str(tmp_path / "npm-cache"),  # nothing cached to fall back on
            "npm_config_fetch_retries": "0",
            "npm_config_offline": "false",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: GraphiQL's files could not be fetched from the npm registry" in result.stdout
    assert not (tmp_path / "gateway" / "static" / "graphiql" / "graphiql.min.js").exists()


def test_make_demo_takes_its_port_and_host_from_the_command_line() -> None:
    result = make("-n", "demo", "PORT=8123", "HOST=0.0.0.0", cwd=ROOT, env={"PORT": "9999"})
    assert result.returncode == 0, result.stderr
    assert "enovia-gateway serve --demo --host 0.0.0.0 --port 8123" in result.stdout


def test_make_demo_defaults_to_loopback_8000_whatever_the_environment_says() -> None:
    result = make("-n", "demo", cwd=ROOT, env={"PORT": "9999", "HOST": "example"})
    assert "enovia-gateway serve --demo --host 127.0.0.1 --port 8000" in result.stdout
