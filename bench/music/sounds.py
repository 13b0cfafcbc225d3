"""``python -m bench sounds``: how well "use this sound" tells a true declaration from a
false one, on the generated media corpus.

Each artist's recording (``tests.media.corpus.reference_clip``) is submitted and cleared;
every transformed copy of it (``corpus.TRANSFORMS``: re-encoded, cropped, mirrored, sped up,
mixed with noise or a voice-over, trimmed, audio only...) is published as a video, and its
creator first declares *another* cleared track (a false declaration: it must be flagged),
then the right one (a true declaration: it must be verified). Unrelated clips declare a track
they do not carry. The check is the application's own (``Sounds.declare``): real decoding,
the landmark engine's fingerprints and the music index.

Precision of flagging: of the declarations flagged, the share that were false. Recall of
flagging: of the false declarations, the share flagged (a false declaration that is not
flagged is accepted silently, the failure the check exists to prevent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from application.auth import Principal, Role
from bench.anchors.common import memory_store, open_core
from bench.products.common import progress
from bench.tables import Table, render_table
from domain.music.sounds import SoundCheck
from entrypoints.bootstrap import Spotlight
from tests.media.corpus import TRANSFORMS, reference_clip, unrelated_clip

ARTIST = Principal(Role.ARTIST, "bench-artist")
REVIEWER = Principal(Role.REVIEWER, "bench-reviewer")
CREATOR = Principal(Role.CREATOR, "bench-creator")
CLIP_SECONDS = 12.0
SIZE = (320, 180)


@dataclass(frozen=True)
class SoundsPlan:
    track_seeds: tuple[int, ...]
    transforms: tuple[str, ...]
    unrelated_seeds: tuple[int, ...]

    def describe(self) -> str:
        return (
            f"{len(self.track_seeds)} tracks x {len(self.transforms)} transformed copies, "
            f"{len(self.unrelated_seeds)} unrelated clips"
        )


FULL = SoundsPlan(
    track_seeds=tuple(range(301, 307)),
    transforms=tuple(TRANSFORMS),
    unrelated_seeds=tuple(range(11, 17)),
)
QUICK = SoundsPlan(
    track_seeds=(301, 302, 303),
    transforms=("reencoded_low_bitrate", "noise_mixed", "voice_over_mixed", "sped_up"),
    unrelated_seeds=(11, 12),
)


@dataclass
class SoundsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """Declarations by truth (is the track in the audio?) and by outcome."""

    true_verified: int = 0
    true_flagged: int = 0
    false_verified: int = 0
    false_flagged: int = 0
    misses: list[str] = field(default_factory=list)

    def count(self, case: str, truly_there: bool, check: SoundCheck) -> None:
        flagged = check is SoundCheck.FLAGGED
        if truly_there and not flagged:
            self.true_verified += 1
        elif truly_there:
            self.true_flagged += 1
            self.misses.append(f"{case}: the declared track is in the audio, flagged")
        elif flagged:
            self.false_flagged += 1
        else:
            self.false_verified += 1
            self.misses.append(f"{case}: the declared track is not in the audio, verified")


def _share(part: int, whole: int) -> str:
    return "n/a" if whole == 0 else f"{part / whole:.3f}"


def _cleared_tracks(core: Spotlight, seeds: Sequence[int]) -> dict[int, UUID]:
    core.discovery.register_artist(ARTIST, name="Bench Artist", region="US")
    tracks: dict[int, UUID] = {}
    for seed in seeds:
        media = reference_clip(seed, seconds=CLIP_SECONDS, size=SIZE)
        track = core.discovery.submit_track(ARTIST, title=f"Track {seed}", media=media)
        core.discovery.clear_track(REVIEWER, track.id, reason="bench", override=True)
        tracks[seed] = track.id
    return tracks


def _publish(core: Spotlight, media: bytes, caption: str) -> UUID:
    published = core.anchoring.publish_video(
        CREATOR, caption=caption, hashtags=[], category="music", media=media
    )
    return published.video.id


def run(plan: SoundsPlan) -> SoundsReport:
    report = SoundsReport()
    tally = Tally()
    with open_core(memory_store()) as core:
        progress(f"sounds: clearing {len(plan.track_seeds)} tracks")
        tracks = _cleared_tracks(core, plan.track_seeds)
        seeds = list(plan.track_seeds)
        for number, seed in enumerate(seeds):
            original = reference_clip(seed, seconds=CLIP_SECONDS, size=SIZE)
            wrong = tracks[seeds[(number + 1) % len(seeds)]]
            progress(f"sounds: {len(plan.transforms)} copies of track {seed}")
            for name in plan.transforms:
                case = f"track {seed}/{name}"
                video = _publish(core, TRANSFORMS[name](original), case)
                tally.count(case, False, core.sounds.declare(CREATOR, video, wrong).check)
                tally.count(case, True, core.sounds.declare(CREATOR, video, tracks[seed]).check)
        for seed in plan.unrelated_seeds:
            case = f"unrelated {seed}"
            video = _publish(core, unrelated_clip(seed), case)
            declared = tracks[seeds[seed % len(seeds)]]
            tally.count(case, False, core.sounds.declare(CREATOR, video, declared).check)
    flagged = tally.false_flagged + tally.true_flagged
    false = tally.false_flagged + tally.false_verified
    true = tally.true_verified + tally.true_flagged
    table = Table(
        f"Use this sound: the declaration check on the media corpus ({plan.describe()})",
        ("declarations", "false", "true", "flagged", "wrongly flagged", "precision", "recall"),
    )
    table.add(
        str(false + true),
        str(false),
        str(true),
        str(flagged),
        str(tally.true_flagged),
        _share(tally.false_flagged, flagged),
        _share(tally.false_flagged, false),
    )
    verified = Table(
        "Verified declarations (the true ones the check accepts)",
        ("true", "verified", "share", "false verified"),
    )
    verified.add(
        str(true),
        str(tally.true_verified),
        _share(tally.true_verified, true),
        str(tally.false_verified),
    )
    report.lines = [
        *render_table(table),
        "",
        "precision: of the declarations flagged, the share whose track is not in the audio; "
        "recall: of those, the share flagged",
        "",
        *render_table(verified),
        *(["", "misses:", *(f"  {miss}" for miss in tally.misses)] if tally.misses else []),
    ]
    if tally.false_verified:
        report.failures.append(
            f"sounds: {tally.false_verified} false declarations were verified, not flagged"
        )
    return report
