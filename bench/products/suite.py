"""Tagging time per minute of video against growing catalogues of listings.

One clip is made from the test corpus's scenes: a 720x1280 H.264 upload at 30 fps, one
scene per keyframe window, each panning slowly (so every frame is new to the decoder), the
first ``plan.shown`` scenes showing listings 0, 1, ... at 0.25-0.45 of the width and the
others only unlisted products. It is decoded with the shop's decoder settings and described
once; then, for each catalogue size, listings 0 .. N - 1 (real descriptors of rendered
product photos, see ``bench.products.common``) are indexed and the clip is recognised.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from time import perf_counter

import av
import numpy as np
from PIL import Image

from adapters.matching.products import (
    ANALYSIS_SIDE,
    FRAMES_PER_SECOND,
    KEYFRAME_SECONDS,
    MAX_BYTES_PER_MINUTE,
    VERSION,
    SiftProductRecognizer,
    keyframes,
    shop_decoder,
)
from bench.machine import package_version
from bench.products.common import ProductPlan, listing_descriptors, progress
from bench.tables import Table, render_table
from tests.media.products import scene

WIDTH = 100
UPLOAD = (720, 1280)
FPS = 30
PAN = 0.06  # of the picture, over one scene


@dataclass
class ProductsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Measured:
    listings: int
    seeding: float
    indexing: float
    first_query: float
    memory_mib: float
    recognise: float
    match_one: float
    found: int
    false: int


def software() -> str:
    return (
        f"products: {VERSION}, opencv-python-headless "
        f"{package_version('opencv-python-headless')}, PyAV {package_version('av')}"
    )


def _frames(plan: ProductPlan) -> Iterator[av.VideoFrame]:
    windows = int(plan.video_seconds // KEYFRAME_SECONDS)
    per_scene = round(KEYFRAME_SECONDS * FPS)
    for window in range(windows):
        if window < plan.shown:
            scale = 0.25 + 0.2 * window / max(1, plan.shown - 1)
            picture = scene(70_000 + window, (window,), scales=(scale,))
        else:
            picture = scene(70_000 + window, ())
        image = Image.fromarray(picture.pixels)
        width, height = image.size
        crop = (round(width * (1 - PAN)), round(height * (1 - PAN)))
        for step in range(per_scene):
            shift = step / per_scene
            left = round((width - crop[0]) * shift)
            top = round((height - crop[1]) * (1 - shift))
            moved = image.crop((left, top, left + crop[0], top + crop[1]))
            pixels = np.asarray(moved.resize(UPLOAD, Image.Resampling.BILINEAR), dtype=np.uint8)
            yield av.VideoFrame.from_ndarray(pixels, format="rgb24")


def make_clip(plan: ProductPlan) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "23"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = UPLOAD
        stream.pix_fmt = "yuv420p"
        for index, frame in enumerate(_frames(plan)):
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(plan: ProductPlan) -> ProductsReport:
    report = ProductsReport()
    progress(f"products: making a {plan.video_seconds} s clip")
    data = make_clip(plan)
    decoder = shop_decoder()
    started = perf_counter()
    media = decoder.decode(data)
    decode = perf_counter() - started
    started = perf_counter()
    descriptors = SiftProductRecognizer().describe_video(media)
    describe = perf_counter() - started
    per_minute = 60 / media.duration_seconds
    shown = {f"listing-{seed}" for seed in range(plan.shown)}
    results: list[Measured] = []
    for size in plan.catalogue_sizes:
        progress(f"products: {size:,} listings")
        started = perf_counter()
        described = list(listing_descriptors(size))
        seeding = perf_counter() - started
        gc.collect()
        before = rss_mib()
        recognizer = SiftProductRecognizer()
        started = perf_counter()
        for seed, listing in described:
            recognizer.index(f"listing-{seed}", listing)
        indexing = perf_counter() - started
        started = perf_counter()
        candidates = recognizer.recognise(descriptors, limit=1000)
        first_query = perf_counter() - started
        memory = rss_mib() - before
        timings = []
        for _ in range(plan.repetitions):
            started = perf_counter()
            recognizer.recognise(descriptors, limit=1000)
            timings.append(perf_counter() - started)
        retro = []
        for _ in range(plan.repetitions):
            started = perf_counter()
            recognizer.match_listing("listing-0", described[0][1], descriptors)
            retro.append(perf_counter() - started)
        found = {c.listing_id for c in candidates}
        results.append(
            Measured(
                listings=size,
                seeding=seeding,
                indexing=indexing,
                first_query=first_query,
                memory_mib=memory,
                recognise=statistics.median(timings),
                match_one=statistics.median(retro),
                found=len(found & shown),
                false=len(found - shown),
            )
        )
        # The clip's frames are softer than the quality test's (enlarged, panned, encoded
        # again): not every shown product is found, but nothing else may be, and a larger
        # catalogue may cost at most one of those a smaller one finds.
        if found - shown:
            report.failures.append(
                f"products with {size:,} listings: found {sorted(found - shown)}, not shown"
            )
        if len(found & shown) < (plan.shown + 1) // 2:
            report.failures.append(
                f"products with {size:,} listings: found {sorted(found & shown)} of "
                f"{sorted(shown)}, fewer than half"
            )
        if results[-1].found < results[0].found - 1:
            report.failures.append(
                f"products with {size:,} listings: found {results[-1].found}, "
                f"{results[0].found} with {results[0].listings:,}"
            )
        del recognizer, described, candidates
        gc.collect()

    table = Table(
        f"Product tagging, per minute of video ({media.duration_seconds:.0f} s clip, "
        f"{len(keyframes(descriptors))} keyframes)",
        (
            "listings",
            "index s",
            "index MiB",
            "first query ms",
            "recognise ms/min",
            "tagging s/min",
            "retro ms/min",
            "found",
            "false",
        ),
    )
    for result in results:
        tagging = (decode + describe + result.recognise) * per_minute
        table.add(
            f"{result.listings:,}",
            f"{result.indexing:.1f}",
            f"{result.memory_mib:,.0f}",
            f"{result.first_query * 1000:,.0f}",
            f"{result.recognise * per_minute * 1000:,.0f}",
            f"{tagging:.2f}",
            f"{result.match_one * per_minute * 1000:,.1f}",
            f"{result.found}/{plan.shown}",
            str(result.false),
        )
    report.lines += [*render_table(table), ""]
    seeded = ", ".join(f"{r.listings:,} in {r.seeding:.0f} s" for r in results)
    notes = [
        f"tagging = decoding ({decode * per_minute:.2f} s a minute: {len(media.frames)} frames "
        f"sampled at {FRAMES_PER_SECOND:g} a second, longer side {ANALYSIS_SIDE} px) + "
        f"describing ({describe * per_minute:.2f} s a minute: the sharpest frame of each "
        f"{KEYFRAME_SECONDS:g} s window) + recognising; one core's worth of work each, on the "
        "machine above while it was shared",
        f"descriptors: {len(descriptors) * per_minute / 1000:.1f} kB a minute of this clip "
        f"(at most {MAX_BYTES_PER_MINUTE / 1000:.1f} kB)",
        "index s: indexing every listing's descriptors (Python side); first query: also "
        "builds the FLANN trees of the index's segments; index MiB: the growth of the "
        "process's resident memory across both",
        "retro: one listing matched against this clip's stored descriptors (a retroactive "
        "sweep does this once per published video)",
        "listings: product photos rendered by tests/media/products.py, 512x512, each a "
        "different product, described by the engine in worker processes and kept on disk "
        f"between runs (ready: {seeded}); nothing is duplicated or synthesised at the "
        "descriptor level",
    ]
    for note in notes:
        report.lines += textwrap.wrap(note, WIDTH, initial_indent="- ", subsequent_indent="  ")
    report.lines.append("")
    if report.failures:
        report.lines += ["FAILED CHECKS:", *(f"- {failure}" for failure in report.failures)]
    else:
        report.lines.append(
            "checks: at every size at least half the shown listings found and nothing else; "
            "the largest catalogue finds at most one fewer than the smallest"
        )
    return report
