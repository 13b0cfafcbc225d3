"""CPU spent to decode and fingerprint a minute of 720p video, part by part."""

from __future__ import annotations

import gc
import statistics
from time import perf_counter, process_time

from adapters.matching.regions import SAMPLING, RegionVisualEngine
from adapters.media.decoding import PyAVDecoder
from bench.anchors.common import AnchorPlan, Section, engines, plural
from bench.anchors.common import progress as say
from bench.tables import Table
from tests.media.corpus import FPS, reference_clip

COST_SEED = 21
PARTS = ("decode", "audio fingerprint", "visual fingerprint", "visual regions")


def run(plan: AnchorPlan) -> Section:
    section = Section()
    say(f"cost: encoding a {plan.cost_seconds:.0f} s 720p clip")
    clip = reference_clip(COST_SEED, seconds=plan.cost_seconds)
    decoder = PyAVDecoder()  # threads=1, its default: one core per upload
    audio, visual = engines()
    regions = RegionVisualEngine()  # the visual signal's part-of-the-frame matching
    cpu: dict[str, list[float]] = {part: [] for part in (*PARTS, "total")}
    wall: list[float] = []
    duration = frames = 0.0
    for repetition in range(plan.cost_repetitions):
        say(f"cost: repetition {repetition + 1} of {plan.cost_repetitions}")
        gc.collect()
        wall_start = perf_counter()
        start = process_time()
        media = decoder.decode(clip, also=(SAMPLING,))
        decoded = process_time()
        audio.fingerprint(media)
        heard = process_time()
        visual.fingerprint(media)
        seen = process_time()
        regions.fingerprint(media)
        found = process_time()
        wall.append(perf_counter() - wall_start)
        for part, seconds in zip(
            (*PARTS, "total"),
            (decoded - start, heard - decoded, seen - heard, found - seen, found - start),
            strict=True,
        ):
            cpu[part].append(seconds)
        duration, frames = media.duration_seconds, float(len(media.frames))
    per_minute = 60.0 / duration
    total = statistics.median(cpu["total"])
    table = Table(
        "2. Fingerprinting cost: CPU seconds (time.process_time) per minute of 720p media",
        ("part", "CPU s per clip", "CPU s per media minute", "share"),
    )
    for part in (*PARTS, "total"):
        median = statistics.median(cpu[part])
        table.add(
            part,
            f"{median:.3f}",
            f"{median * per_minute:.3f}",
            f"{100 * median / total:.0f}%",
        )
    section.tables.append(table)
    section.notes += [
        f"cost clip: reference_clip({COST_SEED}, seconds={plan.cost_seconds:.0f}), 1280x720 "
        f"H.264 (x264 ultrafast, crf 23) {FPS} fps + AAC 44.1 kHz stereo, {len(clip) / 1e6:.1f} "
        f"MB; decoded to {duration:.2f} s of 11,025 Hz mono and {frames:.0f} frames "
        "(2 fps, 320x180), and 1 fps at 640x360 for the visual regions",
        f"cost: median of {plural(plan.cost_repetitions, 'run')}; PyAVDecoder(threads=1), "
        "so one core decodes; process_time counts every thread of the process; wall time per clip "
        f"{statistics.median(wall):.3f} s; 1 CPU-minute fingerprints "
        f"{60 / (total * per_minute):.0f} minutes of 720p media",
    ]
    return section
