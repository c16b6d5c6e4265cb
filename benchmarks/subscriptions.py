"""1,000 idle `actualityChanged` subscriptions on 100 documents: the gateway's memory, and the
ENOVIA calls their watchers make.

A gateway of its own checks what is subscribed every WATCH_INTERVAL seconds (instead of the
default 30), so that a few intervals fit in a short run. After a warm-up subscription (opened,
answered, completed), its RSS (`/proc/<pid>/status` VmRSS) is read; then CONNECTIONS WebSocket
connections (graphql-transport-ws, text frames, the `websockets` asyncio client) each send
PER_CONNECTION subscriptions, one on each of the catalogue's first DOCUMENTS documents
(`PTE-0001`..., revision A): ten subscriptions per document, 1,000 in all, within the default
limits (100 per connection, 1,000 per client). Once every subscription has its first event (the
verdict now, timed), the subscriptions idle: after a poll round or two, ENOVIA calls (the
simulator's counts per endpoint template) and the gateway's polls (`gateway_watch_polls_total`
on /metrics) are counted over whole intervals, between two quiet moments, while RSS is sampled.

Targets: RSS grows by less than 50 MiB with the 1,000 idle subscriptions; each watched resource
is polled once per interval however many subscribe to it: 100 calls per resource kind (revision
A, latest released revision) per interval, not 1,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from benchmarks.client import DOCUMENT_TEMPLATES
from benchmarks.context import Bench
from benchmarks.processes import rss_kib
from benchmarks.report import Figure, Ratio, info
from benchmarks.stats import summary
from enovia.simulators.facade import CATALOGUE_UIDS

WATCH_INTERVAL = 5.0  # seconds (GATEWAY_WATCH_INTERVAL)
DOCUMENTS = 100
CONNECTIONS = 10
PER_CONNECTION = 100  # one subscription on each document per connection
SUBSCRIPTIONS = CONNECTIONS * PER_CONNECTION
REVISION = "A"
RSS_TARGET_MIB = 50.0
# Poll rounds let pass after the first events before counting (the last one starts the
# count), and intervals counted.
SETTLE_ROUNDS = 2
SETTLE_ROUNDS_QUICK = 1
COUNTED_INTERVALS = 4
COUNTED_INTERVALS_QUICK = 2
# No poll for this long after a round: a quiet moment, where a count may start or end.
QUIET_S = 0.5
METRICS_EVERY_S = 0.1
SAMPLE_EVERY_S = 0.5
# Deadlines (seconds): every wait has one.
OPEN_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
MESSAGE_TIMEOUT = 20.0
FIRST_EVENTS_DEADLINE = 60.0
ROUND_DEADLINE = 2 * WATCH_INTERVAL + 10.0
CLOSED_DEADLINE = 10.0

PROTOCOL = Subprotocol("graphql-transport-ws")
ACTUALITY_CHANGED = """
subscription Watch($uid: ID!, $revision: String!) {
  actualityChanged(uid: $uid, revision: $revision) { isActual reason }
}
"""
FIELD = "actualityChanged"
POLLS = "gateway_watch_polls_total"
WATCHERS = "gateway_watchers"
OPEN = f'gateway_subscriptions_open{{field="{FIELD}"}}'
REVISION_TEMPLATE, LATEST_TEMPLATE = DOCUMENT_TEMPLATES[1], DOCUMENT_TEMPLATES[2]


@dataclass
class Tally:
    """What the connections received: each subscription's first event (perf_counter), later
    events, errors. `settled` is set once every subscription has its first event, or when
    one never will (an error, a connection closed)."""

    sent_at: dict[str, float] = field(default_factory=dict)
    first_at: dict[str, float] = field(default_factory=dict)
    later_events: int = 0
    pings: int = 0
    errors: list[str] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def failed(self, text: str) -> None:
        self.errors.append(text[:300])
        self.settled.set()

    def event(self, key: str, payload: Mapping[str, Any]) -> None:
        if payload.get("errors"):
            self.failed(f"{key}: {json.dumps(payload['errors'])}")
        if key in self.first_at:
            self.later_events += 1
            return
        self.first_at[key] = time.perf_counter()
        if len(self.first_at) >= SUBSCRIPTIONS:
            self.settled.set()


@dataclass
class Rss:
    """(seconds since start, RSS MiB, phase) samples of the gateway."""

    pid: int
    started: float = field(default_factory=time.perf_counter)
    phase: str = "before"
    points: list[tuple[float, float, str]] = field(default_factory=list)

    def take(self) -> float:
        mib = (rss_kib(self.pid) or 0) / 1024
        self.points.append(
            (round(time.perf_counter() - self.started, 2), round(mib, 1), self.phase)
        )
        return mib

    def during(self, phase: str) -> list[float]:
        return [point[1] for point in self.points if point[2] == phase]


@dataclass
class Window:
    """Counts over whole intervals while idle."""

    intervals: int
    seconds: float
    calls: dict[str, int]  # by endpoint template, non-zero ones
    polls: dict[str, float]  # by outcome

    def per_interval(self, template: str) -> float:
        return self.calls.get(template, 0) / self.intervals

    @property
    def document_calls(self) -> int:
        return sum(self.calls.get(template, 0) for template in DOCUMENT_TEMPLATES)


@dataclass
class Outcome:
    tally: Tally
    rss: Rss
    before_mib: float
    opened_s: float  # first subscribe sent to the last first event
    opening_calls: dict[str, int]
    window: Window
    state_idle: dict[str, float]
    state_closed: dict[str, float]


def run(bench: Bench) -> list[Figure]:
    settings = {"GATEWAY_WATCH_INTERVAL": str(WATCH_INTERVAL)}
    with ExitStack() as stack:
        gateway, url = bench.start_gateway(
            "gateway-subscriptions", settings, stack, "subscriptions"
        )
        outcome = asyncio.run(_drive(bench, url, gateway.pid))
    return _figures(bench, outcome)


async def _drive(bench: Bench, url: str, pid: int) -> Outcome:
    quick = bench.options.quick
    settle = SETTLE_ROUNDS_QUICK if quick else SETTLE_ROUNDS
    intervals = COUNTED_INTERVALS_QUICK if quick else COUNTED_INTERVALS
    rss = Rss(pid)
    async with httpx.AsyncClient(timeout=30.0) as client:
        rss.take()
        await _warm_up(client, url)
        rss.phase = "after-warm-up"
        before_mib = rss.take()
        sampler = asyncio.create_task(_sample(rss))
        tally = Tally()
        try:
            async with AsyncExitStack() as connections:
                sockets = [await _open(connections, url) for _ in range(CONNECTIONS)]
                readers = [asyncio.create_task(_read(s, i, tally)) for i, s in enumerate(sockets)]
                calls_before = await _calls(client, bench.simulator_url)
                rss.phase = "opening"
                started = time.perf_counter()
                await asyncio.gather(*(_subscribe(s, i, tally) for i, s in enumerate(sockets)))
                await _first_events(tally)
                opened_s = time.perf_counter() - started
                opening_calls = _difference(await _calls(client, bench.simulator_url), calls_before)
                rss.phase = "settling"
                for _ in range(settle - 1):
                    await _after_round(client, url)
                rss.phase = "idle"
                window = await _count(client, url, bench.simulator_url, intervals)
                rss.phase = "closing"
                state_idle = await _state(client, url)
                for reader in readers:
                    reader.cancel()
                await asyncio.gather(*readers, return_exceptions=True)
            state_closed = await _closed(client, url)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
    if tally.errors:
        raise RuntimeError(f"{len(tally.errors)} subscription errors, first: {tally.errors[:3]}")
    return Outcome(
        tally, rss, before_mib, opened_s, opening_calls, window, state_idle, state_closed
    )


async def _warm_up(client: httpx.AsyncClient, url: str) -> None:
    """One subscription on a document not measured, answered then completed: the gateway's
    token, imports and WebSocket path are not counted in the growth. Then nothing is watched."""
    async with AsyncExitStack() as stack:
        socket = await _open(stack, url)
        await _send(socket, _subscribe_message("warm-up", CATALOGUE_UIDS[-1]))
        async with asyncio.timeout(MESSAGE_TIMEOUT):
            while (message := json.loads(await socket.recv()))["type"] != "next":
                if message["type"] == "ping":
                    await _send(socket, {"type": "pong"})
                    continue
                raise RuntimeError(f"warm-up subscription: {message}")
        await _send(socket, {"id": "warm-up", "type": "complete"})
    left = await _closed(client, url)
    if left[WATCHERS] or left["subscriptions_open"]:
        raise RuntimeError(f"the warm-up subscription is still watched: {left}")


async def _open(stack: AsyncExitStack, url: str) -> ClientConnection:
    """A graphql-transport-ws connection, acknowledged; closed when *stack* closes."""
    socket = await stack.enter_async_context(
        connect(
            "ws" + url.removeprefix("http") + "/graphql",
            subprotocols=[PROTOCOL],
            open_timeout=OPEN_TIMEOUT,
            close_timeout=CLOSE_TIMEOUT,
        )
    )
    await _send(socket, {"type": "connection_init", "payload": {}})
    async with asyncio.timeout(MESSAGE_TIMEOUT):
        message = json.loads(await socket.recv())
    if message.get("type") != "connection_ack":
        raise RuntimeError(f"connection_init not acknowledged: {message}")
    return socket


async def _send(socket: ClientConnection, message: Mapping[str, Any]) -> None:
    await socket.send(json.dumps(message))


def _subscribe_message(id: str, uid: str) -> dict[str, Any]:
    variables = {"uid": uid, "revision": REVISION}
    return {
        "id": id,
        "type": "subscribe",
        "payload": {"query": ACTUALITY_CHANGED, "variables": variables},
    }


async def _subscribe(socket: ClientConnection, index: int, tally: Tally) -> None:
    """Subscription n of connection *index* is on document n: ten subscriptions a document."""
    for n, uid in enumerate(CATALOGUE_UIDS[:PER_CONNECTION]):
        tally.sent_at[f"{index}/{n}"] = time.perf_counter()
        await _send(socket, _subscribe_message(str(n), uid))


async def _read(socket: ClientConnection, index: int, tally: Tally) -> None:
    """Every message of connection *index* until it closes (or the task is cancelled)."""
    try:
        async for raw in socket:
            message: dict[str, Any] = json.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                tally.pings += 1
                await _send(socket, {"type": "pong"})
            elif kind == "next":
                tally.event(f"{index}/{message.get('id')}", message.get("payload") or {})
            elif kind != "pong":
                tally.failed(f"connection {index}: {json.dumps(message)}")
    except ConnectionClosed as exc:
        tally.failed(f"connection {index} closed: {exc}")
        return
    tally.failed(f"connection {index} closed by the gateway")


async def _first_events(tally: Tally) -> None:
    try:
        async with asyncio.timeout(FIRST_EVENTS_DEADLINE):
            await tally.settled.wait()
    except TimeoutError:
        pass
    if len(tally.first_at) < SUBSCRIPTIONS or tally.errors:
        raise RuntimeError(
            f"{len(tally.first_at)} of {SUBSCRIPTIONS} first events within "
            f"{FIRST_EVENTS_DEADLINE:.0f} s; errors: {tally.errors[:3]}"
        )


async def _sample(rss: Rss) -> None:
    while True:
        await asyncio.sleep(SAMPLE_EVERY_S)
        rss.take()


async def _metrics(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """The gateway's /metrics samples, by name with labels (`name{label="value"}`)."""
    response = await client.get(f"{url}/metrics")
    response.raise_for_status()
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def _polls(samples: Mapping[str, float]) -> dict[str, float]:
    """`gateway_watch_polls_total` by outcome."""
    prefix = f'{POLLS}{{outcome="'
    return {
        name.removeprefix(prefix).removesuffix('"}'): value
        for name, value in samples.items()
        if name.startswith(prefix)
    }


async def _state(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    samples = await _metrics(client, url)
    return {
        WATCHERS: samples.get(WATCHERS, 0.0),
        "subscriptions_open": samples.get(OPEN, 0.0),
        "polls": sum(_polls(samples).values()),
    }


async def _calls(client: httpx.AsyncClient, simulator_url: str) -> dict[str, int]:
    """The simulator's calls so far, by endpoint template (never reset: counts are differences,
    so that the documents and the watchers' cache stay as they are)."""
    response = await client.get(f"{simulator_url}/_sim/stats")
    response.raise_for_status()
    calls: dict[str, int] = response.json()["calls"]
    return calls


def _difference(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


async def _after_round(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """Wait for a poll round to land, then for QUIET_S without a poll: the polls by outcome
    then. A count between two such moments takes whole rounds."""
    async with asyncio.timeout(ROUND_DEADLINE):
        start = _polls(await _metrics(client, url))
        now = start
        while now == start:
            await asyncio.sleep(METRICS_EVERY_S)
            now = _polls(await _metrics(client, url))
        while True:
            last = now
            await asyncio.sleep(QUIET_S)
            now = _polls(await _metrics(client, url))
            if now == last:
                return now


async def _count(client: httpx.AsyncClient, url: str, simulator_url: str, intervals: int) -> Window:
    """ENOVIA calls and polls over *intervals* whole intervals, from a quiet moment after the
    next round to the same phase *intervals* rounds later."""
    polls_before = await _after_round(client, url)
    calls_before = await _calls(client, simulator_url)
    started = time.monotonic()
    await asyncio.sleep(intervals * WATCH_INTERVAL)
    calls_after = await _calls(client, simulator_url)
    polls_after = _polls(await _metrics(client, url))
    seconds = time.monotonic() - started
    polls = {k: v - polls_before.get(k, 0.0) for k, v in polls_after.items()}
    return Window(intervals, seconds, _difference(calls_after, calls_before), polls)


async def _closed(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """The gateway's state once the connections are closed: nothing open, nothing watched
    (or what is left after CLOSED_DEADLINE)."""
    deadline = time.monotonic() + CLOSED_DEADLINE
    state = await _state(client, url)
    while (state[WATCHERS] or state["subscriptions_open"]) and time.monotonic() < deadline:
        await asyncio.sleep(METRICS_EVERY_S)
        state = await _state(client, url)
    return state


def _figures(bench: Bench, outcome: Outcome) -> list[Figure]:
    return [_rss_figure(outcome), _calls_figure(outcome), _first_events_figure(bench, outcome)]


def _rss_figure(outcome: Outcome) -> Figure:
    rss = outcome.rss
    idle = rss.during("idle")
    idle_mib = max(idle)  # the highest while idle: polls' transient allocations included
    growth = idle_mib - outcome.before_mib
    opened = rss.during("settling") or idle
    return Figure(
        key="subscriptions.rss",
        label=f"RSS growth with {SUBSCRIPTIONS:,} idle subscriptions",
        value=round(growth, 1),
        unit="MiB",
        shown=(
            f"{growth:+.1f} MiB (before {outcome.before_mib:.0f}, idle {idle_mib:.0f} MiB; "
            f"{CONNECTIONS} connections, {DOCUMENTS} documents)"
        ),
        target=f"< {RSS_TARGET_MIB:.0f} MiB",
        met=growth < RSS_TARGET_MIB,
        details={
            "subscriptions": SUBSCRIPTIONS,
            "connections": CONNECTIONS,
            "documents": DOCUMENTS,
            "watch_interval_s": WATCH_INTERVAL,
            "start_mib": rss.points[0][1],
            "before_mib": round(outcome.before_mib, 1),
            "after_first_events_mib": opened[0],
            "idle_max_mib": round(idle_mib, 1),
            "idle_min_mib": min(idle),
            "idle_end_mib": idle[-1],
            "per_subscription_kib": round(growth * 1024 / SUBSCRIPTIONS, 1),
            "gateway_while_idle": outcome.state_idle,
            "gateway_after_close": outcome.state_closed,
            "rss_samples": rss.points,
        },
        ratio=Ratio(
            f"RSS growth / {RSS_TARGET_MIB:.0f} MiB ({SUBSCRIPTIONS:,} subscriptions)",
            growth / RSS_TARGET_MIB,
            1.0,
            False,
        ),
    )


def _calls_figure(outcome: Outcome) -> Figure:
    window = outcome.window
    revision = window.per_interval(REVISION_TEMPLATE)
    latest = window.per_interval(LATEST_TEMPLATE)
    document = window.per_interval(DOCUMENT_TEMPLATES[0])
    total = window.document_calls / window.intervals
    polls = sum(window.polls.values()) / window.intervals
    failed_polls = window.polls.get("failed", 0.0)
    # One call per resource per interval, within half a call on average (a poll that lands
    # late across the end of the count).
    met = (
        all(abs(kind - DOCUMENTS) <= 0.5 for kind in (revision, latest))
        and document == 0
        and failed_polls == 0
    )
    return Figure(
        key="subscriptions.calls_per_interval",
        label=(
            f"ENOVIA calls per interval with {SUBSCRIPTIONS:,} subscriptions "
            f"on {DOCUMENTS} documents"
        ),
        value=total,
        unit="calls",
        shown=(
            f"{total:g} per {WATCH_INTERVAL:g} s: revision {revision:g}, latest {latest:g}, "
            f"document {document:g} ({polls:g} polls; {window.intervals} intervals)"
        ),
        target=f"{DOCUMENTS} per resource kind (not {SUBSCRIPTIONS:,})",
        met=met,
        details={
            "intervals_counted": window.intervals,
            "seconds_counted": round(window.seconds, 2),
            "watch_interval_s": WATCH_INTERVAL,
            "calls_per_interval_by_template": {
                template: round(count / window.intervals, 2)
                for template, count in sorted(window.calls.items())
            },
            "document_calls_per_interval": total,
            "calls_in_window": window.calls,
            "polls_per_interval_by_outcome": {
                outcome: round(count / window.intervals, 2)
                for outcome, count in window.polls.items()
            },
            "subscription_events_while_idle": outcome.tally.later_events,
            "gateway_while_idle": outcome.state_idle,
        },
        ratio=Ratio(
            f"ENOVIA calls per interval / {2 * DOCUMENTS} (2 per watched document)",
            total / (2 * DOCUMENTS),
            1.0,
            False,
        ),
    )


def _first_events_figure(bench: Bench, outcome: Outcome) -> Figure:
    tally = outcome.tally
    latencies = [(tally.first_at[key] - sent) * 1000 for key, sent in tally.sent_at.items()]
    each = summary(latencies)
    opening = outcome.opening_calls
    calls = sum(opening.get(template, 0) for template in DOCUMENT_TEMPLATES)
    return info(
        "subscriptions.first_events",
        f"  time to the {SUBSCRIPTIONS:,} first events",
        round(outcome.opened_s * 1000, 1),
        "ms",
        (
            f"{outcome.opened_s * 1000:.0f} ms (each: p50 {each['p50']:.0f}, p90 "
            f"{each['p90']:.0f} ms; {calls} ENOVIA calls)"
        ),
        per_subscription_ms=each,
        enovia_calls_while_opening=opening,
        latency_ms_L=bench.latency_ms,
        pings_answered=tally.pings,
    )
