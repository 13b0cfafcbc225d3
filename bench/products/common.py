"""The products plan, and the listing descriptors it indexes (made once, kept on disk)."""

from __future__ import annotations

import hashlib
import multiprocessing
import struct
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import adapters.matching.products as engine
import tests.media.products as corpus
from bench.machine import package_version, usable_cpus

CHUNK = 250  # listings described per worker task and kept per cache file


@dataclass(frozen=True)
class ProductPlan:
    catalogue_sizes: tuple[int, ...]
    video_seconds: int  # one scene per keyframe window
    shown: int  # scenes that show a listed product (listings 0, 1, ...); the rest show none
    repetitions: int  # timed recognitions per catalogue size (the median is reported)

    def describe(self) -> str:
        sizes = "/".join(f"{size:,}" for size in self.catalogue_sizes)
        return (
            f"{sizes} listings (each a rendered product photo, described for real); a "
            f"{self.video_seconds} s 720x1280 30 fps clip with {self.shown} listed products; "
            f"median of {self.repetitions} recognitions"
        )


FULL = ProductPlan(catalogue_sizes=(1_000, 10_000), video_seconds=60, shown=6, repetitions=5)
QUICK = ProductPlan(catalogue_sizes=(200, 1_000), video_seconds=30, shown=3, repetitions=3)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_directory() -> Path:
    """Where described listings are kept between runs: named after the engine's version (a
    change to what descriptors mean must change it anyway), OpenCV's and the corpus's
    source, so that new photos or another SIFT are described anew."""
    digest = hashlib.sha256(Path(str(corpus.__file__)).read_bytes())
    digest.update(package_version("opencv-python-headless").encode())
    name = f"spotlight-products-{engine.VERSION}-{digest.hexdigest()[:12]}"
    return Path(tempfile.gettempdir()) / name


def _describe_chunk(start: int) -> list[bytes]:
    recognizer = engine.SiftProductRecognizer()
    return [
        recognizer.describe_listing_pixels([corpus.listing_image(seed)])
        for seed in range(start, start + CHUNK)
    ]


def _write(path: Path, items: Sequence[bytes]) -> None:
    partial = path.with_suffix(".part")
    partial.write_bytes(b"".join(struct.pack("<I", len(item)) + item for item in items))
    partial.replace(path)


def _read(path: Path) -> list[bytes]:
    data = path.read_bytes()
    items: list[bytes] = []
    offset = 0
    while offset < len(data):
        (size,) = struct.unpack_from("<I", data, offset)
        items.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return items


def listing_descriptors(count: int) -> Iterator[tuple[int, bytes]]:
    """(seed, descriptors) of listings 0 .. count - 1: product photos rendered by the test
    corpus and described by the engine, in worker processes (one per usable CPU), cached."""
    directory = cache_directory()
    directory.mkdir(parents=True, exist_ok=True)
    starts = range(0, count, CHUNK)
    missing = [s for s in starts if not (directory / f"listings-{s}.bin").exists()]
    if missing:
        workers = max(1, min(usable_cpus(), len(missing)))
        progress(
            f"products: describing {len(missing) * CHUNK:,} listing photos with {workers} "
            f"workers (kept in {directory})"
        )
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            for done, (start, items) in enumerate(
                zip(missing, pool.imap(_describe_chunk, missing), strict=True), start=1
            ):
                _write(directory / f"listings-{start}.bin", items)
                if done % 4 == 0:
                    progress(f"products: {done * CHUNK:,} of {len(missing) * CHUNK:,} described")
    for start in starts:
        for offset, item in enumerate(_read(directory / f"listings-{start}.bin")):
            seed = start + offset
            if seed < count:
                yield seed, item
