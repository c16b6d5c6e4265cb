"""The `searchStr` of `documents/search`: `name:"<name>"`, or a bare free-text term.

In `name:"..."` a backslash escapes the next character (so `\\"` is a quote and `\\\\` a
backslash), which keeps spaces, `AND`/`OR`, `*` and `:` in a name from being search syntax.
`name:` followed by no quote takes the rest literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_NAME_FIELD: Final = "name:"


class SearchSyntaxError(ValueError):
    """A `searchStr` the platform cannot read (a 400 for the client)."""


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """What to look for: a name prefix (`by_name`) or free text."""

    text: str
    by_name: bool


def quote_name(name: str) -> str:
    """`name:"<name>"` with `\\` and `"` escaped: the term that finds exactly *name*'s hits
    (and those of names it prefixes)."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'{_NAME_FIELD}"{escaped}"'


def _unquote(value: str) -> str:
    """The content of the quoted string *value* (starting with `"`), escapes undone."""
    chars: list[str] = []
    i = 1
    while i < len(value):
        char = value[i]
        if char == "\\":
            if i + 1 == len(value):
                raise SearchSyntaxError("searchStr ends inside an escape")
            chars.append(value[i + 1])
            i += 2
            continue
        if char == '"':
            if value[i + 1 :].strip():
                raise SearchSyntaxError("searchStr has text after the quoted name")
            return "".join(chars)
        chars.append(char)
        i += 1
    raise SearchSyntaxError("searchStr has an unterminated quote")


def parse_search(search: str) -> SearchTerm:
    """The term *search* stands for. Raises SearchSyntaxError when it is empty or its
    quoting is broken."""
    search = search.strip()
    if search[: len(_NAME_FIELD)].lower() == _NAME_FIELD:
        value = search[len(_NAME_FIELD) :].lstrip()
        name = _unquote(value) if value.startswith('"') else value
        if not name:
            raise SearchSyntaxError("searchStr names an empty name")
        return SearchTerm(name, by_name=True)
    if not search:
        raise SearchSyntaxError("searchStr is required")
    return SearchTerm(search, by_name=False)
