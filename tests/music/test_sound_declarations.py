""" "Use this sound": a creator declares the track a video uses, and the audio is asked.

Tracks and videos are real decoded media from the generated corpus: an artist's recording is
fingerprinted when submitted, a video's when published, and the declaration is checked by
the same audio engine that detects uses. A declared track the audio does not carry is
flagged, never accepted; a track's list tells declared uses from detected ones.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from application.music.sounds import SoundCounts, TrackNotUsable
from domain.music.sounds import HEARD_MIN_SCORE, HEARD_MIN_SECONDS, SoundCheck, SoundUnchanged
from entrypoints.bootstrap import Spotlight
from tests.media import corpus
from tests.music.test_usage_detection import (
    AIKO,
    HARBOUR,
    LANTERNS,
    MIA,
    MOTH,
    ROSA,
    cleared,
    published,
    submitted,
    track_clip,
)

NOOR = Principal(Role.CREATOR, "noor")


def sound_events(core: Spotlight) -> int:
    return len(
        core._music.recorder.select_notifications(
            start=None,
            limit=10_000,
            topics=(
                "spotlight.sounds:SoundDeclared",
                "spotlight.sounds:SoundRedeclared",
                "spotlight.sounds:DeclaredSoundVerified",
                "spotlight.sounds:DeclaredSoundFlagged",
            ),
        )
    )


def test_a_declared_track_that_the_audio_carries_is_verified(core: Spotlight) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    video = published(core, corpus.voice_over_mixed(track_clip(LANTERNS)), "dance challenge")

    declaration = core.sounds.declare(MIA, video, lanterns)

    assert declaration.check is SoundCheck.VERIFIED
    assert declaration.hearing is not None
    assert declaration.hearing.score >= HEARD_MIN_SCORE
    assert declaration.hearing.matched_seconds >= HEARD_MIN_SECONDS
    assert core.sounds.declaration(video) == declaration


def test_a_declared_track_that_is_not_in_the_audio_is_flagged(core: Spotlight) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    cleared(core, HARBOUR, "Harbour Lights")
    # The video carries Harbour Lights, and its creator says it uses Paper Lanterns.
    video = published(core, corpus.noise_mixed(track_clip(HARBOUR)), "harbour at night")

    declaration = core.sounds.declare(MIA, video, lanterns)

    assert declaration.check is SoundCheck.FLAGGED
    assert declaration.hearing is not None
    assert not declaration.hearing.carries_track
    page = core.sounds.track_videos(lanterns)
    assert page.counts == SoundCounts(declared=1, detected=0, verified=0, flagged=1)
    assert [(row.video_id, row.declared, row.check) for row in page.items] == [
        (video, True, SoundCheck.FLAGGED)
    ]


def test_a_video_without_audio_flags_any_declared_track(core: Spotlight) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    video = published(core, corpus.silent_video_without_audio(), "silent film")

    assert core.sounds.declare(MIA, video, lanterns).check is SoundCheck.FLAGGED


def test_a_video_published_without_media_keeps_its_declaration_unchecked(
    core: Spotlight,
) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    video = core.anchoring.publish_video(
        MIA, caption="text only", hashtags=[], category="music"
    ).video.id

    declaration = core.sounds.declare(MIA, video, lanterns)

    assert declaration.check is SoundCheck.UNCHECKED
    assert declaration.hearing is None
    counts = core.sounds.track_videos(lanterns).counts
    assert counts == SoundCounts(declared=1, detected=0, verified=0, flagged=0)


def test_declared_and_detected_uses_are_told_apart(core: Spotlight) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    clip = track_clip(LANTERNS)
    declared_and_heard = published(core, corpus.voice_over_mixed(clip), "declared")
    only_detected = published(core, corpus.noise_mixed(clip), "not declared")
    core.sounds.declare(MIA, declared_and_heard, lanterns)

    before_scan = core.sounds.track_videos(lanterns)
    assert before_scan.counts == SoundCounts(declared=1, detected=0, verified=1, flagged=0)

    core.usage.run_to_completion()

    page = core.sounds.track_videos(lanterns)
    assert page.counts == SoundCounts(declared=1, detected=2, verified=1, flagged=0)
    rows = {row.video_id: (row.declared, row.detected, row.check) for row in page.items}
    assert rows == {
        declared_and_heard: (True, True, SoundCheck.VERIFIED),
        only_detected: (False, True, None),
    }


def test_changing_the_declared_track_moves_the_declaration_and_checks_it_afresh(
    core: Spotlight,
) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    harbour = cleared(core, HARBOUR, "Harbour Lights")
    video = published(core, corpus.voice_over_mixed(track_clip(HARBOUR)), "harbour")
    assert core.sounds.declare(MIA, video, lanterns).check is SoundCheck.FLAGGED

    corrected = core.sounds.declare(MIA, video, harbour)

    assert corrected.check is SoundCheck.VERIFIED
    assert core.sounds.track_videos(lanterns).items == ()
    assert core.sounds.track_videos(lanterns).counts == SoundCounts(0, 0, 0, 0)
    assert core.sounds.track_videos(harbour).counts == SoundCounts(1, 0, 1, 0)
    with pytest.raises(SoundUnchanged):
        core.sounds.declare(MIA, video, harbour)


def test_only_the_videos_creator_declares_a_cleared_track_and_refusals_record_nothing(
    core: Spotlight,
) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    pending = submitted(core, MOTH, "Moth Wings")
    video = published(core, track_clip(LANTERNS), "mine")

    with pytest.raises(NotPermitted):
        core.sounds.declare(NOOR, video, lanterns)
    with pytest.raises(NotPermitted):
        core.sounds.declare(AIKO, video, lanterns)
    with pytest.raises(TrackNotUsable):
        core.sounds.declare(MIA, video, pending)
    with pytest.raises(NotFound):
        core.sounds.declare(MIA, video, UUID(int=7))
    with pytest.raises(NotFound):
        core.sounds.declare(MIA, UUID(int=8), lanterns)
    assert sound_events(core) == 0
    with pytest.raises(NotFound):
        core.sounds.declaration(video)


def test_a_tracks_videos_come_a_page_at_a_time(core: Spotlight) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    clip = track_clip(LANTERNS)
    videos = [published(core, corpus.voice_over_mixed(clip), f"take {n}") for n in range(3)]
    for video in videos:
        core.sounds.declare(MIA, video, lanterns)

    seen: list[UUID] = []
    cursor: str | None = None
    while True:
        page = core.sounds.track_videos(lanterns, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        assert page.counts.declared == 3
        seen.extend(row.video_id for row in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == videos
    with pytest.raises(NotFound):
        core.sounds.track_videos(UUID(int=9))


def test_a_removed_video_is_left_out_of_the_public_list_but_still_counted(
    core: Spotlight,
) -> None:
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    clip = track_clip(LANTERNS)
    kept, removed = (published(core, corpus.voice_over_mixed(clip), c) for c in ("a", "b"))
    for video in (kept, removed):
        core.sounds.declare(MIA, video, lanterns)
    core.moderation.decide(ROSA, removed, "removed", reason="spam", policy="guidelines/1")

    page = core.sounds.track_videos(lanterns)

    assert [row.video_id for row in page.items] == [kept]
    assert page.counts.declared == 2
