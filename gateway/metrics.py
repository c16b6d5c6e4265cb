"""Prometheus metrics: the seed's `enovia_*` series and the gateway's own.

One `Metrics` per app, each with its own registry, so that two apps in one process (tests, the
demo) never share counters and nothing needs resetting.
"""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

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
        )
        self.enovia_circuit = Gauge(
            "enovia_circuit_state",
            "The ENOVIA circuit breaker: 0 closed, 1 half-open, 2 open.",
            registry=self.registry,
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
        self.graphql_duration = Histogram(
            "graphql_request_duration_seconds",
            "Duration of GraphQL requests by operation name.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.subscriptions_open = Gauge(
            "gateway_subscriptions_open",
            "GraphQL subscriptions open in this process, by field.",
            ["field"],
            registry=self.registry,
        )
        self.subscription_events = Counter(
            "gateway_subscription_events_total",
            "Events sent to subscribers, by field (only changed answers are sent).",
            ["field"],
            registry=self.registry,
        )
        self.websockets_open = Gauge(
            "gateway_websocket_connections",
            "GraphQL WebSocket connections open (acknowledged) in this process.",
            registry=self.registry,
        )
        self.watchers = Gauge(
            "gateway_watchers",
            "ENOVIA resources this process watches for its subscribers.",
            registry=self.registry,
        )
        self.watchers_polled_here = Gauge(
            "gateway_watchers_polled_here",
            "Watched resources this process polls itself (with Redis: holds the lease of).",
            registry=self.registry,
        )
        self.watch_polled = Counter(
            "gateway_watch_polls_total",
            "Watched resources polled in ENOVIA, by outcome (ok or failed).",
            ["outcome"],
            registry=self.registry,
        )

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
        operation = self._operation_names.label(operation_name)
        self.graphql_requests.labels(operation, outcome).inc()
        self.graphql_duration.labels(operation).observe(duration)

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

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
