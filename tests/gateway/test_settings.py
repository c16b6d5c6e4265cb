"""Settings: environment and .env (the environment wins), one-line errors, hidden secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import SettingsError, load_settings


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
