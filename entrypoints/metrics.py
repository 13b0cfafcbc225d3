"""The service's Prometheus metrics, exposed at ``GET /metrics`` (entrypoints.http.observe).

Counted as they happen, in this process: requests by method, route template and status,
with their latency; commands and events recorded per log; rate-limit refusals per flow;
matching lookups' latency (``adapters.metrics``). Read from the store when scraped: each
projection's lag and failure, and each log's position (a query per log and a few per
projection, whatever the traffic).

With ``spotlight serve --workers N`` every worker process writes its counts into files of
one directory (``PROMETHEUS_MULTIPROC_DIR``, prometheus-client's multiprocess mode, set up by
the command) and the scraped worker adds them all up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from application.domain_application import DomainApplication
from application.projections import ProjectionRunner

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "spotlight_http_requests",
    "HTTP requests answered, by method, route template (unmatched: no route) and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "spotlight_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
COMMANDS = Counter(
    "spotlight_commands_recorded", "Commands (saves of one transaction) recorded, by log.", ["log"]
)
EVENTS = Counter("spotlight_events_recorded", "Events recorded, by log.", ["log"])
RATE_LIMIT_REFUSALS = Counter(
    "spotlight_rate_limit_refusals",
    "Requests refused 429 by a rate limit, by the flow whose limit was used up.",
    ["flow"],
)


def count_recordings(*logs: DomainApplication) -> None:
    """Commands and events of these logs are counted from now on."""
    for log in logs:
        log.on_recorded(_recorded)


def _recorded(log: str, events: int) -> None:
    COMMANDS.labels(log=log).inc()
    EVENTS.labels(log=log).inc(events)


class ProjectionsCollector(Collector):
    """Each projection's lag and failure and each log's position, read when scraped."""

    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner

    def collect(self) -> Iterable[GaugeMetricFamily]:
        ends = self.runner.ends()
        positions = GaugeMetricFamily(
            "spotlight_log_position", "The position of each log's last event.", labels=["log"]
        )
        for log, end in ends.items():
            positions.add_metric([log], end)
        lag = GaugeMetricFamily(
            "spotlight_projection_lag_events",
            "Events of a persisted read model's logs that it has not applied yet.",
            labels=["projection"],
        )
        failed = GaugeMetricFamily(
            "spotlight_projection_failed",
            "1 when a persisted read model has stopped at an event it cannot apply.",
            labels=["projection"],
        )
        for status in self.runner.status(ends):
            lag.add_metric([status.name], status.lag)
            failed.add_metric([status.name], 0 if status.failure is None else 1)
        return [positions, lag, failed]


class WebhooksCollector(Collector):
    """Webhook deliveries by state, read from their table when scraped (every process's
    deliveries, whoever sent them; the attempts each process settled are counted in
    ``spotlight_webhook_deliveries_total``)."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        states = GaugeMetricFamily(
            "spotlight_webhook_deliveries",
            "Webhook deliveries by state: pending, delivered, failed, cancelled.",
            labels=["state"],
        )
        for state, count in sorted(self.counts().items()):
            states.add_metric([state], count)
        return [states]


def exposition(
    runner: ProjectionRunner, webhooks: Callable[[], Mapping[str, int]] | None = None
) -> bytes:
    """The text every scrape reads: this process's counts (or every worker process's, in
    multiprocess mode) and the store's projections (and webhook deliveries) as they stand."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(ProjectionsCollector(runner))
    if webhooks is not None:
        scraped.register(WebhooksCollector(webhooks))
    return generate_latest(counted) + generate_latest(scraped)
