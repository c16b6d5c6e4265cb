"""The platform simulator's start-up settings: who may log in, and how the platform behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from enovia.simulators.common.checks import check_positive
from enovia.simulators.common.config import FaultSettings

TransientLoginShape = Literal["json", "redirect"]
TRANSIENT_LOGIN_SHAPES: Final[tuple[str, ...]] = get_args(TransientLoginShape)

DEFAULT_CONTEXT: Final = "VPLMViewer.Company Name.Common Space"
# 3DSpace also takes the context with this prefix (the form some apps send).
CONTEXT_PREFIX: Final = "ctx::"


def split_context(context: str) -> tuple[str, str, str] | None:
    """(role, organization, collab space) of `role.organization.collab space`, or None.

    A leading `ctx::` is ignored; each of the three names must be non-empty (a name holding
    a dot cannot be told apart, as on the platform).
    """
    parts = context.removeprefix(CONTEXT_PREFIX).split(".")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class PlatformUser:
    """A person of the platform: may log in (cas-password) and be impersonated (batch).

    `preferred_context` is what `pno/person?select=preferredcredentials` answers (None: the
    platform answers null, for testing the client's discovery failure); `contexts` are the
    security contexts this user may work in (None: every valid context of the config).
    """

    username: str
    password: str = field(repr=False)
    preferred_context: str | None = DEFAULT_CONTEXT
    contexts: tuple[str, ...] | None = None


DEFAULT_USER: Final = PlatformUser("pteqr", "demo-password")


@dataclass(frozen=True, slots=True)
class PlatformSimulatorConfig(FaultSettings):
    """How a platform simulator starts; the run-time faults begin from these values.

    Authentication: `batch_service_name`/`batch_service_secret` (3DPassport's batch service,
    checked against `DS-Service-Name`/`DS-Service-Secret`), `users` (who may log in or be
    impersonated), `agent_id`/`agent_secret` (HTTP Basic on every 3DSpace call; the agent
    acts as the first user), `security_contexts` (every context 3DSpace knows), `tenant`
    (None: on premises; else every `/3dspace/resources` call must carry `tenant=<it>`),
    `castgc_suffix` ("" → cookie `CASTGC`, "_3dp" → `CASTGC_3dp`) and
    `transient_login_shape` (how `api/login/cas/transient` answers).

    Lifetimes in seconds: `session_idle_timeout`/`session_absolute_timeout` (3DSpace
    sessions and 3DPassport's CASTGC alike), `service_ticket_ttl`, `batch_ticket_ttl` and
    `login_ticket_ttl` (the `lt` of get_auth_params).

    The initial faults and the seed are FaultSettings'.

    Raises ValueError naming the field when a value is out of range or inconsistent.
    """

    batch_service_name: str = "pte-qr-gateway"
    # repr=False: even a demo secret should not end up in logs through a repr.
    batch_service_secret: str = field(default="demo-batch-secret", repr=False)
    users: tuple[PlatformUser, ...] = (DEFAULT_USER,)
    agent_id: str = "pte-qr-agent"
    agent_secret: str = field(default="demo-agent-secret", repr=False)
    security_contexts: tuple[str, ...] = (DEFAULT_CONTEXT,)
    tenant: str | None = None
    castgc_suffix: str = ""
    transient_login_shape: TransientLoginShape = "json"
    session_idle_timeout: float = 1800
    session_absolute_timeout: float = 28800
    service_ticket_ttl: float = 10
    batch_ticket_ttl: float = 60
    login_ticket_ttl: float = 300

    def __post_init__(self) -> None:
        for name in ("batch_service_name", "batch_service_secret", "agent_id", "agent_secret"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        if ":" in self.agent_id:
            raise ValueError("agent_id must not hold ':' (HTTP Basic could not carry it)")
        if self.tenant == "":
            raise ValueError("tenant must be None (on premises) or a non-empty name")
        if not self.castgc_suffix.isascii() or not all(
            c.isalnum() or c in "_-" for c in self.castgc_suffix
        ):
            raise ValueError("castgc_suffix may hold only ASCII letters, digits, '_' and '-'")
        if self.transient_login_shape not in TRANSIENT_LOGIN_SHAPES:
            raise ValueError(
                f"transient_login_shape must be one of {', '.join(TRANSIENT_LOGIN_SHAPES)}, "
                f"got {self.transient_login_shape!r}"
            )
        self._check_contexts()
        self._check_users()
        check_positive("session_idle_timeout", self.session_idle_timeout)
        check_positive("session_absolute_timeout", self.session_absolute_timeout)
        check_positive("service_ticket_ttl", self.service_ticket_ttl)
        check_positive("batch_ticket_ttl", self.batch_ticket_ttl)
        check_positive("login_ticket_ttl", self.login_ticket_ttl)
        self._check_fault_settings()

    def _check_contexts(self) -> None:
        if not self.security_contexts:
            raise ValueError("security_contexts must hold at least one context")
        for context in self.security_contexts:
            if context.startswith(CONTEXT_PREFIX) or split_context(context) is None:
                raise ValueError(
                    f"security_contexts: {context!r} is not role.organization.collabspace"
                )

    def _check_users(self) -> None:
        if not self.users:
            raise ValueError("users must hold at least one user")
        names = [user.username for user in self.users]
        if len(set(names)) != len(names):
            raise ValueError("users: each username must be unique")
        for user in self.users:
            if not user.username or not user.password:
                raise ValueError("users: username and password must not be empty")
            allowed = self.contexts_of(user)
            for context in allowed:
                if context not in self.security_contexts:
                    raise ValueError(
                        f"users: {user.username!r} may use {context!r}, "
                        "which is not in security_contexts"
                    )
            preferred = user.preferred_context
            if preferred is not None and preferred not in allowed:
                raise ValueError(
                    f"users: {user.username!r} prefers {preferred!r}, which it may not use"
                )

    def user(self, username: str) -> PlatformUser | None:
        """The user called *username* (exact match), or None."""
        for user in self.users:
            if user.username == username:
                return user
        return None

    def contexts_of(self, user: PlatformUser) -> tuple[str, ...]:
        """The security contexts *user* may work in."""
        return self.security_contexts if user.contexts is None else user.contexts

    @property
    def agent_user(self) -> PlatformUser:
        """The user an agent's calls act as: the first one."""
        return self.users[0]

    @property
    def castgc_name(self) -> str:
        """The name of 3DPassport's ticket-granting cookie."""
        return f"CASTGC{self.castgc_suffix}"
