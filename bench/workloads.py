"""The operations being timed, each written once for the project and once for the baseline.

Both sides of a comparison store events with the same fields and values, take their time
from the same kind of clock and write one aggregate per save. What differs is exactly
what the project adds on top of the library.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from adapters.clock import RandomIdentities, SystemClock
from adapters.storage import Store
from application.auth import Principal, Role
from application.catalogue import Catalogue
from bench.measure import time_commands
from bench.raw import RawApplication, RawTitle, RawVideo, plain_env
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings

CREATOR = "c1"
STUDIO = "s1"
REVIEWER = "r1"
CATEGORY = "gaming"
# Already in canonical form, so the project stores exactly what the baseline stores.
HASHTAGS = ("dune", "scifi", "trailer")
TITLE_NAME = "Dune: Part Two"
NOTE = "official trailer"
# How the project writes the acting reviewer into events (Principal.label).
REVIEWER_LABEL = f"{Role.REVIEWER.value}:{REVIEWER}"

# Set-up data is written many aggregates per save: only the timed commands save one by one.
SEED_BATCH = 250
# The notification log's own select() is capped at a section of ten, which would measure
# round trips rather than reading; a page this size is what a catching-up reader would ask.
REPLAY_PAGE = 500
# One title with a filled-in portal for this many events of the replay log.
TITLE_EVERY = 200

RICH_PORTAL = Portal(
    tickets=(Link("Tickets", "https://tickets.example/dune-part-two"),),
    streaming=(Link("Stream", "https://stream.example/watch/dune-part-two"),),
    cast=(CastMember("Zendaya", "Chani"), CastMember("Timothee Chalamet", "Paul Atreides")),
    official=(Link("Official site", "https://dune.example"),),
)


@dataclass(frozen=True)
class Trial:
    """One timed run: `count` commands after `warmup` untimed ones, on a fresh store."""

    store: Store
    scratch: Path
    count: int
    warmup: int


def caption(index: int) -> str:
    return f"Behind the scenes of the desert shoot, part {index}"


def now() -> datetime:
    # What the project's SystemClock returns, so both sides pay for the same clock.
    return datetime.now(UTC)


@contextmanager
def open_spotlight(store: Store, scratch: Path) -> Iterator[Spotlight]:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_STORE": store.url,
            "SPOTLIGHT_DATA_DIR": str(scratch),
            # Given, so that nothing is written into the data directory.
            "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
        }
    )
    spotlight = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
    try:
        yield spotlight
    finally:
        spotlight.close()


@contextmanager
def open_raw(store: Store, *, chained: bool = False) -> Iterator[RawApplication]:
    """The baseline on the library's own recorders; ``chained``: on the project's
    hash-chained ones, to show the chained writer's own cost apart."""
    store.prepare()
    env = store.env_for(RawApplication.name) if chained else plain_env(store, RawApplication.name)
    application = RawApplication(env)
    try:
        yield application
    finally:
        application.close()


def save_in_batches(application: Application[UUID], aggregates: Sequence[Aggregate]) -> None:
    for first in range(0, len(aggregates), SEED_BATCH):
        application.save(*aggregates[first : first + SEED_BATCH])


# Publishing: a creation command, one new aggregate and one event per save. -------------


def project_publish(trial: Trial) -> float:
    with open_spotlight(trial.store, trial.scratch) as spotlight:
        anchoring = spotlight.anchoring
        creator = Principal(Role.CREATOR, CREATOR)

        def publish(index: int) -> object:
            return anchoring.publish_video(
                creator, caption=caption(index), hashtags=HASHTAGS, category=CATEGORY
            )

        return time_commands(publish, trial.count, trial.warmup)


def raw_publish(trial: Trial, *, chained: bool = False) -> float:
    with open_raw(trial.store, chained=chained) as application:

        def publish(index: int) -> object:
            video = new_raw_video(index)
            application.save(video)
            return video

        return time_commands(publish, trial.count, trial.warmup)


def new_raw_video(index: int) -> RawVideo:
    return RawVideo(
        creator_id=CREATOR,
        caption=caption(index),
        hashtags=HASHTAGS,
        category=CATEGORY,
        published_at=now(),
    )


# Anchoring: an update command, which reads the video and the title, then saves one event.


def project_attach(trial: Trial) -> float:
    with open_spotlight(trial.store, trial.scratch) as spotlight:
        title = spotlight.anchoring.register_title(
            Principal(Role.STUDIO, STUDIO), name=TITLE_NAME, kind=TitleKind.MOVIE
        )
        videos = seed_videos(spotlight.cataloguing, trial.count + trial.warmup)
        reviewer = Principal(Role.REVIEWER, REVIEWER)
        cataloguing = spotlight.cataloguing

        def attach(index: int) -> object:
            return cataloguing.attach_anchor(reviewer, videos[index], title.id, note=NOTE)

        return time_commands(attach, trial.count, trial.warmup)


def seed_videos(catalogue: Catalogue, count: int) -> list[UUID]:
    videos = [
        Video.publish(
            catalogue.identities.new_id(),
            creator_id=CREATOR,
            caption=caption(index),
            hashtags=HASHTAGS,
            category=CATEGORY,
            at=catalogue.clock.now(),
        )
        for index in range(count)
    ]
    save_in_batches(catalogue._log, videos)
    return [video.id for video in videos]


def raw_attach(trial: Trial, *, chained: bool = False) -> float:
    with open_raw(trial.store, chained=chained) as application:
        title = RawTitle(
            studio_id=STUDIO,
            name=TITLE_NAME,
            kind=TitleKind.MOVIE.value,
            portal=empty_portal(),
            registered_at=now(),
        )
        application.save(title)
        videos = [new_raw_video(index) for index in range(trial.count + trial.warmup)]
        save_in_batches(application, videos)
        video_ids = [video.id for video in videos]

        def attach(index: int) -> object:
            video: RawVideo = application.repository.get(video_ids[index])
            # The project loads the title to prove it exists; so does the baseline.
            application.repository.get(title.id)
            video.attach_anchor(
                title_id=title.id, attached_by=REVIEWER_LABEL, attached_at=now(), note=NOTE
            )
            application.save(video)
            return video

        return time_commands(attach, trial.count, trial.warmup)


def empty_portal() -> dict[str, list[Any]]:
    # The fields an empty Portal is stored with, as plain data.
    return {"tickets": [], "streaming": [], "cast": [], "official": []}


# Replay: reading the whole notification log back and decoding every event. -------------


def seed_log(catalogue: Catalogue, total: int) -> None:
    aggregates = list(log_aggregates(catalogue, total))
    save_in_batches(catalogue._log, aggregates)


def log_aggregates(catalogue: Catalogue, total: int) -> Iterator[Aggregate]:
    """Aggregates whose new events number exactly `total`, in a plausible mix: mostly
    publications, some anchors and engagement updates, and titles with full portals
    (which go through the project's own transcodings)."""
    if total <= 0:
        return
    title = new_title(catalogue)
    yield title
    remaining = total - 1
    index = 0
    while remaining:
        index += 1
        if index % TITLE_EVERY == 0:
            title = new_title(catalogue)
            remaining -= 1
            yield title
            continue
        video = Video.publish(
            catalogue.identities.new_id(),
            creator_id=CREATOR,
            caption=caption(index),
            hashtags=HASHTAGS,
            category=CATEGORY,
            at=catalogue.clock.now(),
        )
        remaining -= 1
        if remaining and index % 3 == 0:
            video.attach_anchor(title.id, by=REVIEWER_LABEL, at=catalogue.clock.now(), note=NOTE)
            remaining -= 1
        if remaining and index % 5 == 0:
            video.record_engagement(
                Engagement(views=index, likes=index // 10), at=catalogue.clock.now()
            )
            remaining -= 1
        yield video


def new_title(catalogue: Catalogue) -> Title:
    return Title.register(
        catalogue.identities.new_id(),
        studio_id=STUDIO,
        name=TITLE_NAME,
        kind=TitleKind.MOVIE,
        portal=RICH_PORTAL,
        at=catalogue.clock.now(),
    )


def read_log(application: Application[UUID], *, decode: bool) -> int:
    """Read every notification page by page; returns how many there were."""
    recorder = application.recorder
    to_domain_event = application.mapper.to_domain_event
    read = 0
    last_id: int | None = None
    while True:
        page = recorder.select_notifications(
            start=last_id, limit=REPLAY_PAGE, inclusive_of_start=False
        )
        if decode:
            for notification in page:
                to_domain_event(notification)
        read += len(page)
        if len(page) < REPLAY_PAGE:
            return read
        last_id = page[-1].id


def chained_publish(trial: Trial) -> float:
    return raw_publish(trial, chained=True)


def chained_attach(trial: Trial) -> float:
    return raw_attach(trial, chained=True)
