"""The sample data and the configuration."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from enovia.simulators.facade import (
    CATALOGUE_UIDS,
    RELEASED_STATES,
    SAMPLE_UIDS,
    SEED_STATES,
    UNKNOWN_STATE,
    WELL_KNOWN_UIDS,
    SimulatorConfig,
)
from enovia.simulators.facade.data import (
    DOCUMENT_TYPES,
    generated_document,
    generated_number,
    sample_documents,
)
from enovia.simulators.facade.model import Document


def test_sample_data_is_the_same_every_time() -> None:
    assert sample_documents() == sample_documents()


def test_sample_uids_match_the_documents() -> None:
    assert tuple(document.uid for document in sample_documents()) == SAMPLE_UIDS
    assert len(set(SAMPLE_UIDS)) == len(SAMPLE_UIDS) == len(WELL_KNOWN_UIDS) + 300


def test_well_known_documents_cover_every_seed_state_and_an_unknown_one() -> None:
    documents = sample_documents()[: len(WELL_KNOWN_UIDS)]
    states = {revision.maturity_state for d in documents for revision in d.revisions}
    assert states == {*SEED_STATES, UNKNOWN_STATE}


def check_chain(document: Document) -> None:
    labels = [revision.label for revision in document.revisions]
    for revision in document.revisions:
        if revision.superseded_by is not None:
            assert revision.superseded_by in labels
            assert labels.index(revision.superseded_by) > labels.index(revision.label)
        if revision.maturity_state in RELEASED_STATES:
            assert revision.released_date is not None
        if revision.maturity_state in ("In Work", "Frozen"):
            assert revision.released_date is None
        assert revision.last_modified <= document.updated_at
    assert document.created_at <= document.updated_at


def test_catalogue_is_realistic() -> None:
    catalogue = sample_documents()[len(WELL_KNOWN_UIDS) :]
    assert tuple(d.uid for d in catalogue) == CATALOGUE_UIDS
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    for n, document in enumerate(catalogue, start=1):
        assert re.fullmatch(rf"PTE-[A-Z]{{2}}-{n:04d}", document.number)
        assert document.doc_type in DOCUMENT_TYPES
        assert document.title
        labels = "".join(revision.label for revision in document.revisions)
        assert labels in ("A", "AB", "ABC", "ABCD")
        for revision in document.revisions:
            assert 1 <= revision.pages <= 40
            assert start <= revision.last_modified < end
        check_chain(document)
        for revision in document.revisions[:-1]:
            assert revision.maturity_state in ("Superseded", "Released")
    assert len({d.doc_type for d in catalogue}) == len(DOCUMENT_TYPES)
    # Both languages appear in the titles.
    assert any(re.search("[А-Яа-я]", d.title) for d in catalogue)
    assert any(re.match("[A-Za-z]", d.title) for d in catalogue)
    final_states = {d.revisions[-1].maturity_state for d in catalogue}
    assert {"Released", "AFC", "In Work", "Obsolete"} <= final_states


def test_well_known_chains_are_consistent() -> None:
    for document in sample_documents()[: len(WELL_KNOWN_UIDS)]:
        check_chain(document)


@pytest.mark.parametrize(
    ("uid", "n"),
    [
        ("GEN-0", 0),
        ("GEN-42", 42),
        ("GEN-007", 7),
        ("GEN-", None),
        ("GEN-4a", None),
        ("XGEN-1", None),
    ],
)
def test_generated_number(uid: str, n: int | None) -> None:
    assert generated_number(uid) == n


def test_generated_documents_are_computed_consistently() -> None:
    for n in range(200):
        document = generated_document(f"GEN-{n}")
        assert document is not None
        assert document == generated_document(f"GEN-{n}")
        check_chain(document)
        assert document.latest_released() is not None


def test_config_defaults_and_repr() -> None:
    config = SimulatorConfig()
    assert (config.client_id, config.client_secret) == ("pte-qr-client", "demo-secret")
    assert (config.token_ttl, config.seed, config.error_status) == (3600, 42, 503)
    assert "demo-secret" not in repr(config)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"latency_ms": -1},
        {"jitter_ms": float("nan")},
        {"error_rate": 2},
        {"error_status": 200},
        {"token_ttl": 0},
        {"client_id": ""},
    ],
)
def test_config_rejects_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SimulatorConfig(**kwargs)  # type: ignore[arg-type]
