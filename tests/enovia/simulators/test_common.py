"""The simulators' shared plumbing lives in `enovia.simulators.common`, and only there."""

from __future__ import annotations

import ast
from pathlib import Path

import enovia.simulators

SIMULATORS = Path(enovia.simulators.__file__).parent
FACADE = "enovia.simulators.facade"

# The facade's sample data, which the platform builds its own on, deliberately.
SAMPLE_DATA = {
    f"{FACADE}.data": None,  # any name
    f"{FACADE}.model": {"Document", "iso_z", "revision_object_id"},
}


def _imports(package: str) -> list[tuple[str, str, set[str]]]:
    """(file, module, names) of every import of a simulator module in *package*."""
    found: list[tuple[str, str, set[str]]] = []
    for path in sorted((SIMULATORS / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name, set()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path.name, node.module, {alias.name for alias in node.names}))
    return [imp for imp in found if imp[1].startswith("enovia.simulators.")]


def test_the_common_package_knows_neither_simulator() -> None:
    others = [
        imp for imp in _imports("common") if not imp[1].startswith("enovia.simulators.common")
    ]
    assert others == []


def test_the_facade_takes_nothing_from_the_platform() -> None:
    assert [
        imp for imp in _imports("facade") if imp[1].startswith("enovia.simulators.platform")
    ] == []


def test_the_platform_takes_only_sample_data_from_the_facade() -> None:
    taken = [imp for imp in _imports("platform") if imp[1].startswith(FACADE)]
    assert taken, "the platform's samples come from the facade's"
    for file, module, names in taken:
        assert module in SAMPLE_DATA, f"{file} imports {module}"
        allowed = SAMPLE_DATA[module]
        assert allowed is None or names <= allowed, f"{file} imports {names - allowed} of {module}"
