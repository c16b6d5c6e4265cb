"""Settings: environment and .env (the environment wins), one-line errors, hidden secrets."""

from __future__ import annotations

import gc
import json
import os
import re
from pathlib import Path

import pytest

from gateway.settings import (
    NOT_SETTINGS,
    SettingsError,
    UnknownSetting,
    load_settings,
    unknown_settings,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("ENOVIA_BASE_URL", "ENOVIA_CLIENT_ID", "ENOVIA_CLIENT_SECRET", "ENOVIA_SCOPE"):
        monkeypatch.delenv(name, raising=False)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".env").write_text(
        "ENOVIA_BASE_URL=https://plm.example.com/enovia\n"
        "ENOVIA_CLIENT_ID=from-dotenv\n"
        "ENOVIA_CLIENT_SECRET=dotenv-secret\n"
        "GATEWAY_CACHE_TTL_LATEST=12\n"
    )
    monkeypatch.setenv("ENOVIA_CLIENT_ID", "from-environment")
    settings = load_settings()
    assert str(settings.enovia_base_url) == "https://plm.example.com/enovia"
    assert settings.enovia_client_id == "from-environment"
    assert settings.gateway_cache_ttl_latest == 12
    settings.require_enovia()


def test_secrets_never_show(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", "very-secret-value")
    settings = load_settings()
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings)
    assert settings.enovia_client_secret is not None
    assert settings.enovia_client_secret.get_secret_value() == "very-secret-value"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ENOVIA_BASE_URL", "not a url", "ENOVIA_BASE_URL"),
        ("ENOVIA_TIMEOUT", "-1", "ENOVIA_TIMEOUT"),
        ("ENOVIA_MAX_CONNECTIONS", "0", "ENOVIA_MAX_CONNECTIONS"),
        ("GATEWAY_CACHE_URL", "memcached://x", "memory://, redis:// or rediss://"),
        ("GATEWAY_LOG_LEVEL", "LOUD", "GATEWAY_LOG_LEVEL"),
        ("ENOVIA_CLIENT_SECRET_FILE", "/no/such/file", "ENOVIA_CLIENT_SECRET_FILE"),
        ("ENOVIA_CLIENT_SECRET_ROTATION_ENABLED", "perhaps", "ENOVIA_CLIENT_SECRET_ROTATION"),
        ("ENOVIA_API", "soap", "ENOVIA_API"),
        ("TDX_AUTH_MODE", "kerberos", "TDX_AUTH_MODE"),
        ("TDX_DOCUMENT_SOURCE", "dsprd", "TDX_DOCUMENT_SOURCE"),
        ("TDX_REVISION_MATCH", "fuzzy", "TDX_REVISION_MATCH"),
        ("TDX_SECURITY_CONTEXT", "VPLMViewer", "role>.<organization>.<collaborative space"),
        ("TDX_STATE_MAP", '{"RELEASED": "SHIPPED"}', "SHIPPED"),
        ("TDX_STATE_MAP", "not json", "TDX_STATE_MAP"),
        ("TDX_BATCH_SERVICE_SECRET_FILE", "/no/such/file", "TDX_BATCH_SERVICE_SECRET_FILE"),
        ("TDX_SESSION_MAX_AGE", "0", "TDX_SESSION_MAX_AGE"),
        ("TDX_BATCH_SIZE", "0", "TDX_BATCH_SIZE"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert says in message
    assert "\n" not in message
    assert value not in message or name != "ENOVIA_CLIENT_SECRET"


def test_missing_enovia_settings_are_named():
    settings = load_settings(enovia_base_url="https://plm.example.com")
    with pytest.raises(SettingsError, match="ENOVIA_CLIENT_ID"):
        settings.require_enovia()
    settings = load_settings(enovia_base_url="https://plm.example.com", enovia_client_id="x")
    with pytest.raises(SettingsError, match="ENOVIA_CLIENT_SECRET"):
        settings.require_enovia()


def test_the_jwt_algorithms_are_those_the_verifier_accepts(monkeypatch: pytest.MonkeyPatch):
    """The settings once refused EdDSA while the verifier accepted it: one list now."""
    from gateway.app import auth_config
    from gateway.auth import ASYMMETRIC_ALGORITHMS

    monkeypatch.setenv("GATEWAY_JWT_ALGORITHMS", "EdDSA, RS256")
    settings = load_settings()
    assert settings.gateway_jwt_algorithms == ["EdDSA", "RS256"]
    assert auth_config(settings).algorithms == ("EdDSA", "RS256")
    monkeypatch.setenv("GATEWAY_JWT_ALGORITHMS", "HS256")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "GATEWAY_JWT_ALGORITHMS" in str(refused.value)
    assert all(name in str(refused.value) for name in ASYMMETRIC_ALGORITHMS)


def test_a_components_default_is_the_settings_default():
    """Each default is written once, by the component it configures."""
    from enovia import RetryPolicy
    from loaders import StoreSettings
    from schema import QueryLimits

    settings = load_settings()
    assert settings.enovia_retry_attempts == RetryPolicy().attempts
    assert settings.gateway_cache_ttl_latest == StoreSettings().ttl_latest
    assert settings.gateway_max_cost == QueryLimits().max_cost


@pytest.mark.parametrize(
    ("mode", "given", "missing"),
    [
        ("batch-service", {}, "TDX_BATCH_SERVICE_NAME"),
        ("batch-service", {"tdx_batch_service_name": "svc"}, "TDX_BATCH_SERVICE_SECRET"),
        (
            "batch-service",
            {"tdx_batch_service_name": "svc", "tdx_batch_service_secret": "s"},
            "TDX_IMPERSONATE_USER",
        ),
        ("agent", {}, "TDX_AGENT_ID"),
        ("agent", {"tdx_agent_id": "a"}, "TDX_AGENT_SECRET"),
        ("cas-password", {}, "TDX_USERNAME"),
        ("cas-password", {"tdx_username": "u"}, "TDX_PASSWORD"),
    ],
)
def test_each_platform_login_names_what_it_misses(mode: str, given: dict[str, str], missing: str):
    settings = load_settings(
        enovia_api="3dexperience",
        enovia_base_url="https://plm.example.com/3dspace",
        tdx_auth_mode=mode,
        **given,
    )
    with pytest.raises(SettingsError) as caught:
        settings.require_enovia()
    assert f"TDX_AUTH_MODE={mode} needs {missing}" in str(caught.value)


def test_a_platform_secret_may_be_a_file(tmp_path: Path):
    secret = tmp_path / "batch-secret"
    secret.write_text("from-a-file\n")
    settings = load_settings(
        enovia_api="3dexperience",
        enovia_base_url="https://plm.example.com/3dspace",
        tdx_batch_service_name="svc",
        tdx_batch_service_secret_file=secret,
        tdx_impersonate_user="reader",
        tdx_state_map={"APPROVED": "ACCEPTED_BY_CUSTOMER"},
    )
    settings.require_enovia()  # the facade's ENOVIA_CLIENT_* are not needed
    assert "from-a-file" not in repr(settings)


def test_the_platform_clients_defaults_are_the_settings_defaults():
    import inspect

    from enovia.platform import PlatformClient

    settings = load_settings()
    defaults = inspect.signature(PlatformClient).parameters
    assert settings.tdx_document_source == defaults["source"].default
    assert settings.tdx_revision_match == defaults["revision_match"].default
    assert settings.tdx_session_max_age == defaults["session_max_age"].default
    assert settings.tdx_batch_size == defaults["batch_size"].default


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("GATEWAY_LOG_FORMAT", "JSON", "json"),
        ("GATEWAY_LOG_FORMAT", "Console", "console"),
        ("GATEWAY_LOG_LEVEL", "info", "INFO"),
        ("GATEWAY_LOG_LEVEL", "Warning", "WARNING"),
    ],
)
def test_the_log_settings_are_read_whatever_their_case(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
):
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), name.lower()) == expected


def test_a_misspelt_setting_is_named_with_the_closest():
    environ = {
        "GATEWAY_WATCH_INTERVALL": "5",
        "gateway_loglevel": "debug",  # read whatever the case, so reported whatever the case
        "Enovia_ClientId": "x",
        "TDX_TENNANT": "acme",
        "GATEWAY_WORKERS": "4",  # like no setting: reported, with nothing to suggest
        "GATEWAY_WATCH_INTERVAL": "5",
        "gateway_log_format": "json",  # a setting in lower case
        "ENOVIA_BASE_URL": "https://plm.example.com",
        "HOME": "/root",
        "GATEWAYS": "not a setting's prefix",
    }
    unknown = unknown_settings(environ, env_file=None)
    assert unknown == [
        UnknownSetting("Enovia_ClientId", "environment", "ENOVIA_CLIENT_ID"),
        UnknownSetting("gateway_loglevel", "environment", "GATEWAY_LOG_LEVEL"),
        UnknownSetting("GATEWAY_WATCH_INTERVALL", "environment", "GATEWAY_WATCH_INTERVAL"),
        UnknownSetting("GATEWAY_WORKERS", "environment", None),
        UnknownSetting("TDX_TENNANT", "environment", "TDX_TENANT"),
    ]
    assert [str(each) for each in unknown] == [
        "Enovia_ClientId is not a setting; did you mean ENOVIA_CLIENT_ID?",
        "gateway_loglevel is not a setting; did you mean GATEWAY_LOG_LEVEL?",
        "GATEWAY_WATCH_INTERVALL is not a setting; did you mean GATEWAY_WATCH_INTERVAL?",
        "GATEWAY_WORKERS is not a setting",
        "TDX_TENNANT is not a setting; did you mean TDX_TENANT?",
    ]
    assert unknown_settings({"ENOVIA_BASE_URL": "x", "PATH": "/bin"}, env_file=None) == []


def test_a_misspelt_setting_in_dotenv_is_named_with_the_file(tmp_path: Path):
    (tmp_path / ".env").write_text(
        "# the settings of this deployment\n"
        "ENOVIA_BASE_URL=https://plm.example.com/enovia\n"
        "ENOVIA_CLIENT_SECERT=s3cret\n"
        "GATEWAY_CACHE_TTL_LATEST=12\n"
        "COMPOSE_PROJECT_NAME=gateway\n"
    )
    unknown = unknown_settings({"GATEWAY_RATE_LIMT": "5"})  # and `.env` in the working directory
    assert [str(each) for each in unknown] == [
        "ENOVIA_CLIENT_SECERT (in .env) is not a setting; did you mean ENOVIA_CLIENT_SECRET?",
        "GATEWAY_RATE_LIMT is not a setting; did you mean GATEWAY_RATE_LIMIT?",
    ]
    assert all("s3cret" not in repr(each) for each in unknown)  # names only, never values
    # Named once, where it is read first, when in both.
    assert unknown_settings({"ENOVIA_CLIENT_SECERT": "s"}) == [
        UnknownSetting("ENOVIA_CLIENT_SECERT", "environment", "ENOVIA_CLIENT_SECRET")
    ]


def test_what_kubernetes_sets_for_a_service_is_not_reported():
    """A Service named `gateway` in the namespace gives every pod GATEWAY_SERVICE_HOST..."""
    environ = {
        "GATEWAY_SERVICE_HOST": "10.0.0.7",
        "GATEWAY_SERVICE_PORT": "8000",
        "GATEWAY_SERVICE_PORT_HTTP": "8000",
        "GATEWAY_PORT": "tcp://10.0.0.7:8000",
        "GATEWAY_PORT_8000_TCP": "tcp://10.0.0.7:8000",
        "GATEWAY_PORT_8000_TCP_PROTO": "tcp",
        "GATEWAY_PORT_8000_TCP_PORT": "8000",
        "GATEWAY_PORT_8000_TCP_ADDR": "10.0.0.7",
        "ENOVIA_SERVICE_HOST": "10.0.0.8",
    }
    assert unknown_settings(environ, env_file=None) == []


def test_the_variables_the_project_reads_or_sets_are_not_reported():
    """Each `ENOVIA_*`/`GATEWAY_*`/`TDX_*` name the code reads or hands to a process (a
    string, or a keyword of an environment it builds) is a setting or in NOT_SETTINGS: none
    would be warned about."""
    name = r"(?:ENOVIA|GATEWAY|TDX)_[A-Z0-9_]*[A-Z0-9]"
    literal = re.compile(rf"[\"']({name})[\"']|\b({name})=(?!=)")
    found: dict[str, str] = {}
    for folder in ("gateway", "enovia", "loaders", "schema", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():  # the misspellings of the tests above
                continue
            for match in literal.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    assert "GATEWAY_CACHE_URL" in found  # the scan finds what it looks for
    reported = unknown_settings(dict.fromkeys(found, ""), env_file=None)
    assert [(each.name, found[each.name]) for each in reported] == []
    assert found.keys() >= NOT_SETTINGS  # none listed that nothing reads any more


def test_the_gateway_warns_of_a_misspelt_setting_and_starts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restored_logging: None,
):
    from gateway.app import create_app_from_environment

    for name in list(os.environ):
        if name.upper().startswith(("ENOVIA_", "GATEWAY_", "TDX_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENOVIA_BASE_URL", "https://plm.example.com/enovia")
    monkeypatch.setenv("ENOVIA_CLIENT_ID", "gateway")
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("GATEWAY_LOG_FORMAT", "JSON")
    monkeypatch.setenv("GATEWAY_WATCH_INTERVALL", "5")
    (tmp_path / ".env").write_text("GATEWAY_MAX_DEPT=4\n")

    try:
        assert create_app_from_environment() is not None  # a warning, not a refusal
        # A serving process's start-up objects are kept out of the cycle collector's passes.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this test process serves many apps, one after another

    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    warnings = [event for event in events if event["event"] == "settings.unknown_variable"]
    assert [
        (event["level"], event["variable"], event["source"], event["suggestion"])
        for event in warnings
    ] == [
        ("warning", "GATEWAY_MAX_DEPT", ".env", "GATEWAY_MAX_DEPTH"),
        ("warning", "GATEWAY_WATCH_INTERVALL", "environment", "GATEWAY_WATCH_INTERVAL"),
    ]
    assert warnings[1]["message"] == (
        "GATEWAY_WATCH_INTERVALL is not a setting; did you mean GATEWAY_WATCH_INTERVAL?"
    )
