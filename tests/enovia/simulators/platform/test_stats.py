"""Call statistics: by endpoint template and path, statuses, and the platform's events."""

from __future__ import annotations

from enovia.simulators.facade.model import revision_object_id
from enovia.simulators.platform import (
    AUTH_PARAMS,
    BATCH_TICKET,
    CSRF,
    DOCUMENT,
    GRAPH,
    LOGIN_PAGE,
    PERSON,
    SEARCH,
    TEMPLATES,
    TRANSIENT_LOGIN,
    UNMATCHED,
)
from tests.enovia.simulators.expected import fresh_stats
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    DOCUMENTS_PATH,
    PERSON_PATH,
    Platform,
    basic,
    graph,
    search,
)

DOC_A = revision_object_id("DOC-001", "A")


def test_fresh_stats_shape(platform: Platform) -> None:
    assert platform.stats() == {
        **fresh_stats(TEMPLATES),
        "logins": 0,
        "passport_logins": 0,
        "session_losses": 0,
        "tickets_refused": 0,
        "csrf_refusals": 0,
        "sessions_active": 0,
    }


def test_every_template_is_a_method_and_a_path() -> None:
    assert TEMPLATES[-1] == UNMATCHED
    assert all(t.split(" ", 1)[0] in ("GET", "POST") for t in TEMPLATES[:-1])
    assert "POST /3dspace/resources/v1/modeler/dslc/version/getGraph" in TEMPLATES
    assert "GET /3dspace/resources/v1/modeler/documents/search" in TEMPLATES
    assert "GET /3dpassport/api/v2/batch/ticket" in TEMPLATES


def test_a_batch_login_and_a_few_calls_are_counted(platform: Platform) -> None:
    client = platform.session()
    search(client, "DOC-001")
    client.get(f"{DOCUMENTS_PATH}/{DOC_A}")
    client.get(f"{DOCUMENTS_PATH}/{DOC_A}")
    graph(client, DOC_A)
    client.get("/3dspace/resources/v2/nothing")
    stats = platform.stats()
    assert stats["calls"] == {
        **dict.fromkeys(TEMPLATES, 0),
        BATCH_TICKET: 1,
        TRANSIENT_LOGIN: 1,
        LOGIN_PAGE: 1,
        PERSON: 2,  # the ticket's redemption, then the resource
        CSRF: 1,
        SEARCH: 1,
        DOCUMENT: 2,
        GRAPH: 1,
        UNMATCHED: 1,
    }
    assert stats["calls_by_path"][f"{DOCUMENTS_PATH}/{DOC_A}"] == 2
    assert stats["calls_by_path"][PERSON_PATH] == 2
    assert stats["statuses"] == {"200": 8, "302": 2, "404": 1}
    assert stats["total"] == 11
    assert (stats["token_requests"], stats["logins"], stats["passport_logins"]) == (1, 1, 1)
    assert stats["sessions_active"] == 1
    assert stats["peak_concurrency"] == 1


def test_refusals_are_counted(platform: Platform) -> None:
    client = platform.client()
    client.get(PERSON_PATH, params={"current": "true"})
    client.get(PERSON_PATH, params={"ticket": "ST-made-up"})
    client.get(PERSON_PATH, headers={"Authorization": basic(AGENT_ID, "wrong")})
    session = platform.session()
    session.headers["ENO_CSRF_TOKEN"] = "wrong"
    graph(session, DOC_A)
    stats = platform.stats()
    assert stats["session_losses"] == 2
    assert stats["tickets_refused"] == 1
    assert stats["unauthorized"] == 1
    assert stats["csrf_refusals"] == 1


def test_admin_calls_are_not_counted_and_reset_zeroes(platform: Platform) -> None:
    platform.client().get("/3dpassport/login", params={"action": "get_auth_params"})
    platform.admin.get("/_sim/faults")
    platform.admin.get("/_sim/documents/DOC-001")
    assert platform.stats()["calls"][AUTH_PARAMS] == 1
    assert platform.stats()["total"] == 1
    platform.admin.post("/_sim/reset")
    assert platform.stats()["total"] == 0
