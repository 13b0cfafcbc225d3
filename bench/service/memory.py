"""Resident memory of an HTTP worker after its start and after 10,000 mixed reads, on a
store holding only a small scene against the same scene grown to about a million events.

The log is grown as ``bench.startup`` grows it (a Pulse scene, then impression batches
billed through the domain, ``seed_billed_batches``), one sandbox per size. Before the
service starts, ``spotlight worker --once`` brings the persisted read models up to the
log's end, as a running deployment's would be; then ``spotlight serve`` (one worker, the
embedded default's settings) is started, its resident memory read once ``/healthz``
answers, and again after a load client has sent the reads: an inventory video, its Pulse
standing, a page of a creator's ledger account and of the campaign budget's, the featured
playlist and ``/readyz`` (on the scene alone the creators' accounts have no postings yet:
those pages answer 404).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter
from urllib.parse import quote

from application.auth import Principal, Role
from bench.revenue.common import progress
from bench.revenue.scene import (
    BILLED_CHUNK,
    CURRENCY,
    PulseScene,
    seed_billed_batches,
    set_pulse_scene,
)
from bench.sandboxes import Sandbox
from bench.service.common import core_from, service_environ
from bench.service.processes import (
    SPOTLIGHT,
    child_environ,
    rss_mib,
    run_load,
    serving,
    serving_processes,
)
from bench.service.suite import Prepared
from bench.tables import Table
from domain.revenue.ledger import creator_payable
from entrypoints.bootstrap import Spotlight

CREATORS = 10
AUDITOR = Principal(Role.AUDITOR, "bench-auditor")
VIEWER = Principal(Role.VIEWER, "bench-viewer")
TARGET = 1.2


@dataclass(frozen=True)
class MemoryPlan:
    sizes: tuple[int, ...]  # 0: the scene alone
    reads: int
    clients: int

    def describe(self) -> str:
        grown = " and ".join(f"{size:,}" for size in self.sizes if size)
        return (
            f"the Pulse scene of {CREATORS} creators alone and grown to about {grown} events; "
            f"{self.reads:,} mixed reads by {self.clients} clients"
        )


FULL = MemoryPlan(sizes=(0, 1_000_000), reads=10_000, clients=4)
QUICK = MemoryPlan(sizes=(0, 20_000), reads=1_000, clients=2)


def token(core: Spotlight, principal: Principal) -> dict[str, str]:
    issued = core.tokens.issue(principal, lifetime=timedelta(hours=4))
    return {"Authorization": f"Bearer {issued}"}


def mixed_reads(core: Spotlight, scene: PulseScene) -> list[tuple[str, Mapping[str, str]]]:
    auditor, viewer = token(core, AUDITOR), token(core, VIEWER)
    reads: list[tuple[str, Mapping[str, str]]] = []
    for index, (video, creator) in enumerate(zip(scene.videos, scene.creators, strict=True)):
        account = quote(creator_payable(creator, CURRENCY), safe="")
        reads += [
            (f"/v1/videos/{video}", {}),
            (f"/v1/pulse/videos/{video}/standing", viewer),
            (f"/v1/ledgers/{account}?limit=50&cursor={index * 50}", auditor),
            (f"/v1/ledgers/{quote(scene.budget_code, safe='')}?limit=20", auditor),
            ("/v1/playlists/featured?limit=20", {}),
            ("/readyz", {}),
        ]
    return reads


def measure(sandbox: Sandbox, plan: MemoryPlan, table: Table) -> None:
    for size in plan.sizes:
        store = sandbox.fresh()
        data_dir = sandbox.scratch / f"memory-{size}"
        data_dir.mkdir(exist_ok=True)
        environ = service_environ(store, data_dir)
        with core_from(environ) as core:
            scene = set_pulse_scene(core, CREATORS)
            per_batch = CREATORS + 3
            wanted = max(0, size - events_in(core)) // per_batch
            wanted -= wanted % BILLED_CHUNK
            progress(f"{sandbox.name}: seeding {wanted:,} batches towards {size:,} events")
            began = perf_counter()
            if wanted:
                seed_billed_batches(core, scene, wanted)
            events = events_in(core)
            progress(f"{sandbox.name}: {events:,} events in {perf_counter() - began:.0f} s")
            reads = mixed_reads(core, scene)
        log = sandbox.scratch / "memory.log"
        began = perf_counter()
        subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "worker", "--once", "--log-level", "warning"],
            env=child_environ(environ),
            check=True,
            capture_output=True,
        )
        caught_up = perf_counter() - began
        with serving(environ, log) as (base, service):
            [pid] = serving_processes(service)
            started = rss_mib(pid)
            load = run_load(
                base, reads, clients=plan.clients, count=plan.reads, scratch=sandbox.scratch
            )
            after = rss_mib(pid)
        answered = " ".join(f"{status}:{n:,}" for status, n in load.statuses.items())
        table.add(
            sandbox.name,
            f"{events:,}",
            f"{caught_up:.0f}",
            f"{started:.0f}",
            f"{after:.0f}",
            answered,
            f"{load.p95_ms:.1f}",
        )


def events_in(core: Spotlight) -> int:
    return sum(
        log.recorder.max_notification_id() or 0
        for log in (core._catalogue, core._music, core._revenue, core._inbox)
    )


def make_table() -> Table:
    return Table(
        "Resident memory of an HTTP worker (spotlight serve, one worker) after its start and "
        "after the mixed reads, on the scene alone and on the grown log (aim: the grown "
        f"figures within {TARGET}x of the scene's); read models caught up beforehand by "
        "`spotlight worker --once` (seconds shown)",
        (
            "store",
            "events",
            "catch-up s",
            "RSS start MiB",
            "RSS after MiB",
            "answered 200",
            "p95 ms",
        ),
        align="lrrrrrr",
    )


def prepared(quick: bool) -> Prepared:
    plan = QUICK if quick else FULL
    table = make_table()
    return Prepared(
        [table], lambda sandbox: measure(sandbox, plan, table), [f"plan: {plan.describe()}"]
    )
