"""Commands over HTTP against the plain eventsourcing library behind the same FastAPI, in
one run, on each store: a ballot (``POST /v1/rounds/{id}/ballots``) and a title
registration (``POST /v1/titles``).

The baseline is a FastAPI app of two endpoints, each taking the same JSON body, saving one
aggregate of the same fields (``RawBallot``, ``RawTitle``) through an eventsourcing
Application on the library's own recorders, and answering 201 with a small model. The
same baseline on the project's hash-chained recorders is measured beside it, so the chained
writer's own cost reads apart from the rest of the project's. Each side writes to a store
of its own; the requests are handed to the ASGI apps in process (``bench.service.asgi``),
one at a time; which side goes first alternates.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.application import Application
from fastapi import FastAPI, status
from pydantic import BaseModel
from starlette.types import ASGIApp

from adapters.storage import Store, close_application
from application.auth import Principal, Role
from bench.music.raw import RawBallot, RawMusic
from bench.music.scene import set_scene
from bench.raw import RawApplication, RawTitle, plain_env
from bench.sandboxes import Sandbox
from bench.service.asgi import Request, drive
from bench.service.common import bearer, open_core, progress
from bench.service.suite import Prepared
from bench.tables import Table
from entrypoints.http.app import create_app

TARGET = 0.6
STUDIO = Principal(Role.STUDIO, "bench-studio")
PORTAL: dict[str, Any] = {
    "tickets": [{"label": "Tickets", "url": "https://tickets.example/dune-part-two"}],
    "streaming": [{"label": "Stream", "url": "https://stream.example/watch/dune-part-two"}],
    "cast": [{"name": "Zendaya", "role": "Chani"}],
    "official": [{"label": "Official site", "url": "https://dune.example"}],
}
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class WritesPlan:
    entries: int
    commands: int
    warmup: int
    repetitions: int

    def describe(self) -> str:
        return (
            f"a round of {self.entries} entries; {self.commands:,} timed commands per "
            f"repetition after {self.warmup} untimed; median of {self.repetitions}"
        )


FULL = WritesPlan(entries=50, commands=600, warmup=60, repetitions=3)
QUICK = WritesPlan(entries=10, commands=100, warmup=20, repetitions=3)


class BallotIn(BaseModel):
    track_id: UUID


class BallotAnswer(BaseModel):
    ballot_id: UUID
    round_id: UUID
    track_id: UUID
    cast_at: datetime


class LinkIn(BaseModel):
    label: str
    url: str


class CastIn(BaseModel):
    name: str
    role: str


class PortalIn(BaseModel):
    tickets: list[LinkIn] = []
    streaming: list[LinkIn] = []
    cast: list[CastIn] = []
    official: list[LinkIn] = []


class TitleIn(BaseModel):
    name: str
    kind: Literal["movie", "show"]
    portal: PortalIn | None = None


class TitleAnswer(BaseModel):
    id: UUID
    version: int
    name: str


def raw_app(ballots: Application[UUID], titles: Application[UUID]) -> FastAPI:
    """The library saving one aggregate per request, behind FastAPI, with the voter taken
    from a header instead of a verified token."""
    app = FastAPI()

    @app.post(
        "/raw/rounds/{round_id}/ballots",
        status_code=status.HTTP_201_CREATED,
        response_model=BallotAnswer,
    )
    def cast(round_id: UUID, body: BallotIn, voter: str = "") -> BallotAnswer:
        ballot = RawBallot(
            id=RawBallot.id_for(round_id, voter),
            round_id=round_id,
            voter=voter,
            track_id=body.track_id,
            idempotency_key="",
            cast_at=datetime.now(UTC),
        )
        ballots.save(ballot)
        return BallotAnswer(
            ballot_id=ballot.id, round_id=round_id, track_id=body.track_id, cast_at=ballot.cast_at
        )

    @app.post("/raw/titles", status_code=status.HTTP_201_CREATED, response_model=TitleAnswer)
    def register(body: TitleIn) -> TitleAnswer:
        portal = body.portal or PortalIn()
        title = RawTitle(
            studio_id=STUDIO.subject,
            name=body.name,
            kind=body.kind,
            portal=portal.model_dump(),
            registered_at=datetime.now(UTC),
        )
        titles.save(title)
        return TitleAnswer(id=title.id, version=title.version, name=title.name)

    return app


@contextmanager
def raw_side(store: Store, env: Callable[[Store, str], Mapping[str, str]]) -> Iterator[FastAPI]:
    store.prepare()
    ballots = RawMusic(dict(env(store, RawMusic.name)))
    titles = RawApplication(dict(env(store, RawApplication.name)))
    try:
        yield raw_app(ballots, titles)
    finally:
        close_application(ballots)
        close_application(titles)


def chained_env(store: Store, name: str) -> Mapping[str, str]:
    return store.env_for(name)


def body(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data).encode()


def measure(sandbox: Sandbox, plan: WritesPlan, table: Table) -> None:
    per_side = plan.repetitions * (plan.commands + plan.warmup)
    with (
        open_core(sandbox.fresh(), sandbox.scratch) as core,
        raw_side(sandbox.fresh(), plain_env) as plain,
        raw_side(sandbox.fresh(), chained_env) as chained,
    ):
        progress(f"{sandbox.name}: a round of {plan.entries} entries; {per_side:,} tokens")
        scene = set_scene(core, plan.entries)
        entries = scene.entries
        project = create_app(core)
        voters = [
            bearer(core, Principal(Role.VIEWER, f"bench-{n}")) | JSON for n in range(per_side)
        ]
        studio = bearer(core, STUDIO) | JSON
        ballot_path = f"/v1/rounds/{scene.round_id}/ballots"
        raw_ballot_path = f"/raw/rounds/{scene.round_id}/ballots"

        def ballot(index: int) -> Request:
            return (
                "POST",
                ballot_path,
                voters[index],
                body({"track_id": str(entries[index % len(entries)])}),
            )

        def raw_ballot(index: int) -> Request:
            voter = Principal(Role.VIEWER, f"bench-{index}").label
            return (
                "POST",
                f"{raw_ballot_path}?voter={voter}",
                JSON,
                body({"track_id": str(entries[index % len(entries)])}),
            )

        def title(index: int) -> Request:
            return (
                "POST",
                "/v1/titles",
                studio,
                body({"name": f"Title {index}", "kind": "movie", "portal": PORTAL}),
            )

        def raw_title(index: int) -> Request:
            return (
                "POST",
                "/raw/titles",
                JSON,
                body({"name": f"Title {index}", "kind": "movie", "portal": PORTAL}),
            )

        comparisons: dict[str, dict[str, tuple[ASGIApp, Callable[[int], Request]]]] = {
            "ballot": {
                "project": (project, ballot),
                "raw, plain recorders": (plain, raw_ballot),
                "raw, chained recorders": (chained, raw_ballot),
            },
            "title registration": {
                "project": (project, title),
                "raw, plain recorders": (plain, raw_title),
                "raw, chained recorders": (chained, raw_title),
            },
        }
        for command, sides in comparisons.items():
            progress(f"{sandbox.name}: {command}, {plan.repetitions} x {len(sides)} sides")
            rates: dict[str, list[float]] = {side: [] for side in sides}
            order: Sequence[str] = list(sides)
            for repetition in range(plan.repetitions):
                first = repetition * (plan.commands + plan.warmup)
                for side in order if repetition % 2 == 0 else order[::-1]:
                    app, requests = sides[side]
                    timing = drive(
                        app,
                        requests,
                        first=first,
                        count=plan.commands,
                        warmup=plan.warmup,
                        expect=(201,),
                    )
                    rates[side].append(timing.per_second)
            baseline = statistics.median(rates["raw, plain recorders"])
            for side, found in rates.items():
                median = statistics.median(found)
                table.add(
                    sandbox.name,
                    command,
                    side,
                    f"{median:,.0f}",
                    f"{1000 / median:.2f}",
                    f"{median / baseline:.2f}x",
                )


def make_table() -> Table:
    return Table(
        "Commands over HTTP against the plain eventsourcing library behind FastAPI (requests "
        "handed to the ASGI app in process, one at a time; median over repetitions; ratio: "
        "against the raw side on the library's plain recorders, the aim for the project is "
        f"at least {TARGET:.1f}x; the chained raw side is the project's hash-chained writer "
        "alone)",
        ("store", "command", "side", "commands/s", "ms/command", "ratio"),
        align="lllrrr",
    )


def prepared(quick: bool) -> Prepared:
    plan = QUICK if quick else FULL
    table = make_table()
    return Prepared(
        [table], lambda sandbox: measure(sandbox, plan, table), [f"plan: {plan.describe()}"]
    )
