"""The repository's own promises: the exported schema, the package names, the CLI basics."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import Visitor, parse, print_ast, visit

from gateway.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_what_export_schema_prints(capsys):
    assert main(["export-schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "schema.graphql").read_text(encoding="utf-8"), (
        "schema.graphql is out of date: run `make schema`"
    )


class _NoDescriptions(Visitor):
    def enter(self, node, *_):
        if getattr(node, "description", None) is not None:
            return dataclasses.replace(node, description=None)
        return None


def _signatures(sdl: str) -> str:
    """The SDL without its descriptions, so that each field's signature is on one line,
    arguments and all (a described argument puts them on lines of their own)."""
    return print_ast(visit(parse(sdl), _NoDescriptions()))


def test_the_contracts_fields_are_all_there():
    sdl = _signatures((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    for line in [
        "document(uid: ID!): Document",
        "documents(uids: [ID!]!): [Document]!",
        "health: Health!",
        "label(lang: String = null): String!",
        "lastKnownReason: ActualityReason",
        "enum Freshness {",
        "scalar DateTime",
        "latestRevision: Revision",
        "revision(revision: String!): Revision",
    ]:
        assert line in sdl, line
    assert "maxAge: Int" in sdl
    for reason in [
        "CURRENT",
        "SUPERSEDED",
        "NEWER_REVISION_RELEASED",
        "UNCONFIRMED",
        "NOT_RELEASED",
        "UNKNOWN_STATE",
        "REVISION_NOT_FOUND",
        "DOCUMENT_NOT_FOUND",
    ]:
        assert f"  {reason}\n" in sdl


@pytest.mark.parametrize("package", ["gateway", "schema", "loaders", "enovia"])
def test_each_package_imported_is_this_repositorys(package: str):
    # `schema`, `loaders` and `enovia` are (or may be) unrelated PyPI projects too: they must
    # never be the ones imported.
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT)


def test_python_dash_m_gateway_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "export-schema"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text(encoding="utf-8")


def test_a_malformed_setting_stops_with_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENOVIA_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ENOVIA_CLIENT_ID", "x")
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", "y")
    monkeypatch.setenv("GATEWAY_CACHE_TTL_DOCUMENT", "five minutes")
    assert main(["check", "DOC-001", "A"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "GATEWAY_CACHE_TTL_DOCUMENT" in err
    assert "Traceback" not in err


def test_a_missing_setting_stops_with_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENOVIA_BASE_URL", raising=False)
    assert main(["check", "DOC-001", "A"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "enovia-gateway: ENOVIA_BASE_URL is not set (or run with --demo)"


def test_the_persisted_operations_manifest_is_current(capsys):
    assert main(["export-manifest", str(ROOT / "queries")]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "queries" / "persisted-operations.json").read_text(
        encoding="utf-8"
    ), "queries/persisted-operations.json is out of date: run `make schema`"


def test_cli_numbers_are_checked(capsys):
    import pytest

    for argv, says in [
        (["simulator", "--error-rate", "2"], "must be between 0 and 1"),
        (["serve", "--workers", "0"], "must be 1 or more"),
        (["serve", "--workers", "x"], "'x' is not a number"),
        (["simulator", "--token-ttl", "0"], "must be more than 0"),
        (["simulator", "--api", "soap"], "choose from 'facade', '3dexperience'"),
    ]:
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        assert says in capsys.readouterr().err
