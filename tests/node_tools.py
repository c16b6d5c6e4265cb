"""Node.js tools for the tests that run the project's JavaScript (the graphql-http audit, the
TypeScript client's example, GraphiQL's files): found, or the test skipped (failed in CI,
where `.ci/run` installs them)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest


def require(tool: str, needed_for: str) -> str:
    """The path of `tool` (node, npm); skipped locally, failed in CI, when it is missing."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not found: {needed_for} needs Node.js and npm"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def installed(directory: Path, package: str) -> bool:
    """`package` is in `directory`'s node_modules at the version its package-lock.json pins."""
    lock = json.loads((directory / "package-lock.json").read_text())
    wanted = lock["packages"][f"node_modules/{package}"]["version"]
    manifest = directory / "node_modules" / package / "package.json"
    return manifest.is_file() and json.loads(manifest.read_text())["version"] == wanted
