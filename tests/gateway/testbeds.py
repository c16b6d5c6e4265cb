"""The gateway on either upstream: the same behaviour, tested once against each simulator.

A `Testbed` starts gateways against one simulator and changes that simulator's data in the
words a test needs ("release a new revision"), whichever API it speaks; what differs between
the upstreams (which calls a question costs) is a property of the testbed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from enovia.simulators import platform as platform_sim
from gateway.settings import Settings, load_settings

PLATFORM_CONFIG = platform_sim.PlatformSimulatorConfig()

#: The 3DSpace calls that read documents (what "calls" counts on the platform).
PLATFORM_DATA_CALLS = (
    platform_sim.DOCUMENT,
    platform_sim.SEARCH,
    platform_sim.DOCUMENTS_BY_IDS,
    platform_sim.GRAPH,
)


class SimulatorAdmin:
    """What every simulator's admin API (`/_sim/`) has, as the tests use it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=10)

    def stats(self) -> dict[str, Any]:
        return self._http.get("/_sim/stats").raise_for_status().json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._http.post("/_sim/reset").raise_for_status()

    def faults(self, **faults: Any) -> None:
        self._http.post("/_sim/faults", json=faults).raise_for_status()

    def close(self) -> None:
        self._http.close()


class PlatformSimulator(SimulatorAdmin):
    """The platform simulator's admin API."""

    def calls(self, template: str | None = None) -> int:
        """Calls to one endpoint template, or (None) every call that reads documents."""
        calls = self.stats()["calls"]
        if template is None:
            return sum(int(calls[name]) for name in PLATFORM_DATA_CALLS)
        return int(calls.get(template, 0))

    def add_revision(self, name: str, **revision: Any) -> None:
        self._http.post(f"{_doc(name)}/revisions", json=revision).raise_for_status()

    def change_revision(self, name: str, label: str, **changes: Any) -> None:
        path = f"{_doc(name)}/revisions/{quote(label, safe='')}"
        self._http.patch(path, json=changes).raise_for_status()

    def release(self, name: str, label: str) -> None:
        path = f"{_doc(name)}/revisions/{quote(label, safe='')}/release"
        self._http.post(path).raise_for_status()

    def delete(self, name: str) -> None:
        self._http.delete(_doc(name)).raise_for_status()

    def expire_sessions(self) -> None:
        self._http.post("/_sim/sessions/expire", json={}).raise_for_status()


def _doc(name: str) -> str:
    return f"/_sim/documents/{quote(name, safe='')}"


#: Every test gateway's admin key (GATEWAY_ADMIN_API_KEYS) unless a test says otherwise.
ADMIN_KEY = "gateway-tests-admin-key-4f0c9e7a"

#: What every test gateway is set to, whichever its upstream.
TEST_SETTINGS: dict[str, Any] = {
    "enovia_timeout": 5.0,
    # No background health checks unless a test asks: they would add to the counted calls.
    "gateway_health_check_interval": 0,
    # Strict: a change a test makes in the simulator is seen by the very next query,
    # however fast the machine. Tests about sharing a fetch set a window of their own.
    "gateway_share_window": 0,
    # Administration is refused without an admin credential, in every auth mode.
    "gateway_admin_api_keys": ADMIN_KEY,
    # A developer's own `.env` is not read.
    "_env_file": None,
}


def platform_settings_for(simulator_url: str, **overrides: Any) -> Settings:
    """Settings that point at the platform simulator, logged in as its batch service."""
    return load_settings(
        **{
            **TEST_SETTINGS,
            "enovia_api": "3dexperience",
            "enovia_base_url": f"{simulator_url}/3dspace",
            "tdx_auth_mode": "batch-service",
            "tdx_batch_service_name": PLATFORM_CONFIG.batch_service_name,
            "tdx_batch_service_secret": PLATFORM_CONFIG.batch_service_secret,
            "tdx_impersonate_user": PLATFORM_CONFIG.users[0].username,
            **overrides,
        }
    )


@dataclass(frozen=True)
class ScanCost:
    """What one cold scan (document, scanned revision, latest released) costs, by template."""

    by_template: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_template.values())


@dataclass
class Testbed:
    __test__ = False  # a helper, not a test class
    """One upstream: its simulator, how to start a gateway on it, and how to change its data."""

    name: str
    sim: Any
    start: Callable[..., Any]
    #: A new revision `label` of `uid`, released: the one before it is no longer current.
    release_new: Callable[[str, str], None]
    scan_cost: ScanCost

    def __str__(self) -> str:
        return self.name


def facade_release_new(sim: Any) -> Callable[[str, str], None]:
    def release(uid: str, label: str) -> None:
        sim.add_revision(uid, revision=label, maturityState="Released", supersede_previous=True)

    return release


def platform_release_new(sim: PlatformSimulator) -> Callable[[str, str], None]:
    def release(uid: str, label: str) -> None:
        sim.add_revision(uid, revision=label, maturityState="IN_WORK")
        sim.release(uid, label)

    return release
