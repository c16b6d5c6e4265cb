"""Compiled plans answer exactly as graphql-core: each query run both ways on the same data.

The gateway's real services (store, loaders, the ENOVIA client) over a real simulator, on each
upstream. Every query is answered first the full way (Strawberry and graphql-core, which
never use a plan), then by its compiled plan, then the short way, which uses the plan when
it answers and graphql-core when it does not: the three must be equal, data and errors.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from graphql.execution import Executor

from enovia.simulators.facade.data import (
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_UNKNOWN_STATE,
)
from enovia.simulators.platform.data import DOC_BRANCHED, DOC_OBSOLETE_CHAIN
from gateway.request_context import request_context
from gateway.services import Services, open_services
from gateway.settings import Settings
from schema import GatewaySchema, create_schema
from schema.compiled_query import CompiledQuery
from schema.planned_executor import PlannedExecutor
from tests.gateway.conftest import Simulator, no_sleep, settings_for
from tests.gateway.testbeds import PlatformSimulator, platform_settings_for

QUERIES_DIR = Path(__file__).parents[2] / "queries"

FACADE_UIDS = [
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_IN_WORK_ONLY,  # no released revision: latestRevision is null, not an error
    DOC_UNKNOWN_STATE,
]

EVERYTHING_OF_A_DOCUMENT = """
query Everything($uid: ID!, $label: String!) {
  document(uid: $uid) {
    __typename uid title number type createdAt updatedAt checkedAt freshness
    latestRevision {
      __typename id documentUid revision maturityState releasedDate supersededBy
      lastModified pages checkedAt freshness isActual
      businessStatus { __typename code ru: label(lang: "ru") en: label(lang: "en") label }
    }
    asked: revision(revision: $label) {
      revision isActual businessStatus { code label(lang: "en") }
    }
    first: revision(revision: "A") { revision maturityState }
  }
}
"""

FRAGMENTS = """
query WithFragments($uids: [ID!]!, $lang: String) {
  __typename
  documents(uids: $uids) {
    ...Card
    ... on Document { uid number }
    latestRevision { ...Status revision }
    again: latestRevision { revision @skip(if: true) maturityState @include(if: true) }
  }
  one: document(uid: "DOC-001") { ...Card }
}
fragment Card on Document { uid title latestRevision { ...Status } }
fragment Status on Revision { businessStatus { code label(lang: $lang) } }
"""

LISTED_REVISIONS = """
query Listed($uid: ID!) {
  document(uid: $uid) {
    uid
    revisions { revision maturityState supersededBy isActual businessStatus { code } }
  }
}
"""


def queries_dir(name: str) -> str:
    return (QUERIES_DIR / f"{name}.graphql").read_text(encoding="utf-8")


#: (query, variables) answered whole by the plan on the facade: nothing missing, no error.
FACADE_COMPILED: list[tuple[str, dict[str, Any]]] = [
    (queries_dir("DocumentCard"), {"uid": DOC_SUPERSEDED_THEN_RELEASED, "lang": "en"}),
    (queries_dir("DocumentCard"), {"uid": DOC_IN_WORK_ONLY}),
    (queries_dir("DocumentList"), {"uids": FACADE_UIDS, "lang": "ru"}),
    (EVERYTHING_OF_A_DOCUMENT, {"uid": DOC_SUPERSEDED_THEN_RELEASED, "label": "B"}),
    (EVERYTHING_OF_A_DOCUMENT, {"uid": DOC_RELEASED_THEN_IN_WORK, "label": "A"}),
    (EVERYTHING_OF_A_DOCUMENT, {"uid": DOC_UNKNOWN_STATE, "label": "A"}),
    (FRAGMENTS, {"uids": FACADE_UIDS, "lang": "en"}),
    (FRAGMENTS, {"uids": [DOC_IN_WORK_ONLY]}),
]

#: Answered with errors: the plan gives way, graphql-core locates and reports them.
FACADE_WITH_ERRORS: list[tuple[str, dict[str, Any]]] = [
    (queries_dir("DocumentCard"), {"uid": DOC_MISSING}),
    (queries_dir("DocumentCard"), {"uid": DOC_GONE}),
    (queries_dir("DocumentList"), {"uids": [DOC_SUPERSEDED_THEN_RELEASED, DOC_MISSING]}),
    (queries_dir("DocumentList"), {"uids": ["bad\x01uid", DOC_IN_WORK_ONLY]}),
    (EVERYTHING_OF_A_DOCUMENT, {"uid": DOC_SUPERSEDED_THEN_RELEASED, "label": "Z"}),
    # The facade cannot list revisions: an error on that field only.
    (LISTED_REVISIONS, {"uid": DOC_SUPERSEDED_THEN_RELEASED}),
]

PLATFORM_COMPILED: list[tuple[str, dict[str, Any]]] = [
    (LISTED_REVISIONS, {"uid": DOC_OBSOLETE_CHAIN}),
    (LISTED_REVISIONS, {"uid": DOC_BRANCHED}),
    (queries_dir("DocumentList"), {"uids": [DOC_OBSOLETE_CHAIN, DOC_BRANCHED], "lang": "en"}),
]

#: Documents a plan does not express: an async resolver, introspection.
NOT_COMPILED: list[tuple[str, dict[str, Any]]] = [
    (queries_dir("ScanCheck"), {"uid": DOC_SUPERSEDED_THEN_RELEASED, "revision": "B"}),
    ("{ __schema { queryType { name } } }", {}),
    ('{ __type(name: "Document") { name } }', {}),
    ("{ health { enovia } }", {}),
]


@asynccontextmanager
async def services_for(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings, sleep=no_sleep) as services:
        yield services


Context = Callable[[], Any]


def formatted(result: Any) -> tuple[Any, list[dict[str, Any]]]:
    return result.data, [error.formatted for error in result.errors or ()]


def compiled(
    schema: GatewaySchema, query: str, variables: dict[str, Any], context: Any
) -> CompiledQuery | None:
    """The plan of prepared `query` (it must have run once), compiled afresh."""
    prepared = schema.prepared.ready(query, None, variables)
    assert prepared is not None
    executor = PlannedExecutor.build(
        schema._schema, prepared.document, None, context, variables, None
    )
    assert isinstance(executor, Executor)
    return CompiledQuery.compile(executor)


async def short_way(
    schema: GatewaySchema, query: str, variables: dict[str, Any], context: Any
) -> Any:
    """Prepared `query` answered the short way (it must have run once)."""
    prepared = schema.prepared.ready(query, None, variables)
    assert prepared is not None
    return await schema.prepared.execute(
        prepared, query, variables=variables, operation_name=None, extensions=None, context=context
    )


async def both_ways(
    schema: GatewaySchema, context: Context, query: str, variables: dict[str, Any]
) -> tuple[Any, Any, dict[str, Any] | None]:
    """The full way's answer, the short way's, and the compiled plan's data (None: it
    gave way), each on a request of its own; the data is loaded (warm) beforehand."""
    await schema.execute(query, variable_values=variables, context_value=context())
    full = await schema.execute(query, variable_values=variables, context_value=context())
    plan = compiled(schema, query, variables, context())
    data = None if plan is None else plan.run(context(), variables)
    short = await short_way(schema, query, variables, context())
    return full, short, data


async def run_corpus(
    settings: Settings,
    compiled: list[tuple[str, dict[str, Any]]],
    with_errors: list[tuple[str, dict[str, Any]]],
) -> None:
    async with services_for(settings) as services:
        schema = create_schema()

        def context() -> Any:
            return request_context(services, accept_language="en-GB,ru;q=0.5")

        for query, variables in compiled:
            full, short, data = await both_ways(schema, context, query, variables)
            assert full.errors is None, (variables, full.errors)
            assert data is not None, f"the plan gave way on {variables}"
            assert data == full.data
            assert formatted(short) == formatted(full)
        for query, variables in with_errors:
            full, short, data = await both_ways(schema, context, query, variables)
            assert full.errors, variables
            assert data is None
            assert formatted(short) == formatted(full)


async def test_the_plan_answers_as_graphql_core_on_the_facade(sim: Simulator):
    await run_corpus(settings_for(sim.base_url), FACADE_COMPILED, FACADE_WITH_ERRORS)


async def test_the_plan_answers_as_graphql_core_on_the_3dexperience_platform(
    platform_sim: PlatformSimulator,
):
    await run_corpus(platform_settings_for(platform_sim.base_url), PLATFORM_COMPILED, [])


async def test_what_a_plan_does_not_express_is_not_compiled(sim: Simulator):
    async with services_for(settings_for(sim.base_url)) as services:
        schema = create_schema()
        for query, variables in NOT_COMPILED:
            context = request_context(services)
            await schema.execute(query, variable_values=variables, context_value=context)
            assert compiled(schema, query, variables, context) is None, query


async def test_a_cold_query_gives_way_and_costs_no_more_enovia_calls(sim: Simulator):
    """Data still to load: the plan stops at the first awaitable (closed, never started), and
    graphql-core runs the resolvers again on the same loads: the same calls as the full way,
    the same answer, and no coroutine left unawaited."""
    uids = [DOC_SUPERSEDED_THEN_RELEASED, DOC_RELEASED_THEN_IN_WORK, DOC_IN_WORK_ONLY]
    query = queries_dir("DocumentList")
    async with services_for(settings_for(sim.base_url)) as services:
        schema = create_schema()
        # The full way, cold: prepares the document and counts its calls.
        before = sim.calls()
        full = await schema.execute(
            query, variable_values={"uids": uids}, context_value=request_context(services)
        )
        full_calls = sim.calls() - before
        assert full_calls == 2 * len(uids)  # each document and its latest revision
        await services.store.cache.close()  # cold again (the memory cache: emptied)
        prepared = schema.prepared.ready(query, None, {"uids": uids})
        assert prepared is not None
        before = sim.calls()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            short = await short_way(schema, query, {"uids": uids}, request_context(services))
            gc.collect()  # a coroutine dropped unawaited would warn here
        assert sim.calls() - before == full_calls
        assert prepared.compiled[None] is not None  # compiled, and gave way to graphql-core
    assert short.errors is None
    assert strip_freshness(short.data) == strip_freshness(full.data)


def strip_freshness(data: Any) -> Any:
    """The answer without when and how fresh: two cold loads differ only there."""
    if isinstance(data, dict):
        return {
            key: strip_freshness(value)
            for key, value in data.items()
            if key not in ("checkedAt", "freshness")
        }
    if isinstance(data, list):
        return [strip_freshness(item) for item in data]
    return data


async def test_variables_that_do_not_fit_are_graphql_cores_to_refuse(sim: Simulator):
    query = queries_dir("DocumentCard")
    uid = DOC_SUPERSEDED_THEN_RELEASED
    async with services_for(settings_for(sim.base_url)) as services:
        schema = create_schema()
        await schema.execute(
            query, variable_values={"uid": uid}, context_value=request_context(services)
        )
        for variables in ({"uid": None}, {"uid": uid, "lang": 5}, {}):
            full = await schema.execute(
                query, variable_values=variables, context_value=request_context(services)
            )
            short = await short_way(schema, query, variables, request_context(services))
            assert full.errors
            assert formatted(short) == formatted(full)
