"""Revision labels: how a site's scheme orders them, and which label a printed one names."""

from __future__ import annotations

import re
from typing import Final, Literal

RevisionMatch = Literal["exact", "major"]

_TOKENS: Final = re.compile(r"[0-9]+|[^\W\d_]+")
_MINOR: Final = re.compile(r"[0-9]+")

LabelKey = tuple[tuple[tuple[int, int, str], ...], str]


def label_key(label: str) -> LabelKey:
    """A sort key that orders labels as revision schemes count, token by token (runs of
    digits, runs of letters; punctuation only separates them): numbers by value (`2` <
    `10`), letters by length, then alphabetically (`Z` < `AA`), a label before its own
    extensions (`B` < `B.1` < `B.2` < `C`, `A` < `A-1` < `B`). The label itself breaks any
    tie, so the order is total and the same on every run."""
    tokens = tuple(
        (0, int(token), "") if token.isascii() and token.isdigit() else (1, len(token), token)
        for token in _TOKENS.findall(label)
    )
    return tokens, label


def label_matches(label: str, asked: str, match: RevisionMatch) -> bool:
    """Whether revision `label` answers for the printed label `asked`.

    `exact`: the same text. `major`: also a minor revision of it, `asked` followed by a dot
    and a number (`B` matches `B.1`, `B.12`; not `B.1.2`, nor `BB`).
    """
    if label == asked:
        return True
    if match == "exact":
        return False
    major, dot, minor = label.rpartition(".")
    return bool(dot) and major == asked and _MINOR.fullmatch(minor) is not None
