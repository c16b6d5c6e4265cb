"""The floor plan: gateway -> schema -> loaders -> enovia, every package importing only those
below it (import-linter checks the whole contract in `make lint`; these fail a plain pytest
run too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("gateway", "schema", "loaders", "enovia")


def imported_packages(package: str) -> dict[str, set[str]]:
    """The top-level packages each module of `package` imports, by module path."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("layer", LAYERS[1:])
def test_no_package_imports_a_layer_above_it(layer: str):
    above = set(LAYERS[: LAYERS.index(layer)])
    offending = {
        module: sorted(names & above)
        for module, names in imported_packages(layer).items()
        if names & above
    }
    assert not offending, f"{layer} imports layers above it: {offending}"


def test_enovia_imports_nothing_of_ours():
    ours = set(LAYERS) - {"enovia"}
    offending = {
        module: sorted(names & ours)
        for module, names in imported_packages("enovia").items()
        if names & ours
    }
    assert not offending, offending


def test_the_import_linter_contract_is_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.fail("lint-imports is missing: `pip install -e '.[dev]'` installs import-linter")
    result = subprocess.run(
        [str(linter), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
