"""Visual matching of a part of the frame: quality per layout, fingerprinting and lookup cost.

``python -m bench.anchors.regions [--quick]`` prints three tables:

1. precision and recall per layout (``tests.media.layouts``) of the whole-frame hashes alone
   and of the visual signal with the region matching, on titles of varied footage and
   look-alike footage no title owns (``tests.quality.region_harness``);
2. CPU seconds to decode and fingerprint a minute of 720p video, part by part;
3. milliseconds per visual lookup with catalogues of several sizes.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
from time import perf_counter, process_time

from adapters.matching.regions import SAMPLING
from adapters.matching.visual_engine import VisualEngine, split
from adapters.media.decoding import PyAVDecoder
from bench.anchors.common import progress as say
from bench.tables import Table, render_table
from tests.media.corpus import reference_clip, unrelated_clip
from tests.media.layouts import LAYOUTS
from tests.quality.region_harness import NEW, OLD, Case, Engines, measure


def quality(titles: int, look_alikes: int) -> Table:
    movies = {f"movie-{seed}": reference_clip(seed) for seed in range(11, 11 + titles)}
    striped = {f"striped-{seed}": unrelated_clip(seed, 20) for seed in range(301, 301 + titles)}
    references = {**movies, **striped}
    say(f"regions: indexing {len(references)} titles")
    engines = Engines(references)
    cases = []
    for key, media in references.items():
        for name, transform in LAYOUTS.items():
            cases.append(Case(name, transform(media), key))
    for seed in range(201, 201 + look_alikes):
        for name, transform in LAYOUTS.items():
            cases.append(Case(name, transform(reference_clip(seed)), None))
            cases.append(Case(name, transform(unrelated_clip(seed + 200, 20)), None))
    say(f"regions: measuring {len(cases)} uploads")
    report = measure(engines, cases)
    table = Table(
        f"1. Visual matching per layout: {len(references)} titles, "
        f"{2 * look_alikes} look-alike clips in every layout (attach: score >= 0.45 and >= 3 s)",
        ("layout", "engine", "uploads", "recall", "precision", "review recall", "wrong reviews"),
        align="llrrrrr",
    )
    for layout in report.layouts():
        for engine in (OLD, NEW):
            t = report.tally(engine, layout)
            table.add(
                layout,
                engine,
                str(t.relevant),
                f"{t.recall:.2f}",
                f"{t.precision:.2f}",
                f"{t.review_recall:.2f}",
                str(t.reviewed_wrong),
            )
    return table


def cost(seconds: float, repetitions: int) -> Table:
    say(f"regions: encoding a {seconds:.0f} s 720p clip")
    clip = reference_clip(21, seconds=seconds)
    decoder = PyAVDecoder()
    engine = VisualEngine()
    parts: dict[str, list[float]] = {
        "decode (2 fps 320 px + 1 fps 640 px)": [],
        "whole-frame hashes": [],
        "regions (SIFT keyframes)": [],
        "total": [],
    }
    duration = 0.0
    for _ in range(repetitions):
        gc.collect()
        start = process_time()
        media = decoder.decode(clip, also=(SAMPLING,))
        decoded = process_time()
        engine.frames.fingerprint(media)
        hashed = process_time()
        engine.regions.fingerprint(media)
        done = process_time()
        duration = media.duration_seconds
        for part, value in zip(
            parts, (decoded - start, hashed - decoded, done - hashed, done - start), strict=True
        ):
            parts[part].append(value)
    table = Table(
        f"2. Fingerprinting cost: CPU s per minute of 720p video (median of {repetitions})",
        ("part", "CPU s per minute"),
    )
    for part, values in parts.items():
        table.add(part, f"{statistics.median(values) * 60 / duration:.3f}")
    return table


def lookup(sizes: tuple[int, ...], repetitions: int) -> Table:
    decoder = PyAVDecoder()
    engine = VisualEngine()
    query_media = LAYOUTS["picture_in_picture"](reference_clip(11))
    query = engine.fingerprint(decoder.decode(query_media, also=(SAMPLING,)))
    table = Table(
        "3. Visual lookup: ms per query (picture-in-picture upload of 12 s; median)",
        ("references", "whole-frame part", "region part", "both"),
    )
    whole, regions = split(query)
    indexed = 0
    for size in sizes:
        while indexed < size:
            seed = 11 + indexed
            say(f"regions: indexing reference {indexed + 1} of {size}")
            media = reference_clip(seed, seconds=20, size=(640, 360))
            engine.index(f"ref-{seed}", engine.fingerprint(decoder.decode(media, also=(SAMPLING,))))
            indexed += 1
        timings: dict[str, list[float]] = {"whole": [], "regions": [], "both": []}
        for _ in range(repetitions):
            started = perf_counter()
            engine.frames.query(whole)
            timings["whole"].append(perf_counter() - started)
            started = perf_counter()
            engine.regions.query(regions)
            timings["regions"].append(perf_counter() - started)
            started = perf_counter()
            engine.query(query)
            timings["both"].append(perf_counter() - started)
        table.add(
            str(size),
            *(f"{statistics.median(timings[name]) * 1000:.1f}" for name in timings),
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller corpus")
    quick = parser.parse_args().quick
    tables = [
        quality(titles=1 if quick else 3, look_alikes=1 if quick else 2),
        cost(seconds=20 if quick else 60, repetitions=1 if quick else 3),
        lookup(sizes=(10,) if quick else (10, 50), repetitions=3 if quick else 10),
    ]
    for table in tables:
        print("\n".join(render_table(table)), end="\n\n")
    print(f"load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")


if __name__ == "__main__":
    main()
