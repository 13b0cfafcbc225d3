"""Start to first anchors lookup (and first music lookup) with N references: the indexes
rebuilt from the logs against the indexes loaded from snapshots, each in a process of its own.

    python -m bench.anchors.snapshot_start [N] [pool clips]

A SQLite store is seeded with N titles, each with one reference clip's fingerprints (real
fingerprints of ``pool`` synthetic clips, and variants derived from them, as in the lookup
bench), then a process is started three times: with no snapshot (the index follows the log
from position 0 and indexes every reference's stored fingerprints), after a snapshot was
written, and once more (the snapshot's pages now in the page cache). Each child reports the
seconds to ``bootstrap()``, to its first lookup (both engines, a copy of the first
reference, which must be found), and its peak resident memory; and, apart, the seconds a
second ``Anchoring`` over the same log takes to start and answer (the anchors index alone),
and the same for a second music ``TrackIndex`` (which indexes the same reference clips' audio
fingerprints, from the catalogue and the music log).

Measured on the 2-core VM shared with other work (so within about 2x of noise), anchors index
alone, start to first lookup: 2,000 references 1.5-1.7 s from the log, 0.18-0.34 s from a
snapshot (25 MiB on disk, written in 0.25-0.43 s); 5,000 references 8.0 s against 0.8 s
(57 MiB, 0.42 s). With the music track index snapshotted too (2,000 references, load
average 11.6): the whole core 17.6 s from the logs to its first lookup against 1.7-2.0 s
from snapshots; the music index alone 7.2 s against 0.32-0.46 s (9 MiB, written in 0.26 s).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from time import perf_counter

from adapters.clock import RandomIdentities, SystemClock
from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.snapshots import FileIndexSnapshots
from adapters.matching.text import InvertedTextEngine
from adapters.matching.visual import PerceptualVisualEngine
from adapters.media.decoding import PyAVDecoder
from application.anchors.anchoring import Anchoring
from application.anchors.match_index import REFERENCE_OWNER
from application.music.track_index import TrackIndex
from bench.anchors.lookup import seed_references
from bench.audit.child import peak_rss_kib
from bench.index_start import (
    directory_bytes,
    from_snapshots,
    main_or_child,
    print_starts,
    run_child,
    settings_for,
)
from bench.synthetic import derived_fingerprints, synthetic_media
from entrypoints.bootstrap import bootstrap, index_directory

POOL_SEED = 2_000_000
SECONDS = 10.0


#: This bench, run again as a child process.
CHILD = "bench.anchors.snapshot_start"


def child(store: str, data_dir: str, index_dir: str, query_file: str) -> int:
    query = json.loads(Path(query_file).read_text())
    started = perf_counter()
    core = bootstrap(
        settings_for(store, data_dir, index_dir),
        clock=SystemClock(),
        identities=RandomIdentities(),
    )
    booted = perf_counter() - started
    found = first_lookup(core.anchoring, query)
    looked_up = perf_counter() - started
    # The anchors index alone (the whole core's start also rebuilds every other read model,
    # the music program's index of the same reference clips among them): a second
    # Anchoring over the same log, with engines of its own, started as the first was.
    started = perf_counter()
    anchoring = Anchoring(
        core.cataloguing,
        log=core._catalogue,
        decoder=PyAVDecoder(),
        text=InvertedTextEngine(),
        engines=(LandmarkAudioEngine(), PerceptualVisualEngine()),
        clock=core.clock,
        identities=RandomIdentities(),
        max_upload_bytes=core.settings.max_upload_bytes,
        protection=core.protection,
        projections=core.projections,
        review=core.anchoring.review,
        snapshots=core.anchoring.snapshots,
    )
    index_started = perf_counter() - started
    again = first_lookup(anchoring, query)
    index_looked_up = perf_counter() - started
    # The music track index alone, likewise.
    started = perf_counter()
    tracks = TrackIndex(
        LandmarkAudioEngine(),
        music=core._music,
        catalogue=core._catalogue,
        snapshots=FileIndexSnapshots(index_directory(core.settings, "music")),
    )
    tracks.catch_up()
    music_started = perf_counter() - started
    heard = tracks.query(bytes.fromhex(query["audio"]), limit=10)
    music_looked_up = perf_counter() - started
    core.close()
    print(
        json.dumps(
            {
                "bootstrap_s": round(booted, 3),
                "first_lookup_s": round(looked_up, 3),
                "anchors_index_start_s": round(index_started, 3),
                "anchors_index_first_lookup_s": round(index_looked_up, 3),
                "music_index_start_s": round(music_started, 3),
                "music_index_first_lookup_s": round(music_looked_up, 3),
                "found": all(reference == query["expected"] for reference in found.values())
                and found == again
                and bool(heard)
                and heard[0].reference_id == f"{REFERENCE_OWNER}{query['expected']}",
                "peak_rss_mib": round(peak_rss_kib() / 1024, 1),
            }
        )
    )
    return 0


def first_lookup(anchoring: Anchoring, query: dict[str, str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for engine in anchoring.engines:
        candidates = engine.query(bytes.fromhex(query[engine.signal]), limit=10)
        found[engine.signal] = candidates[0].reference_id if candidates else None
    return found


def main(references: int, pool_size: int) -> int:
    with tempfile.TemporaryDirectory(prefix="spotlight-snapshot-bench-") as scratch:
        root = Path(scratch)
        store = f"sqlite:///{root / 'spotlight.db'}"
        settings = settings_for(store, str(root), str(root / "indexes"))
        core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
        print(f"fingerprinting {pool_size} synthetic clips ...", file=sys.stderr, flush=True)
        pool = []
        for number in range(pool_size):
            media = synthetic_media(POOL_SEED + number, SECONDS)
            pool.append({e.signal: e.fingerprint(media) for e in core.anchoring.engines})
        prints = [*pool, *derived_fingerprints(pool, references - len(pool))]
        print(f"seeding {references} references ...", file=sys.stderr, flush=True)
        made = seed_references(core, prints, 0, SECONDS)
        query_file = root / "query.json"
        query_file.write_text(
            json.dumps({**{k: v.hex() for k, v in pool[0].items()}, "expected": made[0][1]})
        )
        events = core._catalogue.recorder.max_notification_id()
        core.close()

        empty = root / "no-snapshots"
        from_log = run_child(CHILD, [store, str(root), str(empty), str(query_file)])

        core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
        started = perf_counter()
        report = core.anchoring.snapshot_index()
        written = perf_counter() - started
        started = perf_counter()
        music = core.discovery.index.snapshot()
        music_written = perf_counter() - started
        core.close()
        assert report is not None
        assert music is not None
        size = directory_bytes(index_directory(settings, "anchors"))
        music_size = directory_bytes(index_directory(settings, "music"))
        from_snapshot, again = from_snapshots(CHILD, store, root, query_file)

    print(f"{references:,} references ({pool_size} real clips of {SECONDS:.0f} s), {events} events")
    print(f"anchors snapshot written in {written:.2f} s, {size / 2**20:.1f} MiB on disk")
    print(f"music snapshot written in {music_written:.2f} s, {music_size / 2**20:.1f} MiB on disk")
    print_starts(from_log, from_snapshot, again)
    return 0


if __name__ == "__main__":
    sys.exit(main_or_child(child, main, (2000, 200)))
