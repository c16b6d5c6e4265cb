"""Prometheus metrics: the seed's `enovia_*` series and the gateway's own.

One `Metrics` per app, each with its own registry, so that two apps in one process (tests, the
demo) never share counters and nothing needs resetting.

With several worker processes (`enovia-gateway serve --workers N`) a scrape reaches one worker,
whose own counts alone would jump between workers' values (which Prometheus reads as resets).
There, prometheus_client runs in its multiprocess mode: every worker writes its values to files
in one directory (`PROMETHEUS_MULTIPROC_DIR`, which `serve` sets before the workers start, see
`gateway.cli`), and `exposition` adds up all the workers' files, whichever worker serves the
scrape. prometheus_client chooses the mode once, when it is imported, from that variable: a
worker imports it after it is set. How each gauge combines over workers is its
`multiprocess_mode`, chosen below with the reason.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

__all__ = ["CONTENT_TYPE_LATEST", "MULTIPROC_DIR", "Metrics", "multiprocess_directory"]

#: prometheus_client's variable: the directory where each worker process keeps its values.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

#: `freshness` of `gateway_answers_total`: an answer's freshness (`loaders.Freshness`), or
#: UNCONFIRMED for a verdict that stale data would have made CURRENT.
ANSWER_FRESHNESS = ("LIVE", "CACHED", "STALE", "UNCONFIRMED")

_CIRCUIT_VALUES = {"closed": 0, "half_open": 1, "open": 2}
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


#: Operation names come from clients: beyond this many distinct ones (per process) they are
#: counted as "other", so that no client can grow the metrics without bound.
MAX_OPERATION_NAMES = 200
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class OperationNames:
    """The bounded set of GraphQL operation names used as metric labels."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self._limit = limit
        self._seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self._seen:
            return name
        if len(self._seen) >= self._limit or not _PLAIN_NAME.match(name):
            return "other"
        self._seen.add(name)
        return name


class Metrics:
    """The gateway's series. `endpoint` labels are route templates, never identifiers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.enovia_requests = Counter(
            "enovia_requests_total",
            "Calls to ENOVIA by method, endpoint template and status.",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.enovia_request_duration = Histogram(
            "enovia_request_duration_seconds",
            "Duration of calls to ENOVIA.",
            ["method", "endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.enovia_token_refreshes = Counter(
            "enovia_token_refreshes_total",
            "OAuth2 token requests by outcome.",
            ["status"],
            registry=self.registry,
        )
        self.enovia_health = Gauge(
            "enovia_health_check",
            "1 when the last ENOVIA health check succeeded, 0 when it failed.",
            registry=self.registry,
            # ENOVIA's health is one fact that each worker checks on its own schedule: the
            # newest check of a live worker is the truest (a worker yet to check has no say).
            multiprocess_mode="livemostrecent",
        )
        self.enovia_circuit = Gauge(
            "enovia_circuit_state",
            "The ENOVIA circuit breaker: 0 closed, 1 half-open, 2 open (with several "
            "workers, the most open of their circuits).",
            registry=self.registry,
            # Each worker has a circuit of its own, and one that is open fails that worker's
            # requests fast: the worst of the live workers' is what an alert must see.
            multiprocess_mode="livemax",
        )
        self.enovia_circuit_transitions = Counter(
            "enovia_circuit_transitions_total",
            "Changes of the ENOVIA circuit breaker's state, by the state entered.",
            ["state"],
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "gateway_cache_hits_total",
            "Cache lookups answered from the cache, by kind and freshness.",
            ["kind", "freshness"],
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "gateway_cache_misses_total",
            "Cache lookups that had to ask ENOVIA, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.graphql_requests = Counter(
            "graphql_requests_total",
            "GraphQL requests by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self._operation_names = OperationNames()
        self._cache_children: dict[tuple[str, str | None], Counter] = {}
        #: The children of each operation name counted as itself (at most
        #: `MAX_OPERATION_NAMES`, so bounded too), by outcome.
        self._operation_children: dict[tuple[str | None, str], tuple[Counter, Histogram]] = {}
        self.graphql_duration = Histogram(
            "graphql_request_duration_seconds",
            "Duration of GraphQL requests by operation name.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

        # Subscriptions, connections and watchers are each held by one worker: their counts
        # add up over the workers alive (a dead worker's went with it).
        self.subscriptions_open = Gauge(
            "gateway_subscriptions_open",
            "GraphQL subscriptions open in this process (with several workers: in all of "
            "them), by field.",
            ["field"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.subscription_events = Counter(
            "gateway_subscription_events_total",
            "Events sent to subscribers, by field (only changed answers are sent).",
            ["field"],
            registry=self.registry,
        )
        self.websockets_open = Gauge(
            "gateway_websocket_connections",
            "GraphQL WebSocket connections open (acknowledged) in this process (with several "
            "workers: in all of them).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.watchers = Gauge(
            "gateway_watchers",
            "ENOVIA resources this process watches for its subscribers (with several "
            "workers: the sum of each one's).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.watchers_polled_here = Gauge(
            "gateway_watchers_polled_here",
            "Watched resources this process polls itself (with Redis: holds the lease of; "
            "with several workers: the sum of each one's).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.watch_polled = Counter(
            "gateway_watch_polls_total",
            "Watched resources polled in ENOVIA, by outcome (ok or failed).",
            ["outcome"],
            registry=self.registry,
        )

        self.cache_backend_up = Gauge(
            "gateway_cache_backend_up",
            "1 while the cache backend is in use, 0 while it is not: Redis unreachable (or "
            "not yet on its clock), answers then come from ENOVIA and a small local cache. "
            "The in-process cache (memory) is up while the gateway runs.",
            ["backend"],
            registry=self.registry,
            # Redis is one, shared by the workers; each notices an outage or a recovery at
            # its next Redis call (at most 30 s apart): the newest report of a live worker.
            multiprocess_mode="livemostrecent",
        )
        self.answers = Counter(
            "gateway_answers_total",
            "Verdicts answered (actuality, each item of actualities, each actualityChanged "
            "event), by freshness: LIVE, CACHED, STALE, or UNCONFIRMED (stale data that "
            "would have been CURRENT); answers replayed by the response cache not included.",
            ["freshness"],
            registry=self.registry,
        )
        # Every freshness from the start, at 0: a rate over a series that appears with its
        # first stale answer would miss that answer.
        self._answer_children = {label: self.answers.labels(label) for label in ANSWER_FRESHNESS}
        self._shared = multiprocess_directory()

    # The ENOVIA client reports through these two methods (its `CallObserver` protocol).
    def enovia_call(self, method: str, endpoint: str, status: str, duration: float) -> None:
        self.enovia_requests.labels(method, endpoint, status).inc()
        self.enovia_request_duration.labels(method, endpoint).observe(duration)

    def token_refresh(self, status: str) -> None:
        self.enovia_token_refreshes.labels(status).inc()

    def circuit_state(self, state: str) -> None:
        self.enovia_circuit.set(_CIRCUIT_VALUES[state])
        self.enovia_circuit_transitions.labels(state).inc()

    def health_check(self, healthy: bool) -> None:
        self.enovia_health.set(1 if healthy else 0)

    def cache_lookup(self, kind: str, freshness: str | None) -> None:
        """A hit (`freshness` CACHED or STALE) or, with `freshness` None, a miss."""
        # On the warm path of every query: the labelled children are looked up once.
        child = self._cache_children.get((kind, freshness))
        if child is None:
            counter = self.cache_misses.labels(kind) if freshness is None else None
            child = counter or self.cache_hits.labels(kind, freshness)
            self._cache_children[(kind, freshness)] = child
        child.inc()

    def graphql_request(self, operation_name: str | None, outcome: str, duration: float) -> None:
        """One GraphQL operation; `outcome` is ok, partial (data and errors) or error."""
        # On every request: the labelled children are looked up once per name and outcome.
        children = self._operation_children.get((operation_name, outcome))
        if children is None:
            operation = self._operation_names.label(operation_name)
            children = (
                self.graphql_requests.labels(operation, outcome),
                self.graphql_duration.labels(operation),
            )
            if operation == (operation_name or "anonymous"):  # kept: a name counted as itself
                self._operation_children[(operation_name, outcome)] = children
        children[0].inc()
        children[1].observe(duration)

    def websocket_connections(self, count: int) -> None:
        self.websockets_open.set(count)

    def subscription_opened(self, field: str) -> None:
        self.subscriptions_open.labels(field).inc()

    def subscription_closed(self, field: str) -> None:
        self.subscriptions_open.labels(field).dec()

    def subscription_event(self, field: str) -> None:
        self.subscription_events.labels(field).inc()

    # The watches report through these two (`loaders.watch.WatchCounters`).
    def watch_polls(self, outcome: str, count: int) -> None:
        self.watch_polled.labels(outcome).inc(count)

    def watched(self, resources: int, polled_here: int) -> None:
        self.watchers.set(resources)
        self.watchers_polled_here.set(polled_here)

    # The cache reports through this one (`loaders.fallback_cache.BackendObserver`).
    def cache_backend(self, backend: str, up: bool) -> None:
        self.cache_backend_up.labels(backend).set(1 if up else 0)

    def actuality_answered(self, freshness: str) -> None:
        """One verdict answered; `freshness` one of `ANSWER_FRESHNESS`."""
        child = self._answer_children.get(freshness)
        (child or self.answers.labels(freshness)).inc()

    def exposition(self) -> bytes:
        """The text a scrape gets: this app's registry, or, with several workers, what all the
        workers' files add up to (each gauge as its `multiprocess_mode` says)."""
        if self._shared is None:
            return generate_latest(self.registry)
        forget_dead_workers(self._shared)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self._shared)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def multiprocess_directory() -> str | None:
    """The directory where prometheus_client keeps this process's values for the other
    workers to read, or None when it keeps them in memory (one process).

    prometheus_client chose when it was imported: that choice decides, not the variable as it
    is now (set later, it changes nothing: the values would still be in memory)."""
    if prometheus_values.ValueClass is prometheus_values.MutexValue:
        return None
    return os.environ[MULTIPROC_DIR]


#: A live gauge's file in the multiprocess directory: `gauge_<mode>_<pid>.db`.
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of the worker processes that are gone: their connections,
    subscriptions and circuits went with them. Their counters and histograms stay, so that a
    total never goes down.

    uvicorn starts a new worker in place of one that died, with no hook to say so; this runs
    before each scrape is collected instead, and so also covers a worker that was killed."""
    pids = set()
    for name in os.listdir(directory):
        match = _LIVE_GAUGE_FILE.fullmatch(name)
        if match is not None:
            pids.add(int(match.group(1)))
    for pid in pids:
        if not _running(pid):
            mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True
