"""Two HTTP workers on PostgreSQL against one: read throughput and p95 under concurrent
clients, and the PostgreSQL connections and resident memory each process holds.

One store is seeded (titles with portals, videos, a music scene); then ``spotlight
serve --workers N`` runs on it with ``SPOTLIGHT_PROJECTIONS=worker`` beside one
``spotlight worker``, for N = 1 and 2, and a load client in a process of its own sends the
same mix of public reads (a title, a video, the featured playlist) from the plan's
concurrent clients on kept-alive connections. Connections are counted per process from
the sockets each holds to the server (``ss``), once idle after the start and once after
the load.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from application.auth import Principal, Role
from bench.music.scene import set_scene
from bench.sandboxes import Sandbox
from bench.service.common import open_core, progress, service_environ
from bench.service.processes import (
    Load,
    postgres_connections,
    projection_worker,
    rss_mib,
    run_load,
    serving,
    serving_processes,
)
from bench.service.suite import Prepared
from bench.tables import Table
from bench.workloads import RICH_PORTAL
from domain.anchors.titles import TitleKind

STUDIO = Principal(Role.STUDIO, "bench-studio")
OPENING_TIMEOUT = 120.0
CREATOR = Principal(Role.CREATOR, "bench-creator")


@dataclass(frozen=True)
class WorkersPlan:
    titles: int
    videos: int
    entries: int
    clients: int
    requests: int
    warmup: int
    #: HTTP workers and the pool settings they run with (none: the defaults).
    runs: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = (
        (1, ()),
        (2, ()),
        (2, (("POSTGRES_POOL_SIZE", "2"), ("SPOTLIGHT_PROJECTION_POOL", "2"))),
    )

    def describe(self) -> str:
        return (
            f"{self.titles:,} titles, {self.videos:,} videos, {self.entries} tracks; "
            f"{self.requests:,} reads by {self.clients} clients after {self.warmup:,} untimed"
        )


FULL = WorkersPlan(titles=300, videos=300, entries=20, clients=8, requests=6_000, warmup=600)
QUICK = WorkersPlan(titles=30, videos=30, entries=5, clients=4, requests=600, warmup=100)


def mixed_reads(
    titles: list[str], videos: list[str], count: int
) -> list[tuple[str, Mapping[str, str]]]:
    chooser = random.Random(16)
    reads: list[tuple[str, Mapping[str, str]]] = []
    for index in range(count):
        kind = index % 10
        if kind < 5:
            reads.append((f"/v1/titles/{chooser.choice(titles)}", {}))
        elif kind < 8:
            reads.append((f"/v1/videos/{chooser.choice(videos)}", {}))
        else:
            reads.append(("/v1/playlists/featured?limit=20", {}))
    return reads


def measure(sandbox: Sandbox, plan: WorkersPlan, throughput: Table, held: Table) -> None:
    store = sandbox.fresh()
    data_dir = sandbox.scratch / "workers"
    data_dir.mkdir(exist_ok=True)
    environ = service_environ(store, data_dir, SPOTLIGHT_PROJECTIONS="worker")
    with open_core(store, data_dir) as core:
        progress(f"{sandbox.name}: seeding {plan.titles} titles and {plan.videos} videos")
        titles = [
            str(
                core.anchoring.register_title(
                    STUDIO, name=f"Title {n}", kind=TitleKind.MOVIE, portal=RICH_PORTAL
                ).id
            )
            for n in range(plan.titles)
        ]
        videos = [
            str(
                core.anchoring.publish_video(
                    CREATOR, caption=f"Bench video {n}", hashtags=["bench"], category="gaming"
                ).video.id
            )
            for n in range(plan.videos)
        ]
        set_scene(core, plan.entries)
    reads = mixed_reads(titles, videos, 1_000)
    log = sandbox.scratch / "workers.log"
    with projection_worker(environ, log) as worker:
        for workers, pools in plan.runs:
            setting = " ".join(f"{name}={value}" for name, value in pools) or "default pools"
            progress(
                f"{sandbox.name}: {workers} HTTP worker(s), {setting}: {plan.requests:,} reads"
            )
            with serving({**environ, **dict(pools)}, log, workers=workers) as (base, service):
                processes = serving_processes(service)
                idle = connections_once_opened(processes)
                run_load(
                    base, reads, clients=plan.clients, count=plan.warmup, scratch=sandbox.scratch
                )
                load = run_load(
                    base, reads, clients=plan.clients, count=plan.requests, scratch=sandbox.scratch
                )
                busy = postgres_connections()
                add_throughput(throughput, setting, workers, load, busy, processes)
                roles = [
                    (f"HTTP worker {n + 1} of {workers}", pid) for n, pid in enumerate(processes)
                ]
                if service.pid not in processes:
                    roles.append((f"serve supervisor ({workers} workers)", service.pid))
                roles.append(("projection worker (default pools)", worker.pid))
                for role, pid in roles:
                    held.add(
                        setting,
                        role,
                        str(idle.get(pid, 0)),
                        str(busy.get(pid, 0)),
                        f"{rss_mib(pid):.0f}",
                    )


def connections_once_opened(processes: list[int]) -> Mapping[int, int]:
    """The connections each process holds once every one has opened its pools (a worker
    answers /healthz before its sibling has built its core)."""
    deadline = time.monotonic() + OPENING_TIMEOUT
    while True:
        held = postgres_connections()
        if all(held.get(pid, 0) for pid in processes) or time.monotonic() > deadline:
            return held
        time.sleep(0.5)


def add_throughput(
    table: Table,
    setting: str,
    workers: int,
    load: Load,
    connections: Mapping[int, int],
    processes: list[int],
) -> None:
    ok = load.statuses.get("200", 0)
    table.add(
        setting,
        str(workers),
        f"{load.per_second:,.0f}",
        f"{load.p50_ms:.1f}",
        f"{load.p95_ms:.1f}",
        f"{ok:,}/{load.count:,}",
        str(sum(connections.get(pid, 0) for pid in processes)),
    )


def make_tables(plan: WorkersPlan) -> tuple[Table, Table]:
    throughput = Table(
        f"HTTP workers on PostgreSQL, SPOTLIGHT_PROJECTIONS=worker beside one `spotlight "
        f"worker`: public reads (a title 5 in 10, a video 3 in 10, the featured playlist 2 in "
        f"10) by {plan.clients} concurrent clients on kept-alive connections, from a load "
        "client in its own process",
        ("pools", "HTTP workers", "reads/s", "p50 ms", "p95 ms", "answered 200", "PG conns"),
        align="lrrrrrr",
    )
    held = Table(
        "PostgreSQL connections held per process (idle: after the start; busy: after the "
        "load) and resident memory after the load",
        ("pools", "process", "idle conns", "busy conns", "RSS MiB"),
        align="llrrr",
    )
    return throughput, held


def prepared(quick: bool) -> Prepared:
    plan = QUICK if quick else FULL
    throughput, held = make_tables(plan)
    return Prepared(
        [throughput, held],
        lambda sandbox: measure(sandbox, plan, throughput, held),
        [f"plan: {plan.describe()}"],
        # Several HTTP workers share a log only on PostgreSQL (the scale-out store).
        stores=("postgres",),
    )
