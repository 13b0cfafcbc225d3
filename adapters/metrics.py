"""The adapters' own measurements, in the process's Prometheus metrics (exposed by the
service at ``/metrics``): how long each matching lookup takes, by what it matches."""

from __future__ import annotations

import functools
from collections.abc import Callable
from time import perf_counter
from typing import ParamSpec, TypeVar

from prometheus_client import Counter, Histogram

_P = ParamSpec("_P")
_R = TypeVar("_R")

MATCHING_SECONDS = Histogram(
    "spotlight_matching_lookup_seconds",
    "Time of one matching lookup: an audio or visual fingerprint against its index, a "
    "caption against the text index, a video's frames against the listed products (recognise) "
    "or one listing against one video (listing).",
    ["lookup"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def timed_lookup(lookup: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Records every call of the decorated lookup under ``lookup``."""
    observed = MATCHING_SECONDS.labels(lookup=lookup)

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(function)
        def timed(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            started = perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                observed.observe(perf_counter() - started)

        return timed

    return decorate


WEBHOOK_DELIVERIES = Counter(
    "spotlight_webhook_deliveries_total",
    "Webhook delivery attempts settled by this process, by outcome: delivered (a 2xx), "
    "retrying (failed, another attempt is scheduled), failed (the schedule ran out), "
    "cancelled (the subscription was deleted).",
    ["outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "spotlight_webhook_attempt_seconds",
    "Time of one webhook attempt, from sending to the receiver's answer (or giving up).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
for _outcome in ("delivered", "retrying", "failed", "cancelled"):
    WEBHOOK_DELIVERIES.labels(outcome=_outcome)


def count_webhook_outcome(outcome: str, seconds: float | None) -> None:
    """``application.webhook_delivery.OutcomeListener``: counts what each attempt came to."""
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
    if seconds is not None:
        WEBHOOK_SECONDS.observe(seconds)
