"""The settings of the admin and metrics credentials: read like the clients' keys, one role per
key (start-up refuses a key in two lists, naming the settings, never the key), and what the app
hands to `AuthConfig`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from gateway.app import ADMIN_HINT, auth_config
from gateway.settings import Settings, SettingsError, load_settings, read_keys

CLIENT_KEY = "client-key-61b0d4e2a9c7f3e5"
ADMIN_KEY = "admin-key-2d8f4a6c0e1b3d5f"
METRICS_KEY = "metrics-key-7a3c5e9b1d0f2a4c"


@pytest.fixture(autouse=True)
def _no_outside_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "GATEWAY_AUTH_MODE",
        "GATEWAY_API_KEYS",
        "GATEWAY_ADMIN_API_KEYS",
        "GATEWAY_METRICS_API_KEYS",
        "GATEWAY_JWT_ADMIN_SCOPE",
        "GATEWAY_JWT_ADMIN_ROLE",
    ):
        monkeypatch.delenv(name, raising=False)


def load(**values: Any) -> Settings:
    return load_settings(_env_file=None, **values)


def test_keys_come_from_the_setting_and_its_file(tmp_path: Path):
    file = tmp_path / "keys"
    file.write_text("# the scrapers' keys\n\n  file-key-1  \n#not-a-key\nfile-key-2\n")
    assert read_keys(SecretStr(" a , b,,c "), file) == {"a", "b", "c", "file-key-1", "file-key-2"}
    assert read_keys(None, None) == frozenset()


def test_each_role_has_its_setting_and_file(tmp_path: Path):
    admin_file = tmp_path / "admin"
    admin_file.write_text(ADMIN_KEY + "\n")
    metrics_file = tmp_path / "metrics"
    metrics_file.write_text(f"# generated\n{METRICS_KEY}\n")
    settings = load(
        gateway_admin_api_keys="admin-2",
        gateway_admin_api_keys_file=admin_file,
        gateway_metrics_api_keys_file=metrics_file,
    )
    assert settings.admin_api_keys() == {ADMIN_KEY, "admin-2"}
    assert settings.metrics_api_keys() == {METRICS_KEY}
    assert settings.api_keys() == frozenset()
    for secret in (ADMIN_KEY, METRICS_KEY, "admin-2"):
        assert secret not in repr(settings)


@pytest.mark.parametrize(
    ("values", "first", "second"),
    [
        (
            {"gateway_api_keys": f"{CLIENT_KEY},{ADMIN_KEY}", "gateway_admin_api_keys": ADMIN_KEY},
            "GATEWAY_API_KEYS",
            "GATEWAY_ADMIN_API_KEYS",
        ),
        (
            {"gateway_api_keys": CLIENT_KEY, "gateway_metrics_api_keys": f" {CLIENT_KEY} "},
            "GATEWAY_API_KEYS",
            "GATEWAY_METRICS_API_KEYS",
        ),
        (
            {"gateway_admin_api_keys": METRICS_KEY, "gateway_metrics_api_keys": METRICS_KEY},
            "GATEWAY_ADMIN_API_KEYS",
            "GATEWAY_METRICS_API_KEYS",
        ),
    ],
)
def test_start_up_refuses_a_key_in_two_lists(values: dict[str, str], first: str, second: str):
    with pytest.raises(SettingsError) as caught:
        load(gateway_auth_mode="api-key", **{"gateway_api_keys": "someone", **values})
    message = str(caught.value)
    assert "\n" not in message
    assert f"{first} / {first}_FILE" in message
    assert f"{second} / {second}_FILE" in message
    assert "one role" in message
    for secret in (CLIENT_KEY, ADMIN_KEY, METRICS_KEY):
        assert secret not in message


def test_a_key_in_a_file_and_in_another_setting_is_refused_too(tmp_path: Path):
    file = tmp_path / "admin-keys"
    file.write_text(f"# admins\n{CLIENT_KEY}\n")
    with pytest.raises(SettingsError, match=r"GATEWAY_API_KEYS / .*GATEWAY_ADMIN_API_KEYS /"):
        load(
            gateway_auth_mode="api-key",
            gateway_api_keys=CLIENT_KEY,
            gateway_admin_api_keys_file=file,
        )


@pytest.mark.parametrize("name", ["GATEWAY_ADMIN_API_KEYS_FILE", "GATEWAY_METRICS_API_KEYS_FILE"])
def test_a_missing_key_file_is_named(monkeypatch: pytest.MonkeyPatch, name: str):
    monkeypatch.setenv(name, "/no/such/keys")
    with pytest.raises(SettingsError, match=f"{name}: /no/such/keys is not a readable file"):
        load()


@pytest.mark.parametrize("name", ["gateway_jwt_admin_scope", "gateway_jwt_admin_role"])
@pytest.mark.parametrize("mode", ["none", "api-key"])
def test_an_admin_scope_or_role_needs_jwt_mode(name: str, mode: str):
    with pytest.raises(SettingsError, match="need GATEWAY_AUTH_MODE=jwt"):
        load(gateway_auth_mode=mode, gateway_api_keys=CLIENT_KEY, **{name: "gateway-admin"})


def test_a_blank_scope_or_role_is_unset_and_a_scope_is_one_word(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("GATEWAY_JWT_ADMIN_SCOPE", "")
    monkeypatch.setenv("GATEWAY_JWT_ADMIN_ROLE", "  ")
    settings = load()
    assert (settings.gateway_jwt_admin_scope, settings.gateway_jwt_admin_role) == (None, None)
    monkeypatch.setenv("GATEWAY_JWT_ADMIN_SCOPE", "gateway:admin openid")
    with pytest.raises(SettingsError, match="GATEWAY_JWT_ADMIN_SCOPE: must be one scope"):
        load()


def test_the_app_hands_every_credential_to_the_middleware():
    settings = load(
        gateway_auth_mode="jwt",
        gateway_jwt_jwks_url="https://idp.example.com/jwks",
        gateway_admin_api_keys=ADMIN_KEY,
        gateway_metrics_api_keys=METRICS_KEY,
        gateway_jwt_admin_scope=" gateway:admin ",
        gateway_jwt_admin_role="Gateway.Admin",
    )
    config = auth_config(settings)
    assert config.admin_api_keys == {ADMIN_KEY}
    assert config.metrics_api_keys == {METRICS_KEY}
    assert (config.jwt_admin_scope, config.jwt_admin_role) == ("gateway:admin", "Gateway.Admin")
    assert config.admin_hint == ADMIN_HINT


def test_the_hint_names_every_way_to_enable_administration():
    for name in (
        "GATEWAY_ADMIN_API_KEYS",
        "GATEWAY_ADMIN_API_KEYS_FILE",
        "GATEWAY_JWT_ADMIN_SCOPE",
        "GATEWAY_JWT_ADMIN_ROLE",
        "docs/administration.md",
    ):
        assert name in ADMIN_HINT
    docs = Path(__file__).resolve().parents[3] / "docs" / "administration.md"
    # The answer the document shows is the one a caller gets.
    assert f"no admin credential is configured; {ADMIN_HINT}" in docs.read_text(encoding="utf-8")
