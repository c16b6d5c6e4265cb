"""`AuthConfig`: refuses what could not work or would be unsafe; keeps keys out of `repr`."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth import ApiKeyVerifier, AuthConfig, AuthMiddleware

SECRET_KEY = "k3y-that-must-never-show-1234567890"


def test_defaults_are_open_and_unlimited():
    config = AuthConfig()
    assert config.mode == "none"
    assert not config.rate_limited
    assert config.algorithms == ("RS256", "ES256")


def test_api_keys_never_appear_in_repr():
    config = AuthConfig(mode="api-key", api_keys=frozenset({SECRET_KEY, "another-secret-key"}))
    for text in (repr(config), str(config), repr(ApiKeyVerifier(config.api_keys))):
        assert SECRET_KEY not in text
        assert "another-secret-key" not in text
    assert "api-key" in repr(config)


async def test_middleware_repr_holds_no_key():
    config = AuthConfig(mode="api-key", api_keys=frozenset({SECRET_KEY}))
    middleware = AuthMiddleware(lambda *args: None, config)  # type: ignore[arg-type,return-value]
    assert SECRET_KEY not in repr(middleware)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"mode": "basic"}, "auth mode"),
        ({"mode": "api-key"}, "at least one API key"),
        ({"mode": "api-key", "api_keys": frozenset({""})}, "API key is empty"),
        ({"mode": "api-key", "api_keys": frozenset({SECRET_KEY + " "})}, "whitespace"),
        ({"mode": "api-key", "api_keys": frozenset({SECRET_KEY + "\n"})}, "whitespace"),
        ({"mode": "jwt"}, "JWKS URL"),
        ({"mode": "jwt", "jwks_url": "file:///etc/jwks.json"}, "http"),
        ({"algorithms": ("RS256", "HS256")}, "HS256"),
        ({"algorithms": ("none",)}, "none"),
        ({"algorithms": ()}, "at least one"),
        ({"leeway": -1}, "leeway"),
        ({"jwks_cache_seconds": 0}, "cache"),
        ({"jwks_min_refetch_interval": -1}, "refetch"),
        ({"rate_limit_per_second": -1}, "rate limit"),
        ({"rate_limit_burst": 0}, "burst"),
    ],
)
def test_unworkable_or_unsafe_configs_are_refused(values: dict[str, Any], words: str):
    with pytest.raises(ValueError, match=words) as caught:
        AuthConfig(**values)
    assert SECRET_KEY not in str(caught.value)
