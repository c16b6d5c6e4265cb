"""README.md and docs/*.md: what they point at exists, and what they state matches the code.

Links are markdown links (`[text](path)`, `[text]: path`) to a path in the repository, with or
without an anchor; paths in backticks that start with a top-level entry of the repository
(`docs/...`, `tests/...`) must exist too, except under a folder .gitignore leaves out (things
a command writes, e.g. `benchmarks/results/`).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from enovia import MAX_IDENTIFIER_LENGTH, InvalidIdentifier
from enovia._identifiers import checked_revision, checked_uid
from gateway.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*(?:<([^>\n]*)>|([^)\s]*))(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


def prose(text: str) -> str:
    """`text` without fenced code blocks and inline code, where a `[x](y)` is no link."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    bare = prose(text)
    inline = [angled or plain for angled, plain in _INLINE_LINK.findall(bare)]
    return inline + _REFERENCE_LINK.findall(bare)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of `path`: lower case, punctuation dropped,
    spaces as hyphens, `-1`, `-2`, ... after a repeated one."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def ignored_folders() -> list[str]:
    """The folders .gitignore names by path (`benchmarks/results/`): what commands write."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    return [
        line.strip().strip("/") + "/"
        for line in lines
        if "/" in line.strip().rstrip("/") and not line.startswith(("#", "!", "*"))
    ]


def test_there_are_docs_to_check() -> None:
    assert ROOT / "README.md" in DOCS
    assert len(DOCS) > 1, "docs/*.md"


def test_the_checker_finds_links_and_only_links() -> None:
    text = (
        'See [a](docs/a.md#x), [b](<b c.md>), ![img](i.png "title") and [c][ref].\n'
        "`[not](code.md)`\n```md\n[not](fenced.md)\n```\n[ref]: ref.md\n"
    )
    assert sorted(links(text)) == ["b c.md", "docs/a.md#x", "i.png", "ref.md"]


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_every_relative_link_points_at_a_file_in_the_repository(doc: Path) -> None:
    broken: list[str] = []
    for link in links(doc.read_text(encoding="utf-8")):
        if re.match(r"(?i)(https?|mailto|ftp):", link):
            continue
        assert not re.match(r"[a-z][a-z0-9+.-]*:", link, re.IGNORECASE), f"{link}: which scheme?"
        path, _, anchor = link.partition("#")
        target = (doc.parent / unquote(path)).resolve() if path else doc
        if not target.is_relative_to(ROOT) or not target.exists():
            broken.append(f"{link}: no such file in the repository")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: {target.name} has no heading #{anchor}")
    assert not broken, broken


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_every_repository_path_in_backticks_exists(doc: Path) -> None:
    top = {entry.name for entry in ROOT.iterdir()} - {".git", ".venv"}
    written = ignored_folders()
    missing = []
    for code in re.findall(r"`([^`\s]+)`", doc.read_text(encoding="utf-8")):
        path = code.rstrip(".,;:")
        if "/" not in path or path.split("/")[0] not in top or "*" in path or "<" in path:
            continue
        if path.startswith(tuple(written)):
            continue
        if not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"{doc.name} names files the repository does not hold: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_nothing_refers_to_files_outside_the_repository(doc: Path) -> None:
    # ../shared (a sibling folder in someone's working tree) is in no checkout.
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert not re.search(r"\]\(\s*\.\./\.\.", text), "a link above the repository"


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_no_advice_wipes_a_whole_redis(doc: Path) -> None:
    # The gateway's Redis may be shared: FLUSHALL/FLUSHDB would drop everyone's keys. The
    # invalidate API (docs/administration.md) drops a document's entries on every replica.
    text = doc.read_text(encoding="utf-8")
    assert not re.search(r"(?i)\bflush(all|db)\b", text)


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_a_token_in_a_shell_example_is_fetched_before_it_is_used(doc: Path) -> None:
    # `$TOKEN` alone leaves the reader asking where a token comes from.
    text = doc.read_text(encoding="utf-8")
    uses = [match.start() for match in re.finditer(r"\$\{?TOKEN\b", text)]
    if not uses:
        return
    set_at = [match.start() for match in re.finditer(r"(?m)^\s*(?:export\s+)?TOKEN=", text)]
    assert min(set_at, default=len(text)) < min(uses), f"{doc.name}: $TOKEN is never set first"


# --- what the README states ------------------------------------------------------------------


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def usage_lines(command: str) -> str:
    """The README's usage of `enovia-gateway <command>`, continuation lines included."""
    block = re.search(r"## Running it\n+```sh\n(.*?)```", readme(), re.DOTALL)
    assert block, "README: no usage block under 'Running it'"
    lines = block.group(1).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"enovia-gateway {command}"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("enovia-gateway")),
        len(lines),
    )
    return " ".join(line.split("#")[0] for line in lines[start:end])


@pytest.mark.parametrize("command", ["serve", "simulator", "check"])
def test_the_readmes_usage_shows_each_options_real_default(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORT", raising=False)  # serve's --port default would follow it
    (subparsers,) = [a for a in build_parser()._actions if a.dest == "command"]
    parser = subparsers.choices[command]  # type: ignore[index]
    defaults = {
        option: action.default
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--")
    }
    usage = usage_lines(command)
    shown = re.findall(r"\[(--[\w-]+)(?: ([^\]]+))?\]", usage)
    assert shown, usage
    for option, value in shown:
        assert option in defaults, f"README shows {option}, which `{command}` does not have"
        if not value or value == "..." or value.isupper():
            continue  # a placeholder (N, SECONDS, ...)
        default = defaults[option]
        if "|" in value:  # the choices, the default first
            assert value.split("|")[0] == str(default), (option, value, default)
        elif isinstance(default, float):
            assert float(value) == default, (option, value, default)
        else:
            assert value == str(default), (option, value, default)
    options = {option for option, _ in shown}
    assert options == set(defaults) - {"--help"}, f"README's usage of {command}: {usage}"


def test_the_readme_states_the_identifier_length_limit_exactly() -> None:
    longest = "x" * MAX_IDENTIFIER_LENGTH
    assert checked_uid(longest) == longest
    assert checked_revision(longest) == longest
    for check in (checked_uid, checked_revision):
        with pytest.raises(InvalidIdentifier):
            check(longest + "x")
    text = " ".join(readme().split())
    limit = MAX_IDENTIFIER_LENGTH
    assert f"longer than {limit} characters ({limit} are accepted, {limit + 1} refused)" in text


def table_rows(path: Path) -> list[list[str]]:
    """The cells of every table row of `path` whose first cell names a variable in backticks."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def documented_defaults() -> dict[str, str]:
    """docs/configuration.md's defaults by setting name: `A` / `B` in the first cell pairs with
    `a` / `b` in the second (one default for several names applies to each)."""
    found: dict[str, str] = {}
    for first, default, *_ in table_rows(ROOT / "docs" / "configuration.md"):
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", first)
        defaults = [part.strip() for part in default.split(" / ")]
        if len(defaults) == 1:
            defaults *= len(names)
        assert len(defaults) == len(names), f"docs/configuration.md: {first} | {default}"
        found.update(zip(names, defaults, strict=True))
    return found


def as_documented(value: object) -> str:
    """A setting's default as the docs write it: `—` for none, numbers without a needless
    `.0`, booleans in lower case, lists comma-separated."""
    if value is None or value in ("", [], {}):
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def same_default(written: str, actual: str) -> bool:
    try:
        return float(written) == float(actual)
    except ValueError:
        return written.lower() == actual.lower()


def test_every_setting_is_documented_with_its_real_default() -> None:
    from gateway.settings import Settings

    documented = documented_defaults()
    platform = {
        name
        for first, *_ in table_rows(ROOT / "docs" / "3dexperience.md")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", first)
    }
    for field, info in Settings.model_fields.items():
        name = field.upper()
        if name.startswith("TDX_"):
            assert name in platform, f"{name} is not in docs/3dexperience.md's tables"
            continue
        assert name in documented, f"{name} is not in docs/configuration.md's tables"
        shown = re.match(r"`([^`]*)`", documented[name])
        written = shown.group(1) if shown else documented[name].split(" ")[0]
        if info.is_required() or documented[name].startswith("— (required)"):
            continue
        assert same_default(written, as_documented(info.default)), (
            f"docs/configuration.md gives {name} the default {documented[name]}, "
            f"the code {info.default!r}"
        )


def test_no_documented_setting_is_unknown_to_the_code() -> None:
    from gateway.settings import Settings

    known = {field.upper() for field in Settings.model_fields}
    unknown = set(documented_defaults()) - known
    assert not unknown, (
        f"docs/configuration.md documents settings the code does not have: {unknown}"
    )
