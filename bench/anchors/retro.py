"""Retroactive matching: a new title's reference clip against every video already out.

Videos are seeded straight into the catalogue (a Video with its media attached and its
MediaFingerprints, as ``publish_video`` saves them, without decoding anything), from a pool
of real fingerprints; a known number of them carry the real fingerprints of copies of the
new reference. Then, through the Anchoring service, the title is registered, the reference
added and the sweeps run until none is pending, on the in-memory store and on SQLite.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from adapters.storage import Store
from application.anchors.match_index import VIDEO_OWNER
from bench.anchors.common import (
    CREATOR,
    SEED_BATCH,
    STUDIO,
    AnchorPlan,
    Clips,
    Section,
    count,
    engines,
    memory_store,
    open_core,
    plural,
    versions,
)
from bench.anchors.common import progress as say
from bench.anchors.lookup import Fingerprints, fingerprints_of
from bench.sandboxes import SqliteSandbox
from bench.synthetic import synthetic_media
from bench.tables import Table
from domain.anchors.titles import TitleKind
from domain.anchors.videos import Video
from domain.media import MediaFingerprints
from entrypoints.bootstrap import Spotlight

VIDEO_SEED = 2_000_000
TITLE_NAME = "Harbour Lights"


@dataclass(frozen=True)
class Seeded:
    prints: Fingerprints
    seconds: float


@dataclass(frozen=True)
class Outcome:
    store: str
    videos: int
    copies: int
    seed_seconds: float
    register_seconds: float
    reference_seconds: float
    sweep_seconds: float
    considered: int
    changed: int
    attached: int
    proposed: int
    store_bytes: int | None

    @property
    def total_seconds(self) -> float:
        return self.register_seconds + self.reference_seconds + self.sweep_seconds

    @property
    def others_changed(self) -> int:
        return self.changed - self.attached - self.proposed


def video_pool(plan: AnchorPlan) -> list[Seeded]:
    audio, visual = engines()
    pool: list[Seeded] = []
    for number in range(plan.retro_distinct):
        media = synthetic_media(VIDEO_SEED + number, plan.retro_video_seconds)
        prints = {"audio": audio.fingerprint(media), "visual": visual.fingerprint(media)}
        pool.append(Seeded(prints, media.duration_seconds))
    return pool


def true_copies(plan: AnchorPlan, clips: Clips) -> list[Seeded]:
    matching = engines()
    copies: list[Seeded] = []
    for transform in plan.retro_copies:
        prints, seconds = fingerprints_of(clips.copy(plan.retro_seed, transform), matching)
        copies.append(Seeded({s: p for s, p in prints.items() if p}, seconds))
    return copies


def copy_positions(videos: int, copies: int) -> list[int]:
    """Where the copies go: spread evenly through the log, none first or last."""
    return [round((number + 0.5) * videos / copies) for number in range(copies)]


def seed_videos(
    core: Spotlight, videos: int, pool: Sequence[Seeded], copies: Sequence[Seeded], each: int
) -> list[UUID]:
    """Save ``videos`` videos with fingerprints; answer the ids of the true copies."""
    now = core.clock.now()
    taken_by = versions()
    positions = dict.fromkeys(copy_positions(videos, len(copies) * each))
    copy_at = {position: copies[n % len(copies)] for n, position in enumerate(positions)}
    copy_ids: list[UUID] = []
    batch: list[Aggregate] = []
    for number in range(videos):
        seeded = copy_at.get(number) or pool[number % len(pool)]
        video = Video.publish(
            uuid4(),
            creator_id=CREATOR.subject,
            caption=f"archive clip {number}",
            hashtags=[],
            category="music",
            at=now,
        )
        digest = f"bench-video-{number}"
        video.attach_media(digest=digest, duration_seconds=seeded.seconds, at=now)
        taken = MediaFingerprints.take(
            owner=f"{VIDEO_OWNER}{video.id}",
            digest=digest,
            duration_seconds=seeded.seconds,
            fingerprints=seeded.prints,
            engine_versions={signal: taken_by[signal] for signal in seeded.prints},
        )
        batch += [video, taken]
        if number in copy_at:
            copy_ids.append(video.id)
        if len(batch) >= 2 * SEED_BATCH:
            core._catalogue.commit(*batch)
            batch = []
    if batch:
        core._catalogue.commit(*batch)
    return copy_ids


def sweep_one_store(
    name: str,
    store: Store,
    plan: AnchorPlan,
    pool: Sequence[Seeded],
    copies: Sequence[Seeded],
    reference: bytes,
    folder: Path | None,
) -> Outcome:
    with open_core(store) as core:
        anchoring = core.anchoring
        say(f"retro {name}: seeding {plan.retro_videos:,} videos")
        started = perf_counter()
        copy_ids = seed_videos(core, plan.retro_videos, pool, copies, plan.retro_copies_each)
        # A running service has followed these videos as they were published.
        anchoring.catch_up()
        seed_seconds = perf_counter() - started
        say(f"retro {name}: new title, reference, sweeps")
        gc.collect()
        started = perf_counter()
        title = anchoring.register_title(STUDIO, name=TITLE_NAME, kind=TitleKind.MOVIE)
        registered = perf_counter()
        anchoring.add_reference(STUDIO, title.id, label="trailer", media=reference)
        referenced = perf_counter()
        considered = changed = 0
        while True:
            report = anchoring.run_sweeps()
            considered += report.videos_considered
            changed += report.videos_changed
            if report.pending == 0:
                break
        swept = perf_counter()
        attached = proposed = 0
        for video_id in copy_ids:
            video: Video = core._catalogue.repository.get(video_id)
            if video.anchor is not None and video.anchor.title_id == title.id:
                attached += 1
            elif title.id in video.proposals:
                proposed += 1
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder else None
    return Outcome(
        store=name,
        videos=plan.retro_videos,
        copies=len(copy_ids),
        seed_seconds=seed_seconds,
        register_seconds=registered - started,
        reference_seconds=referenced - registered,
        sweep_seconds=swept - referenced,
        considered=considered,
        changed=changed,
        attached=attached,
        proposed=proposed,
        store_bytes=size,
    )


def run(plan: AnchorPlan, clips: Clips) -> Section:
    section = Section()
    say(f"retro: fingerprints of {plan.retro_distinct} videos and {len(plan.retro_copies)} copies")
    started = perf_counter()
    pool = video_pool(plan)
    copies = true_copies(plan, clips)
    pool_seconds = perf_counter() - started
    reference = clips.reference(plan.retro_seed)
    outcomes = [sweep_one_store("memory", memory_store(), plan, pool, copies, reference, None)]
    sandbox = SqliteSandbox()
    try:
        outcomes.append(
            sweep_one_store(
                "sqlite", sandbox.fresh(), plan, pool, copies, reference, sandbox.scratch
            )
        )
    finally:
        sandbox.close()
    table = Table(
        "4. Retroactive matching: a new title with one reference against existing videos",
        (
            "store",
            "videos",
            "register s",
            "add_reference s",
            "sweeps s",
            "total s",
            "videos/s",
            "considered",
            "true copies",
            "attached",
            "proposed",
            "others changed",
        ),
    )
    for outcome in outcomes:
        table.add(
            outcome.store,
            count(outcome.videos),
            f"{outcome.register_seconds:.2f}",
            f"{outcome.reference_seconds:.2f}",
            f"{outcome.sweep_seconds:.1f}",
            f"{outcome.total_seconds:.1f}",
            f"{outcome.videos / outcome.total_seconds:,.0f}",
            count(outcome.considered),
            count(outcome.copies),
            count(outcome.attached),
            count(outcome.proposed),
            count(outcome.others_changed),
        )
        found = outcome.attached + outcome.proposed
        if found != outcome.copies or outcome.others_changed:
            section.failures.append(
                f"retro {outcome.store}: {found} of {outcome.copies} true copies anchored or "
                f"proposed, {outcome.others_changed} other videos changed"
            )
    section.tables.append(table)
    distinct = plan.retro_videos - sum(o.copies for o in outcomes[:1])
    stored = [o.store_bytes for o in outcomes if o.store_bytes is not None]
    section.notes += [
        f"retro seeding: {plan.retro_videos:,} videos saved directly (Video.publish + "
        f"attach_media + MediaFingerprints.take, {SEED_BATCH} videos a save): {distinct:,} "
        f"reuse the real fingerprints of {len(pool)} distinct {plan.retro_video_seconds:.0f} s "
        f"synthetic clips (each about {distinct / len(pool):.0f} times); "
        f"{len(copies) * plan.retro_copies_each} are true copies, real fingerprints of the "
        f"reference's copies ({', '.join(plan.retro_copies)}; "
        f"{plural(plan.retro_copies_each, 'video')} each), decoded by PyAVDecoder, spread "
        f"evenly through the log; fingerprints made in {pool_seconds:.0f} s",
        "retro seeding took "
        + ", ".join(f"{o.seed_seconds:.0f} s on {o.store}" for o in outcomes)
        + " (untimed; the service's log follower caught up with the videos before timing, "
        "as a running service would have)"
        + "".join(f"; the SQLite file holds {size / 2**20:.0f} MiB" for size in stored),
        f"retro timing: register_title (starts a sweep of the title's name) + add_reference"
        f"(media = reference_clip({plan.retro_seed}), {clips.reference_seconds:.0f} s 720p: "
        "decoded and fingerprinted, starts a sweep of the clip) + run_sweeps() with its "
        "defaults (500 videos a call, 50 a batch) until none is pending; each video is "
        "considered by both sweeps; videos/s = videos / total",
        "attached / proposed: the true copies anchored to the new title by the policy, or "
        "awaiting review; others changed: any other video the sweeps changed (should be 0)",
    ]
    return section
