"""The pure parts: search terms, the lagging index, tickets and sessions, URL helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enovia.simulators.platform.index import HISTORY_LIMIT, SearchIndex
from enovia.simulators.platform.request import same_service, with_ticket, without_param
from enovia.simulators.platform.search_term import (
    SearchSyntaxError,
    SearchTerm,
    parse_search,
    quote_name,
)
from enovia.simulators.platform.tickets import SessionBook, TicketBook
from tests.clocks import FakeClock


@given(st.text(min_size=1).filter(lambda s: s.strip() == s and s))
def test_quoted_names_parse_back(name: str) -> None:
    assert parse_search(quote_name(name)) == SearchTerm(name, by_name=True)


def test_search_terms() -> None:
    assert parse_search('name:"A \\"B\\" \\\\ C"') == SearchTerm('A "B" \\ C', by_name=True)
    assert parse_search("NAME: DOC-1") == SearchTerm("DOC-1", by_name=True)
    assert parse_search(" free text ") == SearchTerm("free text", by_name=False)
    with pytest.raises(SearchSyntaxError):
        parse_search('name:"x" AND y')


def test_the_index_lags() -> None:
    clock = FakeClock()
    index = SearchIndex(clock)
    index.load({"doc-1": ({"v": 1},)})
    clock.advance(10)
    index.record("doc-1", ({"v": 2},))
    index.record("doc-10", ({"v": 3},))
    assert index.prefix("doc-1", lag=0) == [{"v": 2}, {"v": 3}]
    assert index.prefix("doc-1", lag=5) == [{"v": 1}]
    assert index.exact("doc-10", lag=5) == ()
    index.seed("gen-1", ({"v": 4},))
    assert index.exact("gen-1", lag=1000) == ({"v": 4},)
    assert index.knows("doc-10")
    assert not index.knows("doc-2")


def test_a_long_history_keeps_its_oldest_kept_version_for_the_past() -> None:
    clock = FakeClock()
    index = SearchIndex(clock)
    for n in range(HISTORY_LIMIT + 5):
        clock.advance(1)
        index.record("doc", ({"v": n},))
    assert index.exact("doc", lag=0) == ({"v": HISTORY_LIMIT + 4},)
    assert index.exact("doc", lag=10_000) == ({"v": 5},)


def test_tickets_are_single_use_and_expire() -> None:
    clock = FakeClock()
    book: TicketBook[str] = TicketBook("ST-", clock)
    first, second = book.issue("a", 10), book.issue("b", 10)
    assert first.startswith("ST-")
    assert book.redeem(first) == "a"
    assert book.redeem(first) is None
    clock.advance(10)
    assert book.redeem(second) is None
    assert len(book) == 0


def test_sessions_lapse_idle_and_absolute() -> None:
    clock = FakeClock()
    book = SessionBook("", clock, idle=10, absolute=25)
    session_id, _ = book.start("u")
    clock.advance(9)
    assert book.use(session_id) is not None
    clock.advance(9)
    assert book.use(session_id) is not None
    clock.advance(9)
    assert book.use(session_id) is None  # 27 s old
    other, _ = book.start("u")
    clock.advance(10)
    assert book.live_count() == 0
    assert book.use(other) is None


def test_url_helpers() -> None:
    assert without_param("a=1&ticket=ST-1&b=2", "ticket") == "a=1&b=2"
    assert with_ticket("http://h/p", "ST-1") == "http://h/p?ticket=ST-1"
    assert with_ticket("http://h/p?a=1", "ST-1") == "http://h/p?a=1&ticket=ST-1"
    assert same_service("http://h/p%20q?a=1&b=2", "https://other/p q?b=2&a=1&ticket=x")
    assert not same_service("http://h/p?a=1", "http://h/p?a=2")
    assert not same_service("http://h/p", "http://h/q")
