"""Start to first product recognition with N listings: the recogniser's index rebuilt from
the revenue log against the index loaded from a snapshot, each in a process of its own.

    python -m bench.products.snapshot_start [N] [pool listings]

A SQLite store is seeded with N listings' descriptors (``ListingDescriptors`` events; real
descriptors of ``pool`` rendered product photos, described once and cached as in the
products bench, repeated under new ids beyond the pool, except the shown listings'), joined
by the recognition's scan.
Then a process is started three times: with no snapshot (the scan's listings are indexed
from the log), after a snapshot was written, and once more (its pages now in the page
cache). Each child reports the seconds to ``bootstrap()``, to the listings indexed
(``ProductScanning.catch_up``), to its first recognition of a video showing listings 0 and
1 (which must be found) and its peak resident memory. From the log, the first recognition
builds FLANN's trees; from a snapshot, it reads the trees the snapshot saved.

Measured on the 2-core VM at a load average of 17-20 (other sessions' tests), 2,000
listings: ready (indexed) 15.8 s from the log against 0.8-1.6 s from a snapshot (211 MiB,
written in 16-23 s, the trees built then); first recognition 38.7 s against 6.3-13.1 s, of
which the recognition alone takes 3.2-3.9 s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from adapters.clock import RandomIdentities, SystemClock
from adapters.matching.products import VERSION, SiftProductRecognizer, shop_decoder
from bench.audit.child import peak_rss_kib
from bench.index_start import (
    directory_bytes,
    from_snapshots,
    main_or_child,
    print_starts,
    run_child,
    settings_for,
)
from bench.products.common import listing_descriptors, progress
from domain.shop.listing_descriptors import ListingDescriptors
from entrypoints.bootstrap import bootstrap, index_directory
from tests.media.products import clip, scene

SHOWN = (0, 1)
BATCH = 500


def listing_id(number: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:bench:listing:{number}")


#: This bench, run again as a child process.
CHILD = "bench.products.snapshot_start"


def photo(pool: list[bytes], number: int) -> bytes:
    """Listing ``number``'s descriptors: the pool's, repeated beyond it, but never those of a
    listing the video shows (a copy would be its rival in every frame)."""
    if number < len(pool):
        return pool[number]
    return pool[len(SHOWN) + number % (len(pool) - len(SHOWN))]


def child(store: str, data_dir: str, index_dir: str, video_file: str) -> int:
    video = Path(video_file).read_bytes()
    started = perf_counter()
    core = bootstrap(
        settings_for(store, data_dir, index_dir), clock=SystemClock(), identities=RandomIdentities()
    )
    booted = perf_counter() - started
    core.recognition.catch_up()
    indexed = perf_counter() - started
    found = core.recognition.recognizer.recognise(video, limit=10)
    looked_up = perf_counter() - started
    # The same recognition again: what it costs once nothing is left to read or build.
    again = perf_counter()
    core.recognition.recognizer.recognise(video, limit=10)
    second = perf_counter() - again
    listings = len(core.recognition.recognizer)
    core.close()
    expected = {str(listing_id(n)) for n in SHOWN}
    print(
        json.dumps(
            {
                "bootstrap_s": round(booted, 3),
                "indexed_s": round(indexed, 3),
                "first_recognition_s": round(looked_up, 3),
                "next_recognition_alone_s": round(second, 3),
                "listings": listings,
                "found": expected <= {c.listing_id for c in found},
                "peak_rss_mib": round(peak_rss_kib() / 1024, 1),
            }
        )
    )
    return 0


def main(listings: int, pool_size: int) -> int:
    pool = [descriptors for _, descriptors in listing_descriptors(pool_size)]
    progress("products: describing the video ...")
    shown = scene(9300, SHOWN, scales=(0.45, 0.4))
    video = SiftProductRecognizer().describe_video(
        shop_decoder().decode(clip([shown.pixels, scene(9301, ()).pixels], seconds_each=6, fps=2))
    )
    with tempfile.TemporaryDirectory(prefix="spotlight-products-snapshot-") as scratch:
        root = Path(scratch)
        video_file = root / "video.bin"
        video_file.write_bytes(video)
        store = f"sqlite:///{root / 'spotlight.db'}"
        settings = settings_for(store, str(root), str(root / "indexes"))
        core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
        progress(f"products: seeding {listings:,} listings' descriptors ...")
        now = datetime.now(UTC)
        for start in range(0, listings, BATCH):
            core._revenue.commit(
                *(
                    ListingDescriptors.describe(
                        listing_id(n), recogniser=VERSION, descriptors=photo(pool, n), at=now
                    )
                    for n in range(start, min(listings, start + BATCH))
                )
            )
        core.recognition.run_to_completion()
        events = core._revenue.recorder.max_notification_id()
        core.close()

        from_log = run_child(CHILD, [store, str(root), str(root / "no-snapshots"), str(video_file)])

        core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
        core.recognition.catch_up()
        started = perf_counter()
        report = core.recognition.snapshot()
        written = perf_counter() - started
        core.close()
        assert report is not None
        size = directory_bytes(index_directory(settings, "products"))
        from_snapshot, again = from_snapshots(CHILD, store, root, video_file)

    print(f"{listings:,} listings ({pool_size} real described photos), {events} events")
    print(f"snapshot written in {written:.2f} s, {size / 2**20:.1f} MiB on disk")
    print_starts(from_log, from_snapshot, again)
    return 0


if __name__ == "__main__":
    sys.exit(main_or_child(child, main, (2000, 250)))
