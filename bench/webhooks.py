"""Webhook throughput and delay: notices of the inbox log called back to a receiver on
loopback (a process of its own, ``bench.webhook_receiver``) that answers 200 at once.

- fan-out: the notices already in the log turned into deliveries by the projection's
  catch-up, deliveries made a second;
- send: those deliveries drained by the sender (batches of 100, 8 calls under way at once),
  deliveries a second, signing and recording every attempt included;
- delay: notices written at a steady pace while a loop does what a worker's tick does
  (fan-out, then a sender pass, every ``tick`` seconds); the time from each notice's save
  to the receiver's arrival of its call, p50 and p95.

    python -m bench webhooks [--quick] [--store sqlite|postgres]
"""

from __future__ import annotations

import json
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter

import attrs

from adapters.clock import RandomIdentities, SystemClock
from application.auth import Principal, Role
from application.webhook_delivery import NAME as FANOUT
from bench.catchup import open_sandbox
from bench.machine import cpu_model, usable_cpus
from bench.revenue.common import progress
from bench.sandboxes import SandboxUnavailable
from bench.tables import Table, render_table
from domain.inbox import InboxMessage, NoticeKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings


@dataclass(frozen=True)
class WebhooksPlan:
    notices: int  # fanned out and sent in bulk
    paced: int  # written at a steady pace for the delay
    pace: float  # notices a second while the delay is measured
    tick: float  # seconds between the loop's passes

    def describe(self) -> str:
        return (
            f"{self.notices:,} notices in bulk; {self.paced:,} at {self.pace:g}/s with a pass "
            f"every {self.tick:g} s"
        )


FULL = WebhooksPlan(notices=5_000, paced=600, pace=100.0, tick=0.05)
QUICK = WebhooksPlan(notices=300, paced=60, pace=50.0, tick=0.05)


@dataclass
class WebhooksReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@attrs.frozen
class _Arrivals:
    """The receiver process's record: calls received, and each notice's first arrival."""

    url: str

    def read(self) -> tuple[int, dict[str, float]]:
        address = self.url.replace("/in", "/arrivals")  # http://127.0.0.1:<port>, ours
        with urllib.request.urlopen(address, timeout=30) as answer:  # noqa: S310
            document = json.load(answer)
        return int(document["calls"]), {k: float(v) for k, v in document["arrivals"].items()}


@contextmanager
def _receiver() -> Iterator[tuple[str, _Arrivals]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.webhook_receiver"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        url = f"http://127.0.0.1:{port}/in"
        yield url, _Arrivals(url)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _notice(core: Spotlight, recipient: str, number: int) -> InboxMessage:
    return InboxMessage.deliver(
        recipient=recipient,
        subject=f"Notice {number}",
        body="A decision was made about something of yours.",
        key=f"bench:{recipient}:{number}:{secrets.token_hex(4)}",
        at=core.clock.now(),
        kind=NoticeKind.PAYOUT_SENT,
        about={"payout": f"p{number}"},
    )


def _bulk(core: Spotlight, plan: WebhooksPlan) -> tuple[float, float, int]:
    """Seconds to fan out and to send ``plan.notices`` notices; deliveries made."""
    messages = [_notice(core, "creator-bulk", n) for n in range(plan.notices)]
    for first in range(0, len(messages), 500):
        core._inbox.save(*messages[first : first + 500])
    started = perf_counter()
    core.projections.catch_up(FANOUT)
    fanned = perf_counter() - started
    made = core.webhooks.counts()["pending"]
    started = perf_counter()
    core.webhook_sender.drain()
    sent = perf_counter() - started
    return fanned, sent, made


def _paced(core: Spotlight, plan: WebhooksPlan, arrivals: _Arrivals) -> list[float]:
    """The delays (seconds) from each paced notice's save to its call's arrival."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            core.projections.catch_up(FANOUT)
            core.webhook_sender.run()
            stop.wait(plan.tick)

    worker = threading.Thread(target=tick, daemon=True)
    worker.start()
    saved: dict[str, float] = {}
    started = perf_counter()
    for number in range(plan.paced):
        due = started + number / plan.pace
        wait = due - perf_counter()
        if wait > 0:
            time.sleep(wait)
        message = _notice(core, "creator-paced", number)
        core._inbox.save(message)
        saved[str(message.id)] = time.time()  # the receiver's clock: the wall clock
    deadline = perf_counter() + 60
    arrived: dict[str, float] = {}
    while perf_counter() < deadline:
        _calls, arrived = arrivals.read()
        if all(notice in arrived for notice in saved):
            break
        time.sleep(0.05)
    stop.set()
    worker.join(timeout=30)
    return [arrived[n] - at for n, at in saved.items() if n in arrived]


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(plan: WebhooksPlan, stores: Sequence[str], postgres_url: str) -> WebhooksReport:
    report = WebhooksReport()
    table = Table(
        "Webhooks to a loopback receiver answering 200 (fan-out: notices in the log turned "
        "into deliveries; send: deliveries POSTed signed, attempts recorded; delay: a notice's "
        f"save to its call's arrival while notices keep coming; {plan.describe()}; "
        f"{cpu_model()}, {usable_cpus()} CPUs)",
        (
            "store",
            "deliveries",
            "fan-out/s",
            "sent/s",
            "paced",
            "delay p50 ms",
            "delay p95 ms",
            "max ms",
        ),
    )
    for store_name in stores:
        try:
            sandbox = open_sandbox(store_name, postgres_url)
        except SandboxUnavailable as error:
            report.failures.append(f"{store_name}: {error}")
            continue
        try:
            store = sandbox.fresh()
            data_dir = sandbox.scratch / "data"
            data_dir.mkdir(exist_ok=True)
            settings = Settings.from_environ(
                {
                    "SPOTLIGHT_STORE": store.url,
                    "SPOTLIGHT_DATA_DIR": str(data_dir),
                    "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
                    "SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE": "1",
                }
            )
            core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
            try:
                with _receiver() as (url, arrivals):
                    for person in ("creator-bulk", "creator-paced"):
                        core.webhooks.subscribe(Principal(Role.CREATOR, person), url)
                    fanned, sent, made = _bulk(core, plan)
                    progress(f"webhooks: {store_name} bulk {made} in {fanned + sent:.1f} s")
                    delays = _paced(core, plan, arrivals)
                    calls, _arrived = arrivals.read()
                    if made != plan.notices or calls < plan.notices + len(delays):
                        report.failures.append(
                            f"{store_name}: {made} deliveries made, {calls} calls "
                            f"received for {plan.notices} + {plan.paced} notices"
                        )
                    if len(delays) != plan.paced:
                        report.failures.append(
                            f"{store_name}: {plan.paced - len(delays)} paced notices never arrived"
                        )
                    table.add(
                        store_name,
                        f"{made:,}",
                        f"{made / fanned:,.0f}",
                        f"{made / sent:,.0f}",
                        f"{len(delays):,}",
                        f"{statistics.median(delays) * 1000:,.1f}" if delays else "-",
                        f"{_percentile(delays, 0.95) * 1000:,.1f}" if delays else "-",
                        f"{max(delays) * 1000:,.1f}" if delays else "-",
                    )
            finally:
                core.close()
        finally:
            sandbox.close()
    report.lines = render_table(table)
    return report
