"""Every `ENOVIA_*` and `GATEWAY_*` setting in one typed place.

Read from the environment and from `.env` in the working directory, the environment winning.
The names of the seed (`ENOVIA_BASE_URL`, `ENOVIA_CLIENT_ID`, ...) are kept as they are.

Each default is written once. A setting that configures one component takes that
component's own default (`_default_of`: the retry policy's attempts, the store's times to
live, the query limits...), so the two cannot drift; the settings that belong to no
component have theirs here.
"""

from __future__ import annotations

import difflib
import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Annotated, Any, Literal

import structlog
from dotenv import dotenv_values
from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError

from enovia import CircuitBreaker, RetryBudget, RetryPolicy, shown_url
from enovia.facade import ClientCredentialsAuth, TokenAuthMethod
from enovia.platform import DocumentSource, PlatformClient, RevisionMatch, StateTable
from gateway.access_log import AccessLogMiddleware
from gateway.auth.config import ASYMMETRIC_ALGORITHMS, AuthConfig, AuthMode
from gateway.websocket import SubscriptionLimits
from loaders import StoreSettings, create_cache
from schema import QueryLimits

logger = structlog.get_logger("gateway.settings")

#: The file the settings are also read from, in the working directory (the environment wins).
ENV_FILE = ".env"


def _default_of(component: Callable[..., Any], parameter: str) -> Any:
    """The default of one of `component`'s parameters (a class's or a function's)."""
    default = inspect.signature(component).parameters[parameter].default
    assert default is not inspect.Parameter.empty, f"{component!r}: {parameter} has no default"
    return default


PositiveSeconds = Annotated[float, Field(gt=0)]
NonNegativeSeconds = Annotated[float, Field(ge=0)]


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Which upstream: the seed's REST facade, or the 3DEXPERIENCE platform's own web services
    # (then ENOVIA_BASE_URL is the 3DSpace URL and the TDX_* settings below apply).
    enovia_api: Literal["facade", "3dexperience"] = "facade"

    # ENOVIA connection (the seed's names).
    enovia_base_url: AnyHttpUrl | None = None
    enovia_client_id: str = ""
    enovia_client_secret: SecretStr | None = None
    enovia_client_secret_file: Path | None = None
    enovia_client_secret_rotation_enabled: bool = False
    enovia_scope: str = "read"
    enovia_token_auth_method: TokenAuthMethod = _default_of(ClientCredentialsAuth, "method")
    enovia_token_cache_ttl: PositiveSeconds = _default_of(ClientCredentialsAuth, "max_token_age")
    enovia_timeout: PositiveSeconds = 10.0
    enovia_max_connections: Annotated[int, Field(ge=1, le=10_000)] = 100
    enovia_retry_attempts: Annotated[int, Field(ge=1, le=10)] = _default_of(RetryPolicy, "attempts")
    enovia_retry_backoff_initial: NonNegativeSeconds = _default_of(RetryPolicy, "backoff_initial")
    enovia_retry_backoff_max: NonNegativeSeconds = _default_of(RetryPolicy, "backoff_max")
    enovia_retry_after_max: NonNegativeSeconds = _default_of(RetryPolicy, "retry_after_max")
    enovia_retry_budget_ratio: Annotated[float, Field(ge=0, le=10)] = _default_of(
        RetryBudget, "ratio"
    )
    enovia_retry_budget_min_per_second: Annotated[float, Field(ge=0)] = _default_of(
        RetryBudget, "min_per_second"
    )
    enovia_circuit_failure_threshold: Annotated[int, Field(ge=1)] = _default_of(
        CircuitBreaker, "failure_threshold"
    )
    enovia_circuit_reset_timeout: PositiveSeconds = _default_of(CircuitBreaker, "reset_timeout")

    # The 3DEXPERIENCE platform (ENOVIA_API=3dexperience; docs/3dexperience.md).
    tdx_auth_mode: Literal["batch-service", "agent", "cas-password"] = "batch-service"
    tdx_passport_url: AnyHttpUrl | None = None
    tdx_batch_service_name: str = ""
    tdx_batch_service_secret: SecretStr | None = None
    tdx_batch_service_secret_file: Path | None = None
    tdx_impersonate_user: str = ""
    tdx_agent_id: str = ""
    tdx_agent_secret: SecretStr | None = None
    tdx_agent_secret_file: Path | None = None
    tdx_username: str = ""
    tdx_password: SecretStr | None = None
    tdx_password_file: Path | None = None
    tdx_security_context: str | None = None
    tdx_tenant: str | None = None
    tdx_document_source: DocumentSource = _default_of(PlatformClient, "source")
    tdx_state_map: dict[str, str] = {}
    tdx_revision_match: RevisionMatch = _default_of(PlatformClient, "revision_match")
    tdx_session_max_age: PositiveSeconds = _default_of(PlatformClient, "session_max_age")
    tdx_batch_size: Annotated[int, Field(ge=1, le=1000)] = _default_of(PlatformClient, "batch_size")

    # The gateway's cache.
    gateway_cache_url: str = "memory://"
    gateway_cache_max_entries: Annotated[int, Field(ge=1)] = 10_000
    gateway_cache_ttl_document: NonNegativeSeconds = _default_of(StoreSettings, "ttl_document")
    gateway_cache_ttl_revision: NonNegativeSeconds = _default_of(StoreSettings, "ttl_revision")
    gateway_cache_ttl_latest: NonNegativeSeconds = _default_of(StoreSettings, "ttl_latest")
    gateway_cache_ttl_not_found: NonNegativeSeconds = _default_of(StoreSettings, "not_found_ttl")
    gateway_cache_max_stale: NonNegativeSeconds = _default_of(StoreSettings, "max_stale")
    gateway_cache_local_max_entries: Annotated[int, Field(ge=1)] = _default_of(
        create_cache, "local_entries"
    )
    gateway_cache_lock_ttl: PositiveSeconds = _default_of(StoreSettings, "lock_ttl")
    gateway_cache_timeout: PositiveSeconds = _default_of(create_cache, "timeout")
    gateway_response_cache_entries: Annotated[int, Field(ge=0)] = 1000
    gateway_response_cache_max_bytes: Annotated[int, Field(ge=0)] = 32 * 1024 * 1024
    gateway_actuality_max_age: Annotated[int, Field(ge=0)] = 0
    # How long before a request began a fetch may have been sent and still answer it as LIVE
    # (what lets a burst of `maxAge: 0` scans share one ENOVIA call; 0 is strict).
    gateway_share_window: Annotated[float, Field(ge=0, le=5)] = _default_of(
        StoreSettings, "share_window"
    )

    # GraphQL, and the limits every query is checked against before any ENOVIA call.
    gateway_max_batch: Annotated[int, Field(ge=1, le=10_000)] = _default_of(
        QueryLimits, "max_batch"
    )
    gateway_max_depth: Annotated[int, Field(ge=2)] = _default_of(QueryLimits, "max_depth")
    gateway_max_aliases: Annotated[int, Field(ge=0)] = _default_of(QueryLimits, "max_aliases")
    gateway_max_tokens: Annotated[int, Field(ge=50)] = _default_of(QueryLimits, "max_tokens")
    gateway_max_cost: Annotated[int, Field(ge=1)] = _default_of(QueryLimits, "max_cost")
    gateway_max_body_bytes: Annotated[int, Field(ge=1024)] = 65_536
    gateway_request_timeout: PositiveSeconds = 15.0
    gateway_graphiql: bool = True
    gateway_introspection: bool = True
    # Persisted operations: a manifest of trusted documents (`enovia-gateway export-manifest`),
    # and whether only those may run.
    gateway_persisted_manifest: Path | None = None
    gateway_persisted_only: bool = False
    # Automatic persisted queries registered by clients, bounded in entries and in bytes (the
    # normalised documents' size), least recently used dropped first.
    gateway_apq_max_entries: Annotated[int, Field(ge=0)] = 10_000
    gateway_apq_max_bytes: Annotated[int, Field(ge=0)] = 16 * 1024 * 1024

    # Connections (docs/connections.md): seconds a client has to send a request's headers, then
    # its body; how long an idle kept-alive connection stays open; how many connections one
    # worker process holds (the next are answered 503 at once); the largest request head.
    gateway_header_timeout: PositiveSeconds = 10.0
    gateway_body_timeout: PositiveSeconds = 30.0
    gateway_keep_alive_timeout: PositiveSeconds = 5.0
    gateway_max_connections: Annotated[int, Field(ge=1)] = 500
    gateway_max_header_bytes: Annotated[int, Field(ge=1024)] = 32_768

    # Who may call, from where, how often.
    gateway_auth_mode: AuthMode = _default_of(AuthConfig, "mode")
    gateway_api_keys: SecretStr | None = None
    gateway_api_keys_file: Path | None = None
    gateway_jwt_jwks_url: AnyHttpUrl | None = None
    gateway_jwt_issuer: str | None = None
    gateway_jwt_audience: str | None = None
    gateway_jwt_algorithms: Annotated[list[str], NoDecode] = list(
        _default_of(AuthConfig, "algorithms")
    )
    gateway_jwt_leeway: NonNegativeSeconds = _default_of(AuthConfig, "leeway")
    gateway_protect_operations: bool = _default_of(AuthConfig, "protect_operations")
    gateway_rate_limit: NonNegativeSeconds = _default_of(AuthConfig, "rate_limit_per_second")
    gateway_rate_burst: Annotated[int, Field(ge=1)] = _default_of(AuthConfig, "rate_limit_burst")
    gateway_cors_origins: Annotated[list[str], NoDecode] = []
    # Administration (/api/v1/admin/...): admin keys in any mode, or with jwt a token carrying
    # this scope (`scope`/`scp`) or role (`roles`, `realm_access.roles`); with none, 403.
    gateway_admin_api_keys: SecretStr | None = None
    gateway_admin_api_keys_file: Path | None = None
    gateway_jwt_admin_scope: str | None = None
    gateway_jwt_admin_role: str | None = None
    # Scrapers: keys accepted on /metrics and detailed health in any mode (clients' too).
    gateway_metrics_api_keys: SecretStr | None = None
    gateway_metrics_api_keys_file: Path | None = None

    # Subscriptions (docs/subscriptions.md): how often each subscribed resource is checked in
    # ENOVIA (seconds, once for the whole deployment); how many subscriptions a connection, a
    # client (over all its connections) and one process may hold; seconds between pings.
    gateway_watch_interval: PositiveSeconds = 30.0
    gateway_max_subscriptions_per_connection: Annotated[int, Field(ge=1)] = _default_of(
        SubscriptionLimits, "per_connection"
    )
    gateway_max_subscriptions_per_client: Annotated[int, Field(ge=1)] = _default_of(
        SubscriptionLimits, "per_client"
    )
    gateway_max_subscriptions: Annotated[int, Field(ge=1)] = _default_of(
        SubscriptionLimits, "total"
    )
    gateway_ws_keepalive: NonNegativeSeconds = _default_of(SubscriptionLimits, "keepalive")

    # Health: ENOVIA is checked this often in the background (seconds; 0: only when asked).
    gateway_health_check_interval: NonNegativeSeconds = 30.0

    # Logs.
    gateway_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    gateway_log_format: Literal["console", "json"] = "console"
    # The access log (`http.access` per request, `websocket.access` per connection): the share
    # of successful requests logged; errors always are (0: errors only).
    gateway_access_log_sample: Annotated[float, Field(ge=0, le=1)] = _default_of(
        AccessLogMiddleware, "sample"
    )

    @field_validator("gateway_cache_url")
    @classmethod
    def _known_cache_scheme(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must start with memory://, redis:// or rediss://")
        return value

    @field_validator("tdx_security_context", "tdx_tenant", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("tdx_security_context")
    @classmethod
    def _three_parts(cls, value: str | None) -> str | None:
        if value is not None and len(value.split(".")) < 3:
            raise ValueError(
                "must be <role>.<organization>.<collaborative space>, e.g. "
                "VPLMViewer.Company Name.Common Space"
            )
        return value

    @field_validator("tdx_state_map")
    @classmethod
    def _known_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        StateTable.default().with_overrides(value)  # raises ValueError naming what is wrong
        return value

    @field_validator("gateway_cors_origins", "gateway_jwt_algorithms", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("gateway_jwt_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        allowed = ASYMMETRIC_ALGORITHMS
        refused = [name for name in value if name not in allowed]
        if refused or not value:
            raise ValueError(
                f"only asymmetric algorithms are accepted ({', '.join(sorted(allowed))})"
            )
        return value

    @field_validator("gateway_log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("gateway_log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _files_exist(self) -> Settings:
        for name in (
            "enovia_client_secret_file",
            "tdx_batch_service_secret_file",
            "tdx_agent_secret_file",
            "tdx_password_file",
            "gateway_api_keys_file",
            "gateway_admin_api_keys_file",
            "gateway_metrics_api_keys_file",
            "gateway_persisted_manifest",
        ):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name.upper()}: {path} is not a readable file")
        return self

    @model_validator(mode="after")
    def _auth_is_complete(self) -> Settings:
        if self.gateway_auth_mode == "api-key" and not self.api_keys():
            raise ValueError(
                "GATEWAY_AUTH_MODE=api-key needs GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE"
            )
        if self.gateway_persisted_only and self.gateway_persisted_manifest is None:
            raise ValueError("GATEWAY_PERSISTED_ONLY=true needs GATEWAY_PERSISTED_MANIFEST")
        if self.gateway_auth_mode == "jwt" and self.gateway_jwt_jwks_url is None:
            raise ValueError("GATEWAY_AUTH_MODE=jwt needs GATEWAY_JWT_JWKS_URL")
        return self

    @field_validator("gateway_jwt_admin_scope", "gateway_jwt_admin_role", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("gateway_jwt_admin_scope")
    @classmethod
    def _one_scope(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 1:
            raise ValueError("must be one scope (no spaces)")
        return value

    @model_validator(mode="after")
    def _credentials_have_one_role(self) -> Settings:
        # Never the key in these messages: only the settings it was found in.
        lists = {
            "GATEWAY_API_KEYS": self.api_keys(),
            "GATEWAY_ADMIN_API_KEYS": self.admin_api_keys(),
            "GATEWAY_METRICS_API_KEYS": self.metrics_api_keys(),
        }
        for (first, first_keys), (second, second_keys) in combinations(lists.items(), 2):
            if first_keys & second_keys:
                raise ValueError(
                    f"a key is both in {first} / {first}_FILE and in {second} / "
                    f"{second}_FILE: give each key one role"
                )
        if self.gateway_auth_mode != "jwt" and (
            self.gateway_jwt_admin_scope or self.gateway_jwt_admin_role
        ):
            raise ValueError(
                "GATEWAY_JWT_ADMIN_SCOPE and GATEWAY_JWT_ADMIN_ROLE need GATEWAY_AUTH_MODE=jwt "
                "(in other modes use GATEWAY_ADMIN_API_KEYS)"
            )
        return self

    def api_keys(self) -> frozenset[str]:
        """The clients' keys: GATEWAY_API_KEYS and GATEWAY_API_KEYS_FILE (`read_keys`)."""
        return read_keys(self.gateway_api_keys, self.gateway_api_keys_file)

    def admin_api_keys(self) -> frozenset[str]:
        """The admins' keys: GATEWAY_ADMIN_API_KEYS and GATEWAY_ADMIN_API_KEYS_FILE."""
        return read_keys(self.gateway_admin_api_keys, self.gateway_admin_api_keys_file)

    def metrics_api_keys(self) -> frozenset[str]:
        """The scrapers' keys: GATEWAY_METRICS_API_KEYS and GATEWAY_METRICS_API_KEYS_FILE."""
        return read_keys(self.gateway_metrics_api_keys, self.gateway_metrics_api_keys_file)

    def summary(self) -> dict[str, object]:
        """What this gateway runs with, for the start-up line (`gateway.started`): which
        upstream and how it logs in, how clients authenticate, the cache, the main limits.
        Never a secret, nor a URL's credentials or query."""
        if self.enovia_api == "3dexperience":
            enovia_auth = f"3DPassport {self.tdx_auth_mode} (TDX_AUTH_MODE)"
        else:
            enovia_auth = (
                f"OAuth2 client credentials ({self.enovia_token_auth_method}, "
                f"client {self.enovia_client_id})"
            )
        return {
            "upstream": self.enovia_api,
            "enovia_base_url": (
                None if self.enovia_base_url is None else shown_url(str(self.enovia_base_url))
            ),
            "enovia_auth": enovia_auth,
            "client_auth": self.gateway_auth_mode,
            "cache": (
                "memory"
                if self.gateway_cache_url.startswith("memory://")
                else shown_url(self.gateway_cache_url)
            ),
            "max_depth": self.gateway_max_depth,
            "max_cost": self.gateway_max_cost,
            "max_batch": self.gateway_max_batch,
            "request_timeout": self.gateway_request_timeout,
            "max_connections": self.gateway_max_connections,
            "enovia_timeout": self.enovia_timeout,
            "watch_interval": self.gateway_watch_interval,
            "response_cache": "on" if self.gateway_response_cache_entries > 0 else "off",
            "log_format": self.gateway_log_format,
            "log_level": self.gateway_log_level,
            "access_log_sample": self.gateway_access_log_sample,
        }

    def require_enovia(self) -> None:
        """Raise `SettingsError` unless the settings needed to reach ENOVIA are all there."""
        if self.enovia_base_url is None:
            raise SettingsError("ENOVIA_BASE_URL is not set (or run with --demo)")
        if self.enovia_api == "3dexperience":
            self._require_platform()
            return
        if not self.enovia_client_id:
            raise SettingsError("ENOVIA_CLIENT_ID is not set")
        if self.enovia_client_secret is None and self.enovia_client_secret_file is None:
            raise SettingsError("ENOVIA_CLIENT_SECRET or ENOVIA_CLIENT_SECRET_FILE must be set")

    def _require_platform(self) -> None:
        mode = self.tdx_auth_mode
        needed: tuple[tuple[str, object], ...]
        if mode == "batch-service":
            needed = (
                ("TDX_BATCH_SERVICE_NAME", self.tdx_batch_service_name),
                ("TDX_BATCH_SERVICE_SECRET", self.tdx_batch_service_secret),
                ("TDX_IMPERSONATE_USER", self.tdx_impersonate_user),
            )
            secret_file = self.tdx_batch_service_secret_file
        elif mode == "agent":
            needed = (
                ("TDX_AGENT_ID", self.tdx_agent_id),
                ("TDX_AGENT_SECRET", self.tdx_agent_secret),
            )
            secret_file = self.tdx_agent_secret_file
        else:
            needed = (
                ("TDX_USERNAME", self.tdx_username),
                ("TDX_PASSWORD", self.tdx_password),
            )
            secret_file = self.tdx_password_file
        for name, value in needed:
            if value or (value is None and secret_file is not None):
                continue
            also = f" or {name}_FILE" if name.endswith(("_SECRET", "_PASSWORD")) else ""
            raise SettingsError(f"TDX_AUTH_MODE={mode} needs {name}{also}")


def read_keys(value: SecretStr | None, file: Path | None) -> frozenset[str]:
    """The keys of a setting (comma-separated) and of its file (one per line; blank lines and
    lines starting with # skipped), each without the whitespace around it."""
    keys: set[str] = set()
    if value is not None:
        keys.update(value.get_secret_value().split(","))
    if file is not None:
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.lstrip().startswith("#"):
                keys.add(line)
    return frozenset(key.strip() for key in keys if key.strip())


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`; `overrides` win over both.

    Raises `SettingsError` with one line that names the variable and what is wrong with it.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    except PydanticSettingsError as exc:
        # A JSON setting (TDX_STATE_MAP) that is not JSON fails before validation, in a
        # message naming the field in lower case and the source instead of the cause.
        field = re.search(r'field "(\w+)"', str(exc))
        name = field.group(1).upper() if field else "a setting"
        raise SettingsError(f"configuration error: {name}: is not valid JSON") from None


def _one_line(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    name = "_".join(str(part) for part in first["loc"]).upper()
    message = first["msg"].removeprefix("Value error, ")
    if not name:
        return f"configuration error: {message}"
    return f"configuration error: {name}: {message}"


#: The prefixes of the settings' names: a variable with one that names no setting is most
#: likely a misspelt setting, which would otherwise be ignored without a word.
SETTING_PREFIXES = ("ENOVIA_", "GATEWAY_", "TDX_")
#: Every setting's variable (matched case-insensitively, as the settings are read).
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)
#: Variables with those prefixes that the project reads on purpose outside `Settings` (none
#: today): never reported as unknown. A test checks that each one the code reads is either a
#: setting or listed here.
NOT_SETTINGS: frozenset[str] = frozenset()
# What Kubernetes sets for a Service named e.g. `gateway` or `enovia` in the same namespace
# (GATEWAY_SERVICE_HOST, GATEWAY_PORT_8000_TCP_ADDR...): not settings, and no one's typo.
_SERVICE_LINK = re.compile(
    r"(?:ENOVIA|GATEWAY|TDX)_(?:SERVICE_HOST|SERVICE_PORT(?:_\w+)?"
    r"|PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)?)"
)
#: How alike (difflib's ratio) a setting's name must be to be suggested: the names share long
#: prefixes, so that difflib's default (0.6) would suggest unrelated settings.
_SUGGESTION_CUTOFF = 0.8


@dataclass(frozen=True)
class UnknownSetting:
    """A variable named like a setting (`SETTING_PREFIXES`) that is none."""

    #: As it was given (the settings are read whatever the case).
    name: str
    #: "environment", or the path of the `.env` file it is in.
    source: str
    #: The setting it most likely meant, if one is close enough.
    suggestion: str | None

    def __str__(self) -> str:
        where = "" if self.source == "environment" else f" (in {self.source})"
        said = f"{self.name}{where} is not a setting"
        return f"{said}; did you mean {self.suggestion}?" if self.suggestion else said


def unknown_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ENV_FILE
) -> list[UnknownSetting]:
    """The variables of `environ` (the process's environment) and of `env_file` (`.env` in
    the working directory, if there is one) that look like settings but name none, by name,
    each with the closest setting. They are ignored by `load_settings`: this says so."""
    names: dict[str, tuple[str, str]] = {}
    for name in os.environ if environ is None else environ:
        names.setdefault(name.upper(), (name, "environment"))
    if env_file is not None and Path(env_file).is_file():
        for name in dotenv_values(env_file, encoding="utf-8"):
            names.setdefault(name.upper(), (name, str(env_file)))
    unknown = []
    for upper, (name, source) in sorted(names.items()):
        if (
            not upper.startswith(SETTING_PREFIXES)
            or upper in SETTING_NAMES
            or upper in NOT_SETTINGS
            or _SERVICE_LINK.fullmatch(upper)
        ):
            continue
        close = difflib.get_close_matches(
            upper, sorted(SETTING_NAMES), n=1, cutoff=_SUGGESTION_CUTOFF
        )
        unknown.append(UnknownSetting(name, source, close[0] if close else None))
    return unknown


def warn_unknown_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ENV_FILE
) -> None:
    """Log a `settings.unknown_variable` warning for each of `unknown_settings`: once logging
    is configured, at start-up. The gateway starts all the same."""
    for unknown in unknown_settings(environ, env_file):
        logger.warning(
            "settings.unknown_variable",
            variable=unknown.name,
            source=unknown.source,
            suggestion=unknown.suggestion,
            message=str(unknown),
        )
