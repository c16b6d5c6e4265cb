"""`enovia-gateway check UID REVISION`: a verdict for a person; exit 0, 1 or 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.cli import main
from tests.gateway.conftest import SIM_CONFIG, Simulator


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# `check` sets up the process's logging onto the stderr pytest captures for one test only:
# the set-up before it comes back after.
pytestmark = pytest.mark.usefixtures("restored_logging")


def test_stdout_holds_the_verdict_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo", "DOC-001", "B"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == [
        "DOC-001 revision B",
        "status",
        "latest released",
        "checked at",
    ]
    # Each ENOVIA call is logged at INFO: below the WARNING a check logs at, and never on stdout.
    assert "enovia.call" not in captured.out + captured.err


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
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, unreachable: str
):
    monkeypatch.setenv("ENOVIA_BASE_URL", f"http://{unreachable}")
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


def test_deleted_document_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo", "--lang", "en", "DOC-GONE", "A"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "DOC-GONE revision A: NOT ACTUAL (DOCUMENT_NOT_FOUND)"
    assert "  latest released: — (the document was deleted in ENOVIA)\n" in out
    assert "none released" not in out


def test_no_released_revision_is_not_called_deleted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo", "--lang", "en", "DOC-004", "A"]) == 1
    out = capsys.readouterr().out
    assert "NOT ACTUAL (NOT_RELEASED)" in out
    assert "  latest released: none released\n" in out
    assert "deleted" not in out


@pytest.mark.redis
def test_current_data_enovia_cannot_confirm_is_exit_2(
    sim: Simulator,
    redis_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Needs `ActualityReason.UNCONFIRMED` and `Actuality.lastKnownReason` in the schema."""
    monkeypatch.setenv("ENOVIA_BASE_URL", sim.base_url)
    monkeypatch.setenv("ENOVIA_CLIENT_ID", SIM_CONFIG.client_id)
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", SIM_CONFIG.client_secret)
    monkeypatch.setenv("ENOVIA_RETRY_ATTEMPTS", "1")
    # Shared by both runs, as by two processes: the second finds what the first cached.
    monkeypatch.setenv("GATEWAY_CACHE_URL", redis_url)
    # The runs follow each other within milliseconds: without this, the first run's fetch
    # could still count as LIVE for the second (it would be sent "at the same moment").
    monkeypatch.setenv("GATEWAY_SHARE_WINDOW", "0")
    assert main(["check", "--lang", "en", "DOC-001", "B"]) == 0
    first = capsys.readouterr().out
    checked_at = re.search(r"checked at: +(\S+) \(LIVE\)", first)
    assert checked_at is not None, first

    sim.faults(down=True)
    assert main(["check", "--lang", "en", "--max-age", "0", "DOC-001", "B"]) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "DOC-001 revision B: COULD NOT CONFIRM (UNCONFIRMED)"
    assert lines[1] == (
        "  why:             ENOVIA could not be reached just now; the last data it gave, "
        f"checked at {checked_at.group(1)}, said CURRENT: do not build from it until "
        "it is confirmed"
    )
    assert f"checked at:      {checked_at.group(1)} (STALE)" in captured.out
    assert "Traceback" not in captured.out + captured.err
