"""`enovia-gateway <command> --help` describes every option and argument it has."""

from __future__ import annotations

import argparse
import re

import pytest

from gateway.cli import build_parser, main


def commands() -> dict[str, argparse.ArgumentParser]:
    (subparsers,) = [a for a in build_parser()._actions if a.dest == "command"]
    assert isinstance(subparsers.choices, dict)
    return subparsers.choices


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_option_and_argument_has_a_help_text(command: str) -> None:
    for action in commands()[command]._actions:
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"`enovia-gateway {command} --help` says nothing of {name}"
        assert action.help != argparse.SUPPRESS, name


@pytest.mark.parametrize("command", ["simulator", "check"])
def test_help_shows_each_option_with_its_text(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    for action in commands()[command]._actions:
        help_text = " ".join(str(action.help).split())
        if "%(default)" in help_text:
            help_text = help_text.split("%(default)")[0]
        assert help_text.strip() in printed, (action.dest, printed)


def test_max_age_says_what_it_is_and_what_it_defaults_to() -> None:
    (max_age,) = [a for a in commands()["check"]._actions if "--max-age" in a.option_strings]
    text = str(max_age.help)
    assert re.search(r"\bseconds\b", text), text
    assert "GATEWAY_ACTUALITY_MAX_AGE" in text, "what no --max-age means"
    assert "ago" in text, "how old what, and relative to when"


def test_the_simulators_help_shows_its_real_defaults(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["simulator", "--help"])
    printed = " ".join(capsys.readouterr().out.split())
    for action in commands()["simulator"]._actions:
        if action.default not in (None, argparse.SUPPRESS):
            default = action.default
            shown = f"{default:g}" if isinstance(default, float) else str(default)
            assert f"({shown}" in printed, (action.dest, shown)
