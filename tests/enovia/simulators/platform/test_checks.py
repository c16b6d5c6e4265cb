"""What every 3DSpace call is checked for: SecurityContext, the CSRF token, the tenant."""

from __future__ import annotations

import httpx
import pytest

from enovia.simulators.platform import (
    DEFAULT_CONTEXT,
    DOC_BRANCHED,
    PlatformSimulatorConfig,
    PlatformUser,
)
from enovia.simulators.platform.model import DOCUMENT_TYPE, object_id
from tests.enovia.simulators.platform.conftest import PlatformFactory
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    AGENT_SECRET,
    CONTEXT_HEADERS,
    CSRF_PATH,
    PASSWORD,
    PERSON_PATH,
    SEARCH_PATH,
    USER,
    Platform,
    basic,
    by_ids,
    graph,
    search,
)

OTHER_CONTEXT = "VPLMCreator.Company Name.Design"
AN_ID = object_id(DOC_BRANCHED, DOCUMENT_TYPE, "A")


def assert_platform_error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    for word in words:
        assert word.lower() in body["error"].lower()


def test_security_context_is_required_under_v1(platform: Platform) -> None:
    client = platform.batch_login()
    for response in (
        client.get(CSRF_PATH),
        search(client, DOC_BRANCHED),
        client.get(f"/3dspace/resources/v1/modeler/documents/{AN_ID}"),
    ):
        assert_platform_error(response, 400, "SecurityContext")
    # pno/person is not under v1: it is how a client finds its context.
    assert client.get(PERSON_PATH, params={"current": "true"}).status_code == 200


def test_an_unknown_security_context_is_forbidden(platform: Platform) -> None:
    client = platform.batch_login()
    response = client.get(
        SEARCH_PATH, params={"searchStr": "x"}, headers={"SecurityContext": "Nobody.Nowhere.None"}
    )
    assert_platform_error(response, 403, "Invalid SecurityContext")
    assert response.json()["error"].startswith("Invalid SecurityContext")


def test_the_ctx_prefix_is_accepted(platform: Platform) -> None:
    client = platform.batch_login()
    response = client.get(CSRF_PATH, headers={"SecurityContext": f"ctx::{DEFAULT_CONTEXT}"})
    assert response.status_code == 200


def test_a_context_the_user_may_not_use(make_platform: PlatformFactory) -> None:
    config = PlatformSimulatorConfig(
        security_contexts=(DEFAULT_CONTEXT, OTHER_CONTEXT),
        users=(PlatformUser(USER, PASSWORD, contexts=(DEFAULT_CONTEXT,)),),
    )
    platform = make_platform(config)
    client = platform.batch_login()
    assert client.get(CSRF_PATH, headers={"SecurityContext": DEFAULT_CONTEXT}).status_code == 200
    response = client.get(CSRF_PATH, headers={"SecurityContext": OTHER_CONTEXT})
    assert_platform_error(response, 403, "Invalid SecurityContext")


def test_posts_need_the_csrf_token(platform: Platform) -> None:
    client = platform.batch_login()
    client.headers.update(CONTEXT_HEADERS)
    # None fetched yet: nothing to compare with.
    assert_platform_error(graph(client, AN_ID), 403, "CSRF")
    token = client.get(CSRF_PATH).json()["csrf"]["value"]
    assert_platform_error(graph(client, AN_ID), 403, "CSRF")
    client.headers["ENO_CSRF_TOKEN"] = "wrong"
    assert_platform_error(by_ids(client, AN_ID), 403, "CSRF")
    client.headers["ENO_CSRF_TOKEN"] = token
    assert graph(client, AN_ID).status_code == 200
    assert by_ids(client, AN_ID).status_code == 200
    assert platform.stats()["csrf_refusals"] == 3


def test_one_csrf_token_per_session(platform: Platform) -> None:
    first = platform.batch_login()
    first.headers.update(CONTEXT_HEADERS)
    token = first.get(CSRF_PATH).json()["csrf"]["value"]
    assert first.get(CSRF_PATH).json()["csrf"]["value"] == token
    second = platform.batch_login()
    second.headers.update(CONTEXT_HEADERS)
    other = second.get(CSRF_PATH).json()["csrf"]["value"]
    assert other != token
    # A token is its session's only.
    second.headers["ENO_CSRF_TOKEN"] = token
    assert graph(second, AN_ID).status_code == 403


def test_a_new_session_gets_a_new_token(platform: Platform) -> None:
    client = platform.session()
    old = client.headers["ENO_CSRF_TOKEN"]
    platform.admin.post("/_sim/sessions/expire")
    service = {"service": platform.service_url()}
    client.get("/3dpassport/login", params=service, follow_redirects=True)
    assert graph(client, AN_ID).status_code == 403
    new = client.get(CSRF_PATH).json()["csrf"]["value"]
    assert new != old


def test_stale_csrf_tokens_make_the_client_refetch(platform: Platform) -> None:
    client = platform.session()
    old = client.headers["ENO_CSRF_TOKEN"]
    assert platform.faults(csrf_reject_next=1)["csrf_reject_next"] == 1
    assert_platform_error(graph(client, AN_ID), 403, "CSRF")
    assert platform.faults()["csrf_reject_next"] == 0
    new = client.get(CSRF_PATH).json()["csrf"]["value"]
    assert new != old
    assert_platform_error(graph(client, AN_ID), 403, "CSRF")  # the old one is dead
    client.headers["ENO_CSRF_TOKEN"] = new
    assert graph(client, AN_ID).status_code == 200


def test_csrf_reject_next_counts_posts(platform: Platform) -> None:
    client = platform.session()
    platform.faults(csrf_reject_next=2)
    for _ in range(2):
        assert by_ids(client, AN_ID).status_code == 403
        client.headers["ENO_CSRF_TOKEN"] = client.get(CSRF_PATH).json()["csrf"]["value"]
    assert by_ids(client, AN_ID).status_code == 200


def test_the_agent_has_one_token_until_sessions_end(platform: Platform) -> None:
    client = platform.agent()
    token = client.headers["ENO_CSRF_TOKEN"]
    assert platform.agent().headers["ENO_CSRF_TOKEN"] == token
    assert graph(client, AN_ID).status_code == 200
    platform.admin.post("/_sim/sessions/expire")
    assert graph(client, AN_ID).status_code == 403
    assert client.get(CSRF_PATH).json()["csrf"]["value"] != token


@pytest.fixture
def tenant_platform(make_platform: PlatformFactory) -> Platform:
    return make_platform(PlatformSimulatorConfig(tenant="R1132100001"))


@pytest.mark.parametrize("params", [{}, {"tenant": "R999"}, {"tenant": ""}])
def test_a_tenant_platform_needs_its_tenant(
    tenant_platform: Platform, params: dict[str, str]
) -> None:
    client = tenant_platform.client(
        headers={"Authorization": basic(AGENT_ID, AGENT_SECRET), **CONTEXT_HEADERS}
    )
    for response in (
        client.get(PERSON_PATH, params={"current": "true", **params}),
        client.get(CSRF_PATH, params=params),
    ):
        assert_platform_error(response, 403, "tenant")


def test_a_tenant_platform_with_its_tenant(tenant_platform: Platform) -> None:
    client = tenant_platform.agent(tenant="R1132100001")
    response = client.get(PERSON_PATH, params={"current": "true"})
    assert response.status_code == 200
    assert graph(client, AN_ID).status_code == 200


def test_an_on_premises_platform_ignores_a_tenant(platform: Platform) -> None:
    client = platform.agent(tenant="anything")
    assert graph(client, AN_ID).status_code == 200
