"""Reading a pyinstrument session of a gateway run: the call tree and the hot spots.

`--profile` runs each gateway under pyinstrument (`profiled_gateway.py`); when it stops, `render`
writes `profile-<name>.txt`: the most expensive frames of the gateway's own code and of
Strawberry/graphql-core (inclusive and self time), the top of everything else, then the tree.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.processes import ROOT

if TYPE_CHECKING:
    from pyinstrument.frame import Frame

TOP = 10
_OWN = tuple(str(ROOT / package) + "/" for package in ("gateway", "schema", "loaders"))
_GRAPHQL = ("/site-packages/strawberry/", "/site-packages/graphql/")
_RUNNER = "asyncio/runners.py"

FrameKey = tuple[str, str, int]  # function, file, line


@dataclass
class Totals:
    inclusive: dict[FrameKey, float]
    own: dict[FrameKey, float]
    total: float

    @property
    def in_loop(self) -> float:
        """Self time of asyncio's `Runner.run`: the event loop's C code (uvloop: I/O, epoll
        waits) and the profiler's own overhead, no Python frame of the application."""
        return sum(t for k, t in self.own.items() if k[0] == "run" and _RUNNER in k[1])

    @property
    def busy(self) -> float:
        return self.total - self.in_loop


def is_gateway(path: str) -> bool:
    return path.startswith(_OWN)


def is_graphql(path: str) -> bool:
    return any(part in path for part in _GRAPHQL)


def totals(session_path: Path) -> Totals:
    from pyinstrument.session import Session

    session = Session.load(session_path)
    root = session.root_frame()
    inclusive: dict[FrameKey, float] = defaultdict(float)
    own: dict[FrameKey, float] = defaultdict(float)
    if root is None:
        return Totals({}, {}, 0.0)
    # Iterative walk; a frame's inclusive time counts once even when it recurses.
    stack: list[tuple[Frame, frozenset[FrameKey]]] = [(root, frozenset())]
    while stack:
        frame, above = stack.pop()
        if frame.is_synthetic:  # its time is in its parent's self time
            continue
        key: FrameKey = (frame.function, frame.file_path or "", frame.line_no or 0)
        own[key] += frame.total_self_time
        if key not in above:
            inclusive[key] += frame.time
        below = above | {key}
        stack.extend((child, below) for child in frame.children)
    return Totals(dict(inclusive), dict(own), root.time)


def _not_the_loop(path: str) -> bool:
    return _RUNNER not in path


def _short(path: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _ranking(
    title: str, times: dict[FrameKey, float], keep: Callable[[str], bool], total: float, n: int
) -> list[str]:
    chosen = sorted(((t, k) for k, t in times.items() if keep(k[1])), reverse=True)[:n]
    lines = [title]
    for seconds, (function, path, line) in chosen:
        share = 100 * seconds / total if total else 0.0
        lines.append(f"  {seconds:8.3f} s {share:5.1f}%  {function}  {_short(path)}:{line}")
    return lines


def hot_spots(session_path: Path) -> str:
    data = totals(session_path)
    lines = [
        f"sampled {data.total:.2f} s of the gateway process; {data.in_loop:.2f} s of it in the "
        f"event loop's C code (I/O, waiting, profiler overhead); percentages below are of the "
        f"other {data.busy:.2f} s (Python frames)"
    ]
    sections = [
        ("gateway code (gateway/, schema/, loaders/), inclusive time:", data.inclusive, is_gateway),
        ("gateway code, self time:", data.own, is_gateway),
        ("strawberry + graphql-core, inclusive time:", data.inclusive, is_graphql),
        ("strawberry + graphql-core, self time:", data.own, is_graphql),
        ("everything (libraries included), self time:", data.own, _not_the_loop),
    ]
    for title, times, keep in sections:
        lines += ["", *_ranking(title, times, keep, data.busy, TOP)]
    return "\n".join(lines) + "\n"


def render(session_path: Path, text_path: Path) -> str:
    """`text_path`: the hot spots, then pyinstrument's call tree of the application code, then
    the whole tree with libraries (frames under 1% left out). The session file (large: every
    sample) is removed. Answers the hot spots."""
    from pyinstrument import processors
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    session = Session.load(session_path)
    application = ConsoleRenderer(unicode=False, color=False).render(session)
    # Library frames shown too, frames under 1% of the total still left out.
    with_libraries = ConsoleRenderer(unicode=False, color=False, time="percent_of_total")
    with contextlib.suppress(ValueError):
        with_libraries.processors.remove(processors.group_library_frames_processor)
    everything = with_libraries.render(session)
    spots = hot_spots(session_path)
    text_path.write_text(
        "\n".join([spots, application, "-- with libraries --", everything]), encoding="utf-8"
    )
    session_path.unlink()
    return spots
