"""Usage detection: videos of the catalogue whose soundtrack carries a cleared track.

Videos are published with real media through ``core.anchoring.publish_video``; the live
scan and each cleared track's backfill scan walk their fingerprints in the catalogue's log
and record a ``TrackUse`` once per track and video, however often or by however many
instances they run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.logs import MusicLog
from application.music.usage_detection import USE_MIN_SCORE, USE_MIN_SECONDS, UsageReport
from domain.music.track_usage import LIVE, TrackUse, UsageScan
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock, InterleavingClock, SequentialIdentities
from tests.media import corpus

AIKO = Principal(Role.ARTIST, "aiko")
ROSA = Principal(Role.REVIEWER, "rosa")
MIA = Principal(Role.CREATOR, "mia")
SMALL = (320, 180)
SECONDS = 12.0
LANTERNS, HARBOUR, MOTH = 61, 62, 63  # seeds of three artists' original recordings


def track_clip(seed: int) -> bytes:
    """An artist's original recording (a 12-second clip with a melody of its own)."""
    return corpus.reference_clip(seed, seconds=SECONDS, size=SMALL)


def unrelated_videos() -> list[bytes]:
    return [
        corpus.unrelated_clip(6, seconds=8),
        corpus.reference_clip(70, seconds=8, size=SMALL),
    ]


# Helpers ----------------------------------------------------------------------------------


def submitted(core: Spotlight, seed: int, title: str) -> UUID:
    if core.discovery.read.catch_up().artist(AIKO.subject) is None:
        core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    track = core.discovery.submit_track(AIKO, title=title, media=track_clip(seed))
    assert not track.flagged, track.resemblances
    return track.id


def cleared(core: Spotlight, seed: int, title: str) -> UUID:
    track_id = submitted(core, seed, title)
    core.discovery.clear_track(ROSA, track_id, reason="original work")
    return track_id


def published(core: Spotlight, media: bytes, caption: str = "my edit") -> UUID:
    return core.anchoring.publish_video(
        MIA, caption=caption, hashtags=[], category="music", media=media
    ).video.id


def detected(music: MusicLog) -> list[TrackUse.Detected]:
    """Every use recorded in the music log, in log order (duplicates included)."""
    notifications = music.recorder.select_notifications(
        start=None, limit=100_000, topics=(TrackUse.Detected.TOPIC,)
    )
    events = [music.mapper.to_domain_event(n) for n in notifications]
    assert all(isinstance(e, TrackUse.Detected) for e in events)
    return [e for e in events if isinstance(e, TrackUse.Detected)]


def pairs(music: MusicLog) -> list[tuple[UUID, UUID]]:
    return [(use.track_id, use.video_id) for use in detected(music)]


def scan_advances(music: MusicLog, scope: str) -> list[UsageScan.Advanced]:
    return [
        event
        for event in music.events.get(UsageScan.id_for(scope))
        if isinstance(event, UsageScan.Advanced)
    ]


def logged(music: MusicLog) -> int:
    return music.recorder.max_notification_id() or 0


def uses_of(core: Spotlight, track_id: UUID) -> int:
    return core.discovery.track(track_id).uses


# On the in-memory store -----------------------------------------------------------------------


def test_videos_using_a_cleared_track_count_as_uses_and_unrelated_ones_do_not(
    core: Spotlight,
) -> None:
    clip = track_clip(LANTERNS)
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    assert core.usage.run().uses_found == 0
    voice_over = published(core, corpus.voice_over_mixed(clip), "dance challenge")
    noisy = published(core, corpus.noise_mixed(clip), "street recording")
    for media in unrelated_videos():
        published(core, media, "something else")

    report = core.usage.run()

    assert report.uses_found == 2
    assert report.videos_considered == 4
    assert sorted(pairs(core._music)) == sorted([(lanterns, voice_over), (lanterns, noisy)])
    for use in detected(core._music):
        assert use.score >= USE_MIN_SCORE
        assert use.matched_seconds >= USE_MIN_SECONDS
        assert use.track_start == pytest.approx(0.0, abs=1.0)
        assert use.video_start == pytest.approx(0.0, abs=1.0)
    assert uses_of(core, lanterns) == 2


def test_a_track_cleared_after_the_videos_were_published_is_found_by_its_backfill(
    core: Spotlight,
) -> None:
    clip = track_clip(LANTERNS)
    lanterns = submitted(core, LANTERNS, "Paper Lanterns")
    videos = [published(core, corpus.voice_over_mixed(clip)), published(core, clip)]
    published(core, unrelated_videos()[0])
    # The live scan passes every video while the track is still awaiting review.
    assert core.usage.run_to_completion().uses_found == 0
    live_position = core._music.load(UsageScan, UsageScan.id_for(LIVE)).position
    catalogue_head = core._catalogue.recorder.max_notification_id()

    core.discovery.clear_track(ROSA, lanterns, reason="original work")
    report = core.usage.run_to_completion()

    assert report.uses_found == 2
    assert sorted(pairs(core._music)) == sorted((lanterns, video) for video in videos)
    backfill = core._music.load(UsageScan, UsageScan.id_for(f"track:{lanterns}"))
    assert backfill.finished
    assert backfill.until_position == catalogue_head
    assert sum(a.found for a in scan_advances(core._music, f"track:{lanterns}")) == 2
    assert sum(a.found for a in scan_advances(core._music, LIVE)) == 0
    assert core._music.load(UsageScan, UsageScan.id_for(LIVE)).position == live_position
    assert uses_of(core, lanterns) == 2


def test_rejected_and_not_yet_cleared_tracks_get_no_uses(core: Spotlight) -> None:
    rejected = submitted(core, LANTERNS, "Paper Lanterns")
    core.discovery.reject_track(ROSA, rejected, reason="not the artist's own recording")
    waiting = submitted(core, HARBOUR, "Harbour Lights")
    for seed in (LANTERNS, HARBOUR):
        published(core, corpus.voice_over_mixed(track_clip(seed)))

    report = core.usage.run_to_completion()

    assert report.uses_found == 0
    assert detected(core._music) == []
    assert (uses_of(core, rejected), uses_of(core, waiting)) == (0, 0)
    assert core.discovery.read.catch_up().scans_started() == {LIVE}
    # The videos do carry the waiting track: once it is cleared, they are its uses.
    core.discovery.clear_track(ROSA, waiting, reason="original work")
    assert core.usage.run_to_completion().uses_found == 1
    assert (uses_of(core, rejected), uses_of(core, waiting)) == (0, 1)


def test_running_the_detection_again_records_nothing_new(core: Spotlight) -> None:
    clip = track_clip(LANTERNS)
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    # Published before the first run: the live scan and the track's backfill both see them.
    videos = [published(core, corpus.voice_over_mixed(clip)), published(core, clip)]

    first = core.usage.run_to_completion()
    assert first.uses_found == 2
    assert sum(a.considered for a in scan_advances(core._music, LIVE)) == 2
    assert sum(a.considered for a in scan_advances(core._music, f"track:{lanterns}")) == 2
    recorded = logged(core._music)

    again: list[UsageReport] = [core.usage.run(), core.usage.run_to_completion()]

    assert [(r.videos_considered, r.uses_found) for r in again] == [(0, 0), (0, 0)]
    assert logged(core._music) == recorded
    assert Counter(pairs(core._music)) == Counter((lanterns, video) for video in videos)
    assert uses_of(core, lanterns) == 2


def test_the_featured_playlist_lists_the_most_used_tracks_first(
    core: Spotlight, clock: FixedClock
) -> None:
    # Cleared oldest first: without uses, the newest cleared would lead the playlist.
    lanterns = cleared(core, LANTERNS, "Paper Lanterns")
    clock.advance(timedelta(hours=1))
    harbour = cleared(core, HARBOUR, "Harbour Lights")
    clock.advance(timedelta(hours=1))
    moth = cleared(core, MOTH, "Moth")
    before = [item.track_id for item in core.discovery.featured_playlist().items]
    assert before == [moth, harbour, lanterns]
    published(core, corpus.voice_over_mixed(track_clip(LANTERNS)))
    published(core, corpus.noise_mixed(track_clip(LANTERNS)))
    published(core, corpus.voice_over_mixed(track_clip(HARBOUR)))

    core.usage.run_to_completion()

    playlist = core.discovery.featured_playlist().items
    assert [(item.track_id, item.uses) for item in playlist] == [
        (lanterns, 2),
        (harbour, 1),
        (moth, 0),
    ]
    assert [item.position for item in playlist] == [1, 2, 3]


# Several instances on one SQLite store ---------------------------------------------------------


def sqlite_settings(data_dir: Path) -> Settings:
    return Settings.from_environ(
        {
            "SPOTLIGHT_STORE": f"sqlite:///{data_dir}/spotlight.db",
            "SPOTLIGHT_DATA_DIR": str(data_dir),
            "SPOTLIGHT_SECRET": "s" * 32,
        }
    )


@pytest.fixture
def instances() -> Iterator[list[Spotlight]]:
    """The instances a test starts on one SQLite store (as separate processes would run);
    closed at the end."""
    started: list[Spotlight] = []
    yield started
    for instance in started:
        instance.close()


def start(instances: list[Spotlight], data_dir: Path, clock: FixedClock) -> Spotlight:
    instance = bootstrap(
        sqlite_settings(data_dir),
        clock=clock,
        identities=SequentialIdentities(series=len(instances) + 1),
    )
    instances.append(instance)
    return instance


def test_two_instances_sharing_a_sqlite_store_record_each_use_once(
    instances: list[Spotlight], tmp_path: Path, clock: FixedClock
) -> None:
    first, second = start(instances, tmp_path, clock), start(instances, tmp_path, clock)
    clip = track_clip(LANTERNS)
    lanterns = cleared(first, LANTERNS, "Paper Lanterns")
    videos = [
        published(first, corpus.voice_over_mixed(clip)),
        published(second, corpus.noise_mixed(clip)),
        published(first, clip),
    ]
    published(second, unrelated_videos()[1])

    together = Barrier(2)

    def detect(core: Spotlight) -> UsageReport:
        together.wait()
        return core.usage.run_to_completion(batch=1)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(detect, (first, second)))
    later = [core.usage.run_to_completion() for core in (second, first)]

    assert sum(report.uses_found for report in reports) == 3
    assert [report.uses_found for report in later] == [0, 0]
    assert Counter(pairs(first._music)) == Counter((lanterns, video) for video in videos)
    for core in (first, second):
        assert uses_of(core, lanterns) == 3
        assert [(i.track_id, i.uses) for i in core.discovery.featured_playlist().items] == [
            (lanterns, 3)
        ]


def test_a_stopped_scan_resumes_from_its_cursor(
    instances: list[Spotlight], tmp_path: Path, clock: FixedClock
) -> None:
    first = start(instances, tmp_path, clock)
    clip = track_clip(LANTERNS)
    lanterns = cleared(first, LANTERNS, "Paper Lanterns")
    assert first.usage.run().uses_found == 0  # the backfill has nothing before the videos
    videos = [
        published(first, corpus.voice_over_mixed(clip)),
        published(first, unrelated_videos()[1]),
        published(first, corpus.noise_mixed(clip)),
        published(first, clip),
    ]

    steps = [first.usage.run(max_videos=1) for _ in range(2)]
    first.close()
    instances.remove(first)
    resumed = start(instances, tmp_path, clock)  # a new process on the same store
    while (step := resumed.usage.run(max_videos=1)).videos_considered:
        steps.append(step)
        assert len(steps) <= len(videos), "the scan never ends"

    assert [s.videos_considered for s in steps] == [1, 1, 1, 1]
    assert [s.uses_found for s in steps] == [1, 0, 1, 1]
    advances = scan_advances(resumed._music, LIVE)
    assert [a.considered for a in advances] == [1, 1, 1, 1]
    positions = [a.position for a in advances]
    assert positions == sorted(set(positions))
    assert Counter(pairs(resumed._music)) == Counter(
        (lanterns, video) for video in (videos[0], videos[2], videos[3])
    )
    assert uses_of(resumed, lanterns) == 3


def test_run_to_completion_scans_every_video_even_after_losing_a_race(
    instances: list[Spotlight], tmp_path: Path
) -> None:
    """Closing a round counts "the videos published so far" with ``run_to_completion``: it
    must not stop early because another instance moved the shared cursor meanwhile."""
    racing = InterleavingClock()
    other = start(instances, tmp_path, FixedClock())
    closer = start(instances, tmp_path, racing)
    clip = track_clip(LANTERNS)
    lanterns = cleared(other, LANTERNS, "Paper Lanterns")
    published(other, unrelated_videos()[1])
    other.usage.run_to_completion()  # the live scan and the backfill exist and are done
    videos = [
        published(other, corpus.voice_over_mixed(clip)),
        published(other, corpus.noise_mixed(clip)),
        published(other, clip),
    ]
    # While the closer is recording the first use, the other instance scans one video.
    racing.before_next_reading(lambda: other.usage.run(max_videos=1))

    closer.usage.run_to_completion(batch=1)

    assert Counter(pairs(closer._music)) == Counter((lanterns, video) for video in videos)
    assert uses_of(closer, lanterns) == 3
