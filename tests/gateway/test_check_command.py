"""`enovia-gateway check UID REVISION`: a verdict for a person; exit 0, 1 or 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from tests.conftest import free_port


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_actual_is_exit_0(capsys: pytest.CaptureFixture[str]):
    assert main(["check", "--demo", "DOC-001", "B"]) == 0
    out = capsys.readouterr().out
    assert "DOC-001 revision B: ACTUAL (CURRENT)" in out
    assert "Утвержден для строительства" in out
    assert "latest released: B" in out
    assert "(LIVE)" in out


def test_not_actual_is_exit_1(capsys: pytest.CaptureFixture[str]):
    assert main(["check", "--demo", "--lang", "en", "DOC-001", "A"]) == 1
    out = capsys.readouterr().out
    assert "NOT ACTUAL (SUPERSEDED)" in out
    assert "Changes introduced, get the new version" in out


def test_could_not_tell_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ENOVIA_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ENOVIA_CLIENT_ID", "x")
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", "y")
    monkeypatch.setenv("ENOVIA_RETRY_ATTEMPTS", "1")
    assert main(["check", "DOC-001", "B"]) == 2
    captured = capsys.readouterr()
    assert "could not tell" in captured.err
    assert "UPSTREAM_UNAVAILABLE" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_bad_identifier_is_exit_2(capsys: pytest.CaptureFixture[str]):
    assert main(["check", "--demo", "DOC-001", "latest"]) == 2
    assert "BAD_USER_INPUT" in capsys.readouterr().err
