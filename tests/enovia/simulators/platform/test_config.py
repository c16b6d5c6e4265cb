"""PlatformSimulatorConfig: defaults, validation, secrets kept out of reprs."""

from __future__ import annotations

from typing import Any

import pytest

from enovia.simulators.platform import DEFAULT_CONTEXT, PlatformSimulatorConfig, PlatformUser


def test_defaults() -> None:
    config = PlatformSimulatorConfig()
    assert (config.batch_service_name, config.agent_id) == ("pte-qr-gateway", "pte-qr-agent")
    assert [u.username for u in config.users] == ["pteqr"]
    assert config.security_contexts == (DEFAULT_CONTEXT,)
    assert config.tenant is None
    assert config.castgc_name == "CASTGC"
    assert PlatformSimulatorConfig(castgc_suffix="_3dp").castgc_name == "CASTGC_3dp"
    assert (config.session_idle_timeout, config.session_absolute_timeout) == (1800, 28800)
    assert (config.service_ticket_ttl, config.batch_ticket_ttl) == (10, 60)


def test_secrets_are_not_in_the_repr() -> None:
    text = repr(PlatformSimulatorConfig())
    for secret in ("demo-batch-secret", "demo-agent-secret", "demo-password"):
        assert secret not in text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("batch_service_name", ""),
        ("batch_service_secret", ""),
        ("agent_id", ""),
        ("agent_id", "a:b"),
        ("agent_secret", ""),
        ("tenant", ""),
        ("castgc_suffix", "; Path=/"),
        ("transient_login_shape", "xml"),
        ("security_contexts", ()),
        ("security_contexts", ("two.parts",)),
        ("security_contexts", ("ctx::A.B.C",)),
        ("users", ()),
        ("users", (PlatformUser("a", "x"), PlatformUser("a", "y"))),
        ("users", (PlatformUser("", "x"),)),
        ("users", (PlatformUser("a", "x", preferred_context="R.O.Elsewhere"),)),
        ("users", (PlatformUser("a", "x", contexts=("R.O.Elsewhere",)),)),
        ("session_idle_timeout", 0),
        ("session_absolute_timeout", -1),
        ("service_ticket_ttl", float("inf")),
        ("batch_ticket_ttl", 0),
        ("login_ticket_ttl", 0),
        ("latency_ms", -1),
        ("jitter_ms", float("nan")),
        ("error_rate", 1.5),
        ("error_status", 302),
    ],
)
def test_invalid_values_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        PlatformSimulatorConfig(**{field: value})


def test_a_user_without_preferred_credentials_is_allowed() -> None:
    user = PlatformUser("nobody", "pw", preferred_context=None)
    assert PlatformSimulatorConfig(users=(user,)).users == (user,)
