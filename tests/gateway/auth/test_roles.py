"""Roles: admin and metrics credentials beside the clients', in every auth mode; which claims
make a token an admin's; 403 for valid credentials of another role, 401 for none."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest

from gateway.auth import Access, AdminClaims, AuthConfig, Identity, classify, key_id
from tests.gateway.auth.conftest import GRAPHQL, Client, JwksServer, bearer, jwt_config, mint

CLIENT_KEY = "client-key-3a7d0c1e9b5f2a4d"
ADMIN_KEY = "admin-key-8e2b6f0a4c1d7e3b"
METRICS_KEY = "metrics-key-5c9a1e7b3d0f6a2c"
OTHER_KEY = "nobodys-key-0f1e2d3c4b5a6978"
HINT = "set THE_ADMIN_SETTING"
ADMIN = "/api/v1/admin/invalidate"
BODY = {"uids": ["DOC-001"]}


def config(mode: str = "api-key", **overrides: Any) -> AuthConfig:
    values: dict[str, Any] = {
        "mode": mode,
        "api_keys": frozenset({CLIENT_KEY}) if mode == "api-key" else frozenset(),
        "admin_api_keys": frozenset({ADMIN_KEY}),
        "metrics_api_keys": frozenset({METRICS_KEY}),
        "admin_hint": HINT,
    }
    values.update(overrides)
    return AuthConfig(**values)


def error(response: httpx.Response, status: int, code: str) -> str:
    """The one error's message, once the answer is `status` with a GraphQL error document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert list(body) == ["errors"], body  # no `data`: nothing ran
    [only] = body["errors"]
    assert only["extensions"] == {"code": code}
    return str(only["message"])


def key(value: str) -> dict[str, str]:
    return {"X-API-Key": value}


# --- the kinds of path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "protect", "access"),
    [
        ("/api/v1/admin/invalidate", True, Access.ADMIN),
        ("/api/v1/admin/invalidate", False, Access.ADMIN),
        ("/metrics", True, Access.OPERATIONS),
        ("/api/v1/health/detailed", True, Access.OPERATIONS),
        ("/metrics", False, Access.OPEN),
        ("/graphql", True, Access.GUARDED),
    ],
)
def test_classify(path: str, protect: bool, access: Access):
    scope = {"type": "http", "method": "POST", "path": path, "query_string": b""}
    assert classify(scope, protect_operations=protect) is access


# --- which claims make an admin ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "granted"),
    [
        ({"scope": "openid gateway:admin profile"}, True),
        ({"scope": "gateway:admin"}, True),
        ({"scp": "read gateway:admin"}, True),  # Entra ID: a space-separated string
        ({"scp": ["read", "gateway:admin"]}, True),  # Okta: a list
        ({"scope": "openid gateway:admins"}, False),
        ({"scope": "GATEWAY:ADMIN"}, False),  # exact
        ({"scope": ["gateway:admin"]}, False),  # `scope` is a string by its RFCs
        ({"scp": [["gateway:admin"]]}, False),
        ({"scp": {"gateway:admin": True}}, False),
        ({}, False),
    ],
)
def test_the_admin_scope(claims: dict[str, Any], granted: bool):
    assert AdminClaims(scope="gateway:admin").grants(claims) is granted


@pytest.mark.parametrize(
    ("claims", "granted"),
    [
        ({"roles": ["reader", "Gateway.Admin"]}, True),  # RFC 9068, Entra ID app roles
        ({"roles": "Gateway.Admin"}, True),  # a single role as a string
        ({"realm_access": {"roles": ["Gateway.Admin"]}}, True),  # Keycloak realm roles
        ({"roles": "Gateway.Admin other"}, False),  # a string is one role, not a list
        ({"roles": ["gateway.admin"]}, False),
        ({"scope": "Gateway.Admin"}, False),  # a role is not a scope
        ({"realm_access": ["Gateway.Admin"]}, False),
        ({"realm_access": {"roles": "Gateway.Admin"}}, False),
        ({"resource_access": {"gateway": {"roles": ["Gateway.Admin"]}}}, False),
    ],
)
def test_the_admin_role(claims: dict[str, Any], granted: bool):
    assert AdminClaims(role="Gateway.Admin").grants(claims) is granted


def test_without_a_scope_or_role_no_claims_grant_anything():
    rule = AdminClaims()
    assert not rule.configured
    assert not rule.grants({"scope": "admin", "roles": ["admin"], "scp": ["admin"]})


# --- the configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"api_keys": frozenset({CLIENT_KEY, ADMIN_KEY})}, "api_keys and admin_api_keys"),
        ({"api_keys": frozenset({CLIENT_KEY, METRICS_KEY})}, "api_keys and metrics_api_keys"),
        ({"metrics_api_keys": frozenset({ADMIN_KEY})}, "admin_api_keys and metrics_api_keys"),
        ({"admin_api_keys": frozenset({ADMIN_KEY + " "})}, "whitespace"),
        ({"metrics_api_keys": frozenset({""})}, "empty"),
        ({"jwt_admin_scope": "gateway:admin"}, "needs auth mode jwt"),
        ({"jwt_admin_role": "admin"}, "needs auth mode jwt"),
    ],
)
def test_keys_have_one_role_and_claims_need_jwt(values: dict[str, Any], words: str):
    with pytest.raises(ValueError, match=words) as caught:
        config(**values)
    for secret in (CLIENT_KEY, ADMIN_KEY, METRICS_KEY):
        assert secret not in str(caught.value)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"jwt_admin_scope": "gateway:admin other"}, "one scope"),
        ({"jwt_admin_scope": ""}, "one scope"),
        ({"jwt_admin_role": " admin"}, "whitespace"),
        ({"jwt_admin_role": ""}, "empty"),
    ],
)
def test_a_jwt_admin_scope_is_one_word_and_a_role_not_blank(values: dict[str, Any], words: str):
    with pytest.raises(ValueError, match=words):
        AuthConfig(mode="jwt", jwks_url="https://idp.example.com/jwks", **values)


def test_no_key_list_shows_in_repr():
    text = repr(config())
    for secret in (CLIENT_KEY, ADMIN_KEY, METRICS_KEY):
        assert secret not in text


def test_admin_is_enabled_by_a_key_or_in_jwt_mode_a_scope_or_role():
    assert not AuthConfig().admin_enabled
    assert AuthConfig(admin_api_keys=frozenset({ADMIN_KEY})).admin_enabled
    url = "https://idp.example.com/jwks"
    assert not AuthConfig(mode="jwt", jwks_url=url).admin_enabled
    assert AuthConfig(mode="jwt", jwks_url=url, jwt_admin_scope="a").admin_enabled
    assert AuthConfig(mode="jwt", jwks_url=url, jwt_admin_role="a").admin_enabled


# --- administration closed until configured ---------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "api-key", "jwt"])
async def test_administration_is_refused_in_every_mode_until_configured(
    make_client: Client, jwks: JwksServer, rsa_key, mode: str
):
    values: dict[str, Any] = {"admin_api_keys": frozenset()}
    if mode == "jwt":
        values["jwks_url"] = jwks.url
    client = make_client(config(mode, **values))
    for headers in ({}, key(CLIENT_KEY), key(ADMIN_KEY), bearer(mint(rsa_key, "rsa-1"))):
        response = await client.post(ADMIN, json=BODY, headers=headers)
        message = error(response, 403, "FORBIDDEN")
        assert message.startswith("administration is disabled: no admin credential")
        assert message.endswith(HINT)
        assert "www-authenticate" not in response.headers
    assert jwks.hits == 0  # nothing was even checked


# --- admin keys -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "api-key", "jwt"])
async def test_an_admin_key_works_in_every_mode(make_client: Client, jwks: JwksServer, mode: str):
    values = {"jwks_url": jwks.url} if mode == "jwt" else {}
    client = make_client(config(mode, **values))
    for headers in (key(ADMIN_KEY), bearer(ADMIN_KEY)):
        response = await client.post(ADMIN, json=BODY, headers=headers)
        assert response.status_code == 200, response.text
        identity = response.json()["identity"]
        assert identity == {
            "kind": "api-key",
            "id": key_id(ADMIN_KEY),
            "sub": None,
            "roles": ["admin"],
        }
    assert jwks.hits == 0


@pytest.mark.parametrize("mode", ["none", "api-key", "jwt"])
async def test_no_or_unknown_credentials_on_the_admin_path_are_401(
    make_client: Client, jwks: JwksServer, mode: str
):
    values = {"jwks_url": jwks.url} if mode == "jwt" else {}
    client = make_client(config(mode, **values))
    missing = await client.post(ADMIN, json=BODY)
    assert "missing credentials" in error(missing, 401, "UNAUTHENTICATED")
    assert missing.headers["www-authenticate"] == "Bearer"
    unknown = await client.post(ADMIN, json=BODY, headers=bearer(OTHER_KEY))
    error(unknown, 401, "UNAUTHENTICATED")
    assert unknown.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert OTHER_KEY not in unknown.text
    basic = await client.post(ADMIN, json=BODY, headers={"Authorization": f"Basic {ADMIN_KEY}"})
    error(basic, 401, "UNAUTHENTICATED")


async def test_a_client_key_may_query_but_not_administer(make_client: Client):
    client = make_client(config())
    response = await client.post(ADMIN, json=BODY, headers=key(CLIENT_KEY))
    assert "may not administer" in error(response, 403, "FORBIDDEN")
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    assert (await client.post("/graphql", json=GRAPHQL, headers=key(CLIENT_KEY))).is_success


@pytest.mark.parametrize("mode", ["api-key", "jwt"])
async def test_an_admin_or_metrics_key_is_no_clients(
    make_client: Client, jwks: JwksServer, mode: str
):
    values = {"jwks_url": jwks.url} if mode == "jwt" else {}
    client = make_client(config(mode, **values))
    for secret in (ADMIN_KEY, METRICS_KEY):
        for headers in (key(secret), bearer(secret)):
            response = await client.post("/graphql", json=GRAPHQL, headers=headers)
            assert "may not query" in error(response, 403, "FORBIDDEN")
    assert jwks.hits == 0


async def test_in_mode_none_queries_stay_open_whatever_is_presented(make_client: Client):
    client = make_client(config("none"))
    for headers in ({}, key(ADMIN_KEY), key(METRICS_KEY), key(OTHER_KEY)):
        response = await client.post("/graphql", json=GRAPHQL, headers=headers)
        assert response.status_code == 200
        assert response.json()["identity"]["kind"] == "anonymous"


# --- metrics keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "api-key", "jwt"])
@pytest.mark.parametrize("path", ["/metrics", "/api/v1/health/detailed"])
async def test_a_metrics_key_reads_the_operations_paths_in_every_mode(
    make_client: Client, jwks: JwksServer, mode: str, path: str
):
    values = {"jwks_url": jwks.url} if mode == "jwt" else {}
    client = make_client(config(mode, **values))
    response = await client.get(path, headers=bearer(METRICS_KEY))
    assert response.status_code == 200, response.text
    if mode != "none":  # in mode none everyone is an anonymous client
        identity = response.json()["identity"]
        assert identity == {
            "kind": "api-key",
            "id": key_id(METRICS_KEY),
            "sub": None,
            "roles": ["metrics"],
        }
        unknown = await client.get(path, headers=bearer(OTHER_KEY))
        error(unknown, 401, "UNAUTHENTICATED")


async def test_a_metrics_key_may_not_administer(make_client: Client):
    response = await make_client(config()).post(ADMIN, json=BODY, headers=key(METRICS_KEY))
    assert "may not administer" in error(response, 403, "FORBIDDEN")


async def test_clients_still_read_the_operations_paths_and_admins_do_not(make_client: Client):
    client = make_client(config())
    assert (await client.get("/metrics", headers=key(CLIENT_KEY))).status_code == 200
    refused = await client.get("/metrics", headers=key(ADMIN_KEY))
    assert "may not read" in error(refused, 403, "FORBIDDEN")


# --- admin tokens -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "claims"),
    [
        ({"jwt_admin_scope": "gateway:admin"}, {"scope": "openid gateway:admin"}),
        ({"jwt_admin_scope": "gateway:admin"}, {"scp": ["gateway:admin"]}),
        ({"jwt_admin_role": "gateway-admin"}, {"roles": ["gateway-admin"]}),
        ({"jwt_admin_role": "gateway-admin"}, {"realm_access": {"roles": ["gateway-admin"]}}),
    ],
)
async def test_a_token_with_the_admin_scope_or_role_administers_and_still_queries(
    make_client: Client,
    jwks: JwksServer,
    rsa_key,
    settings: dict[str, str],
    claims: dict[str, Any],
):
    client = make_client(jwt_config(jwks, **settings))
    token = bearer(mint(rsa_key, "rsa-1", sub="plm-operator", **claims))
    response = await client.post(ADMIN, json=BODY, headers=token)
    assert response.status_code == 200, response.text
    assert response.json()["identity"] == {
        "kind": "jwt",
        "id": "plm-operator",
        "sub": "plm-operator",
        "roles": ["admin", "client"],
    }
    assert (await client.post("/graphql", json=GRAPHQL, headers=token)).status_code == 200


async def test_a_token_without_them_is_forbidden_and_a_bad_one_unauthenticated(
    make_client: Client, jwks: JwksServer, rsa_key
):
    client = make_client(jwt_config(jwks, jwt_admin_scope="gateway:admin"))
    plain = bearer(mint(rsa_key, "rsa-1", scope="openid documents:read"))
    response = await client.post(ADMIN, json=BODY, headers=plain)
    assert "may not administer" in error(response, 403, "FORBIDDEN")
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    expired = bearer(mint(rsa_key, "rsa-1", scope="gateway:admin", exp=1))
    assert "expired" in error(
        await client.post(ADMIN, json=BODY, headers=expired), 401, "UNAUTHENTICATED"
    )
    assert (await client.post(ADMIN, json=BODY)).status_code == 401


# --- the record -------------------------------------------------------------------------------


async def test_an_admins_request_is_logged_by_id_never_by_key(
    make_client: Client, json_logs: io.StringIO
):
    client = make_client(config())
    await client.post(ADMIN, json=BODY, headers=key(ADMIN_KEY))
    await client.post(ADMIN, json=BODY, headers=key(CLIENT_KEY))
    await client.post(ADMIN, json=BODY, headers=key(OTHER_KEY))
    output = json_logs.getvalue()
    events = [json.loads(line) for line in output.splitlines()]
    admin = [event for event in events if event["event"] == "auth.admin"]
    assert [(e["client_id"], e["path"], e["method"]) for e in admin] == [
        (key_id(ADMIN_KEY), ADMIN, "POST")
    ]
    assert [event["event"] for event in events].count("auth.forbidden") == 1
    assert [event["event"] for event in events].count("auth.refused") == 1
    for secret in (ADMIN_KEY, CLIENT_KEY, OTHER_KEY):
        assert secret not in output


def test_an_identity_is_a_client_unless_told_otherwise():
    assert Identity(kind="anonymous", id="::1").roles == {"client"}
