"""Retroactive sweeps run new matching material over the videos already out; audiences report
in batches; reviewers work through the queue, most popular videos first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.matching.text import InvertedTextEngine
from application.anchors.anchoring import Anchoring, SweepReport
from application.auth import Principal, Role
from application.views import TitleView, VideoView
from domain.anchors.audience import (
    Click,
    ClickBatch,
    ClickTarget,
    EngagementBatch,
    EngagementCount,
    batch_id_for,
)
from domain.anchors.engagement import Engagement
from domain.anchors.matching import Decision, Signal
from domain.anchors.sweeps import MatchSweep, SweepFinished
from domain.anchors.titles import TitleKind
from domain.anchors.videos import Video
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight
from tests.fakes import FixedClock, SequentialIdentities

DUNE_ID = UUID("00000000-0000-0000-0000-00000000d00e")
BARBIE_ID = UUID("00000000-0000-0000-0000-0000000ba4b1")
CLIP_ID = UUID("00000000-0000-0000-0000-0000000c11f0")
REEL_ID = UUID("00000000-0000-0000-0000-0000000c11f1")
STARTED = datetime(2025, 3, 1, 20, 0, tzinfo=UTC)
LATER = STARTED + timedelta(minutes=5)

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
COUNTER = Principal(Role.ADMIN, "view-counter")


def start_sweep(*, material: str = "words:2", until: int = 100) -> MatchSweep:
    return MatchSweep.start(title_id=DUNE_ID, material=material, until_position=until, at=STARTED)


# Sweeps ---------------------------------------------------------------------------------------


def test_a_sweep_is_named_by_its_title_and_material() -> None:
    sweep = start_sweep(material="reference:trailer")

    assert sweep.id == MatchSweep.id_for(DUNE_ID, "reference:trailer")
    assert MatchSweep.id_for(DUNE_ID, "reference:trailer") == MatchSweep.id_for(
        DUNE_ID, "reference:trailer"
    )
    assert MatchSweep.id_for(DUNE_ID, "reference:teaser") != sweep.id
    assert MatchSweep.id_for(BARBIE_ID, "reference:trailer") != sweep.id


def test_a_new_sweep_starts_at_the_beginning_of_the_log() -> None:
    sweep = start_sweep(until=40)

    assert (sweep.position, sweep.until_position) == (0, 40)
    assert (sweep.considered, sweep.changed, sweep.finished) == (0, 0, False)


def test_a_sweep_names_its_material() -> None:
    with pytest.raises(InvalidValue, match="names the material"):
        start_sweep(material="")


def test_a_sweep_advances_and_counts_what_it_did() -> None:
    sweep = start_sweep(until=40)

    sweep.advance(12, considered=4, changed=1)
    sweep.advance(40, considered=3, changed=2)

    assert (sweep.position, sweep.considered, sweep.changed) == (40, 7, 3)


@pytest.mark.parametrize("position", [12, 11])
def test_a_sweep_only_moves_forward(position: int) -> None:
    sweep = start_sweep(until=40)
    sweep.advance(12, considered=4, changed=0)

    with pytest.raises(InvalidValue, match="moves forward within its range"):
        sweep.advance(position, considered=1, changed=0)
    assert sweep.position == 12


def test_a_sweep_does_not_move_past_the_videos_it_covers() -> None:
    sweep = start_sweep(until=40)

    with pytest.raises(InvalidValue, match="moves forward within its range"):
        sweep.advance(41, considered=1, changed=0)
    assert sweep.position == 0


def test_a_sweep_finishes_once() -> None:
    sweep = start_sweep()
    sweep.finish(at=LATER)

    assert sweep.finished
    with pytest.raises(SweepFinished):
        sweep.finish(at=LATER)


def test_a_finished_sweep_does_not_advance() -> None:
    sweep = start_sweep(until=40)
    sweep.finish(at=LATER)

    with pytest.raises(SweepFinished):
        sweep.advance(10, considered=1, changed=0)
    assert sweep.position == 0


# Batches --------------------------------------------------------------------------------------


def test_an_engagement_batch_counts_something() -> None:
    with pytest.raises(InvalidValue, match="counts something"):
        EngagementBatch.record(
            batch_id_for("admin:counter", "b1"), reporter="admin:counter", counts=[], at=STARTED
        )


def test_every_count_of_an_engagement_batch_adds_something() -> None:
    counts = [
        EngagementCount(video_id=CLIP_ID, added=Engagement(views=10)),
        EngagementCount(video_id=REEL_ID, added=Engagement()),
    ]

    with pytest.raises(InvalidValue, match="every count in a batch adds something"):
        EngagementBatch.record(
            batch_id_for("admin:counter", "b1"),
            reporter="admin:counter",
            counts=counts,
            at=STARTED,
        )


def test_an_engagement_batch_keeps_its_counts() -> None:
    counts = [EngagementCount(video_id=CLIP_ID, added=Engagement(views=10, likes=2))]
    batch_id = batch_id_for("admin:counter", "b1")

    batch = EngagementBatch.record(batch_id, reporter="admin:counter", counts=counts, at=STARTED)

    assert (batch.id, batch.reporter, batch.counts) == (batch_id, "admin:counter", tuple(counts))


def test_a_click_batch_holds_at_least_one_click() -> None:
    with pytest.raises(InvalidValue, match="at least one click"):
        ClickBatch.record(batch_id_for("viewer:zoe", "c1"), viewer="viewer:zoe", clicks=[])


def test_a_click_batch_keeps_its_clicks() -> None:
    click = Click(video_id=CLIP_ID, title_id=DUNE_ID, target="tickets", at=STARTED)

    batch = ClickBatch.record(batch_id_for("viewer:zoe", "c1"), viewer="viewer:zoe", clicks=[click])

    assert batch.clicks == (click,)
    assert batch.clicks[0].target is ClickTarget.TICKETS


def test_a_batch_id_is_the_same_for_the_same_reporter_and_key() -> None:
    assert batch_id_for("admin:counter", "2025-03-01T20") == batch_id_for(
        "admin:counter", "2025-03-01T20"
    )


def test_two_reporters_using_the_same_key_name_different_batches() -> None:
    assert batch_id_for("admin:counter", "b1") != batch_id_for("admin:other-counter", "b1")
    assert batch_id_for("admin:counter", "b1") != batch_id_for("admin:counter", "b2")


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_a_batch_key_has_one_to_two_hundred_characters(key: str) -> None:
    with pytest.raises(InvalidValue, match="1 to 200 characters"):
        batch_id_for("admin:counter", key)


# Sweeps through the anchoring service ---------------------------------------------------------

ARRAKIS_CLIPS = 25


def publish(core: Spotlight, caption: str, *hashtags: str) -> VideoView:
    return core.anchoring.publish_video(
        MIA, caption=caption, hashtags=list(hashtags), category="film-and-tv"
    ).video


def register_dune(core: Spotlight) -> TitleView:
    """Register the title and let its name sweep the videos already out."""
    title = core.anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    drain(core)
    return title


def drain(core: Spotlight, *, max_videos: int = 10, batch: int = 4) -> list[SweepReport]:
    reports: list[SweepReport] = []
    while not reports or reports[-1].pending:
        reports.append(core.anchoring.run_sweeps(max_videos=max_videos, batch=batch))
        assert len(reports) < 50, "sweeps do not come to an end"
    return reports


def proposals_of(core: Spotlight, video_id: UUID) -> dict[UUID, object]:
    return dict(core._catalogue.load(Video, video_id).proposals)


def arrakis_clips(core: Spotlight) -> list[VideoView]:
    return [publish(core, f"desert clip number {n}", "#Arrakis") for n in range(ARRAKIS_CLIPS)]


def test_new_words_are_matched_against_every_earlier_video_exactly_once(core: Spotlight) -> None:
    clips = arrakis_clips(core)
    dune = register_dune(core)
    assert all(proposals_of(core, clip.id) == {} for clip in clips)

    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])
    reports = drain(core, max_videos=10, batch=4)

    assert all(report.videos_considered <= 10 for report in reports)
    assert sum(report.videos_considered for report in reports) == ARRAKIS_CLIPS
    assert sum(report.videos_changed for report in reports) == ARRAKIS_CLIPS
    for clip in clips:
        video = core._catalogue.load(Video, clip.id)
        assert list(video.proposals) == [dune.id]
        assert [e.signal for e in video.proposals[dune.id].evidence] == [Signal.TEXT]
    assert core.anchoring.run_sweeps(max_videos=10, batch=4) == SweepReport(0, 0, 0, pending=0)


def test_a_sweep_keeps_its_count_on_the_sweep_itself(core: Spotlight) -> None:
    arrakis_clips(core)
    dune = register_dune(core)
    words = core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])
    drain(core, max_videos=7, batch=3)

    sweep: MatchSweep = core._catalogue.repository.get(
        MatchSweep.id_for(dune.id, f"words:{words.version}")
    )
    assert sweep.finished
    assert (sweep.considered, sweep.changed) == (ARRAKIS_CLIPS, ARRAKIS_CLIPS)


def test_registration_and_new_words_each_sweep_every_earlier_video_once(core: Spotlight) -> None:
    clips = arrakis_clips(core)
    dune = core.anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])

    reports = drain(core, max_videos=10, batch=4)

    # Two pieces of material, each run over the 25 videos; a video is proposed only once.
    assert sum(report.videos_considered for report in reports) == 2 * ARRAKIS_CLIPS
    assert sum(report.videos_changed for report in reports) == ARRAKIS_CLIPS
    assert all(list(proposals_of(core, clip.id)) == [dune.id] for clip in clips)


def test_a_video_published_after_the_words_is_matched_at_publication(core: Spotlight) -> None:
    arrakis_clips(core)
    dune = register_dune(core)
    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])

    late = core.anchoring.publish_video(
        MIA, caption="one more desert clip", hashtags=["#Arrakis"], category="film-and-tv"
    )

    assert late.decisions == {dune.id: Decision.REVIEW}
    assert list(proposals_of(core, late.video.id)) == [dune.id]
    reports = drain(core)
    assert sum(report.videos_considered for report in reports) == ARRAKIS_CLIPS


def test_a_sweep_leaves_unrelated_videos_alone(core: Spotlight) -> None:
    arrakis_clips(core)
    cats = [publish(core, f"cat video {n}", "#Cats") for n in range(3)]
    dune = register_dune(core)
    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])

    reports = drain(core)

    assert sum(report.videos_considered for report in reports) == ARRAKIS_CLIPS + len(cats)
    assert sum(report.videos_changed for report in reports) == ARRAKIS_CLIPS
    assert all(proposals_of(core, cat.id) == {} for cat in cats)


def test_new_words_set_by_one_worker_reach_videos_published_through_another(
    core: Spotlight, clock: FixedClock, identities: SequentialIdentities
) -> None:
    """Several service processes share one store; each has its own read models.

    A video published through one worker, before a studio sets words through another,
    was matched against the old words at publication; only the sweep of the new words can
    find it. The sweep must therefore cover every video stored when it starts, not only
    those its worker has already read.
    """
    other_worker = Anchoring(
        core.cataloguing,
        log=core._catalogue,
        decoder=core.anchoring.decoder,
        text=InvertedTextEngine(),
        engines=(),
        clock=clock,
        identities=identities,
        max_upload_bytes=1_000,
        protection=core.protection,
        projections=core.projections,
        review=core.anchoring.review,
    )
    dune = register_dune(core)
    clip = other_worker.publish_video(
        MIA, caption="desert clip", hashtags=["#Arrakis"], category="film-and-tv"
    )
    assert clip.decisions == {}

    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])
    drain(core)

    assert list(proposals_of(core, clip.video.id)) == [dune.id]


# The review queue -----------------------------------------------------------------------------


def dune_with_arrakis_clips(core: Spotlight, count: int) -> tuple[TitleView, list[VideoView]]:
    dune = register_dune(core)
    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])
    clips = [publish(core, f"desert clip number {n}", "#Arrakis") for n in range(count)]
    return dune, clips


def queued(core: Spotlight) -> list[tuple[UUID, UUID]]:
    return [(item.video_id, item.title_id) for item in core.anchoring.review_queue(ROSA).items]


def test_the_review_queue_shows_the_most_popular_videos_first(core: Spotlight) -> None:
    dune, (quiet, viral, steady) = dune_with_arrakis_clips(core, 3)

    core.audience.record_engagement(
        COUNTER,
        "2025-03-01T21",
        [(viral.id, Engagement(views=9_000)), (steady.id, Engagement(views=400))],
    )
    core.audience.record_engagement(
        COUNTER, "2025-03-01T22", [(steady.id, Engagement(views=100, shares=50))]
    )

    page = core.anchoring.review_queue(ROSA)
    assert [item.video_id for item in page.items] == [viral.id, steady.id, quiet.id]
    assert [item.popularity for item in page.items] == [9_000, 500 + 12 * 50, 0]
    assert all(item.title_id == dune.id for item in page.items)


def test_among_equally_popular_videos_the_longest_waiting_comes_first(
    core: Spotlight, clock: FixedClock
) -> None:
    dune = register_dune(core)
    published_first = publish(core, "desert clip", "#Arrakis")
    core.anchoring.set_match_words(LEGENDARY, dune.id, hashtags=["#Arrakis"], keywords=[])
    clock.advance(timedelta(minutes=1))
    proposed_first = publish(core, "another desert clip", "#Arrakis")
    clock.advance(timedelta(minutes=1))
    drain(core)  # the sweep proposes the earlier video only now

    assert [video for video, _title in queued(core)] == [proposed_first.id, published_first.id]


def test_the_review_queue_is_paged(core: Spotlight) -> None:
    dune_with_arrakis_clips(core, 3)

    first = core.anchoring.review_queue(ROSA, limit=2)
    rest = core.anchoring.review_queue(ROSA, limit=2, cursor=first.next_cursor)

    assert len(first.items) == 2
    assert first.next_cursor is not None
    assert (len(rest.items), rest.next_cursor) == (1, None)
    assert first.items + rest.items == core.anchoring.review_queue(ROSA).items


def test_attaching_a_proposed_anchor_takes_it_out_of_the_queue(core: Spotlight) -> None:
    dune, (chosen, other) = dune_with_arrakis_clips(core, 2)

    anchored = core.anchoring.decide(ROSA, chosen.id, dune.id, attach=True, reason="spice")

    assert anchored.anchor is not None
    assert anchored.anchor.title_id == dune.id
    assert queued(core) == [(other.id, dune.id)]


def test_a_rejected_proposal_leaves_the_queue_and_is_not_proposed_by_later_sweeps(
    core: Spotlight,
) -> None:
    dune, (rejected, kept) = dune_with_arrakis_clips(core, 2)

    core.anchoring.decide(ROSA, rejected.id, dune.id, attach=False, reason="a travel vlog")
    assert queued(core) == [(kept.id, dune.id)]

    core.anchoring.set_match_words(
        LEGENDARY, dune.id, hashtags=["#Arrakis", "#Desert"], keywords=["desert clip"]
    )
    reports = drain(core)

    assert sum(report.videos_considered for report in reports) == 2
    assert sum(report.videos_changed for report in reports) == 0
    assert proposals_of(core, rejected.id) == {}
    assert dune.id in core._catalogue.load(Video, rejected.id).declined_titles
    assert queued(core) == [(kept.id, dune.id)]
