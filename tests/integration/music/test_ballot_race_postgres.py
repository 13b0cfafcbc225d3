"""Fifty requests race to record one voter's ballot through a real HTTP server on PostgreSQL.

The ballot's id is derived from the round and the voter, so however the requests interleave
across the server's worker threads and the store's connections, the store's uniqueness of
(aggregate id, version) lets exactly one of them record it: every other request is answered
with a 409, or, when it carries the winner's Idempotency-Key, with the winner's ballot.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2
import pytest
import uvicorn

from application.auth import Principal, Role
from domain.music.ballots import Ballot
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.media import corpus

REQUESTS = 50
VOTER = Principal(Role.VIEWER, "fan-1")
KEY = "fan-1-ballot-1"
ADMIN = Principal(Role.ADMIN, "ops")
APRIL = datetime(2025, 4, 1, tzinfo=UTC)


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@pytest.fixture
def postgres_core(
    postgres_url: str, postgres_schema: Callable[[str], str], tmp_path: Path
) -> Iterator[Spotlight]:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "race-secret-" + "x" * 20,
            "SPOTLIGHT_STORE": with_schema(postgres_url, postgres_schema("ballot_race")),
            # The race is between the store's writers: every request must reach it, none
            # may stop at the per-voter vote limit.
            "SPOTLIGHT_RATE_LIMITS": "votes=none",
        }
    )
    running = bootstrap(settings)
    yield running
    running.close()


@pytest.fixture
def server(postgres_core: Spotlight) -> Iterator[str]:
    """The real app under uvicorn on a free port of 127.0.0.1, in a thread of this process."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    running = uvicorn.Server(
        uvicorn.Config(
            create_app(postgres_core), log_level="warning", lifespan="on", access_log=False
        )
    )
    thread = threading.Thread(
        target=running.run, kwargs={"sockets": [listener]}, name="uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the HTTP server did not start", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=30)
    listener.close()


def open_round_with_an_entry(core: Spotlight) -> tuple[UUID, UUID]:
    artist = Principal(Role.ARTIST, "aiko")
    core.discovery.register_artist(artist, name="Aiko", region="JP")
    song = corpus.audio_only_wav(corpus.reference_clip(221, seconds=8))
    track = core.discovery.submit_track(artist, title="Night Drive", media=song)
    core.discovery.clear_track(Principal(Role.REVIEWER, "rita"), track.id, reason="original")
    season = core.competition.announce_season(
        ADMIN,
        name="Race Cup",
        region="JP",
        partners=["Kumo Publishing"],
        judges=[Judge("hana", "Kumo Publishing")],
        rounds=[RoundPlan("Only round", 1, APRIL, APRIL + timedelta(days=7))],
    )
    [round_id] = season.round_ids
    core.competition.enter(artist, season.id, track.id)
    core.competition.open_round(ADMIN, round_id, reason="ahead of the plan")
    return round_id, track.id


@pytest.mark.postgres
def test_fifty_racing_requests_record_one_ballot_for_one_voter(
    postgres_core: Spotlight, server: str
) -> None:
    core = postgres_core
    round_id, track_id = open_round_with_an_entry(core)
    token = core.tokens.issue(VOTER, lifetime=timedelta(hours=1))
    start = threading.Barrier(REQUESTS)

    def cast(attempt: int) -> tuple[bool, int, Any]:
        keyed = attempt % 3 != 0  # two in three carry the same key, as a retrying app would
        headers = {"Authorization": f"Bearer {token}"}
        if keyed:
            headers["Idempotency-Key"] = KEY
        with httpx2.Client(base_url=server, timeout=120) as client:
            start.wait(timeout=60)
            response = client.post(
                f"/v1/rounds/{round_id}/ballots", json={"track_id": str(track_id)}, headers=headers
            )
        return keyed, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(cast, range(REQUESTS)))

    statuses = [status for _, status, _ in answers]
    assert set(statuses) <= {201, 409}, statuses
    # One ballot is recorded; a retry of it answers as it did (201), marked as a replay.
    [(winner_keyed, _, winner)] = [a for a in answers if a[1] == 201 and not a[2]["replayed"]]
    assert winner["track_id"] == str(track_id)
    for keyed, status, body in answers:
        if body is winner:
            continue
        if keyed and winner_keyed:
            # A retry of the winning request: the original answer, marked as a replay.
            assert status == 201, body
            assert body == {**winner, "replayed": True}
        else:
            assert status == 409, body
            assert body["type"] == "urn:spotlight:problem:rule-violated"
            assert body["rule"] == "AlreadyVoted"

    ballot_id = Ballot.id_for(round_id, VOTER.label)
    assert winner["ballot_id"] == str(ballot_id)
    recorded = core._music.recorder.select_notifications(
        start=0, limit=1000, topics=(Ballot.Cast.TOPIC,), inclusive_of_start=False
    )
    assert [n.originator_id for n in recorded] == [ballot_id]
    assert core._music.recorder.max_notification_id() == recorded[-1].id  # nothing after it
