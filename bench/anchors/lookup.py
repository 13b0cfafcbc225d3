"""How lookups slow down as the catalogue of reference clips grows: 100, 1,000, 10,000.

One core holds the catalogue, seeded through its event store (a title per reference, the
reference's fingerprints saved alongside it) and indexed by the Anchoring service's own log
follower, exactly as references added through the service would be. The catalogue grows in
place; at each size the same two query videos are timed against each engine directly and
through ``Anchoring.publish_video``.

Encoding and decoding 10,000 clips would take hours here, so catalogue references are
fingerprints of synthetic decoded media (``bench.synthetic``): real fingerprints of
``pool_clips`` distinct clips, and beyond those, variants derived from them. The one
reference the copy should find is a real encoded clip, decoded by the real decoder.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from adapters.matching.audio import POSTING_BUDGET
from adapters.media.decoding import PyAVDecoder
from application.anchors.anchoring import CANDIDATES_PER_ENGINE, PublishedVideo
from application.anchors.match_index import REFERENCE_OWNER
from application.media import (
    Candidate,
    DecodedMedia,
    MatchingEngine,
    MediaDecoder,
    PictureSampling,
    TimeRange,
)
from bench.anchors.common import CREATOR as UPLOADER
from bench.anchors.common import (
    SEED_BATCH,
    STUDIO,
    AnchorPlan,
    Clips,
    Section,
    count,
    engines,
    memory_store,
    milliseconds,
    open_core,
    percentile,
    versions,
)
from bench.anchors.common import progress as say
from bench.synthetic import SEMITONES, derived_fingerprints, synthetic_media
from bench.tables import Table
from domain.anchors.matching import Decision, MatchPolicy, Signal
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.media import MediaFingerprints
from entrypoints.bootstrap import Spotlight
from tests.media.corpus import unrelated_clip

POOL_SEED = 1_000_000
TARGET_RATIO = 3.0
FAITHFUL = 1.25  # derived catalogues within this factor of real ones count as representative
Fingerprints = dict[str, bytes]
Outcome = tuple[str, bool]  # what was found, and whether that was the right answer
T = TypeVar("T")


# --------------------------------------------------------------------------------------
# Publishing with the media already decoded and fingerprinted


@dataclass
class Switch:
    on: bool = False


class RememberingDecoder:
    """The real decoder; while ``switch`` is on, the same bytes decode to what they did
    last time, so that a timed ``publish_video`` leaves decoding out."""

    def __init__(self, inner: MediaDecoder, switch: Switch) -> None:
        self.inner = inner
        self.switch = switch
        self._decoded: dict[bytes, DecodedMedia] = {}

    def decode(self, data: bytes, *, also: Sequence[PictureSampling] = ()) -> DecodedMedia:
        if not self.switch.on:
            return self.inner.decode(data, also=also)
        decoded = self._decoded.get(data)
        if decoded is None:
            decoded = self._decoded[data] = self.inner.decode(data, also=also)
        return decoded


class RememberingEngine:
    """An engine whose fingerprints of the same decoded media are remembered while
    ``switch`` is on; indexing and queries go straight to the real engine."""

    def __init__(self, inner: MatchingEngine, switch: Switch) -> None:
        self.inner = inner
        self.signal = inner.signal
        self.version = inner.version
        self.switch = switch
        self._taken: dict[DecodedMedia, bytes] = {}

    def fingerprint(self, media: DecodedMedia) -> bytes:
        if not self.switch.on:
            return self.inner.fingerprint(media)
        taken = self._taken.get(media)
        if taken is None:
            taken = self._taken[media] = self.inner.fingerprint(media)
        return taken

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        self.inner.index(reference_id, fingerprint, excluded)

    def forget(self, reference_id: str) -> None:
        self.inner.forget(reference_id)

    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        return self.inner.query(fingerprint, limit=limit)

    def __len__(self) -> int:
        return len(self.inner)


# --------------------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class Query:
    name: str
    media: bytes
    fingerprints: Fingerprints
    expected: str | None  # the reference id it is a copy of


@dataclass
class Catalogue:
    """What has been seeded so far."""

    size: int = 0
    real: int = 0
    derived: int = 0
    target_title: UUID | None = None


def pool_fingerprints(plan: AnchorPlan) -> tuple[list[Fingerprints], float]:
    audio, visual = engines()
    started = perf_counter()
    pool: list[Fingerprints] = []
    for number in range(plan.pool_clips):
        if number % 250 == 0:
            say(f"lookup: synthetic clips {number:,}..{min(plan.pool_clips, number + 250):,}")
        media = synthetic_media(POOL_SEED + number, plan.pool_seconds)
        pool.append({"audio": audio.fingerprint(media), "visual": visual.fingerprint(media)})
    return pool, perf_counter() - started


def seed_references(
    core: Spotlight, prints: Sequence[Fingerprints], first: int, seconds: float
) -> list[tuple[UUID, str]]:
    """A title with one reference per fingerprint pair, saved straight to the catalogue."""
    now = core.clock.now()
    taken_by = versions()
    made: list[tuple[UUID, str]] = []
    batch: list[Aggregate] = []
    for offset, fingerprints in enumerate(prints):
        number = first + offset
        title = Title.register(
            uuid4(),
            studio_id=STUDIO.subject,
            name=f"Catalogue title {number}",
            kind=TitleKind.MOVIE,
            portal=Portal(),
            at=now,
        )
        digest = f"bench-reference-{number}"
        reference = title.add_reference(
            uuid4(),
            label="trailer",
            digest=digest,
            duration_seconds=seconds,
            by=STUDIO.label,
            at=now,
        )
        taken = MediaFingerprints.take(
            owner=f"{REFERENCE_OWNER}{reference.reference_id}",
            digest=digest,
            duration_seconds=seconds,
            fingerprints=fingerprints,
            engine_versions={signal: taken_by[signal] for signal in fingerprints},
        )
        batch += [title, taken]
        made.append((title.id, str(reference.reference_id)))
        if len(batch) >= 2 * SEED_BATCH:
            core._catalogue.commit(*batch)
            batch = []
    if batch:
        core._catalogue.commit(*batch)
    return made


# --------------------------------------------------------------------------------------
# Timing


@dataclass(frozen=True)
class Timing:
    size: int
    query: str
    path: str
    samples: tuple[float, ...]
    result: str

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


def timed(action: Callable[[], T], repetitions: int) -> tuple[tuple[float, ...], T]:
    """Seconds of ``repetitions`` calls after one untimed call, and what the last returned."""
    last = action()
    gc.collect()
    samples: list[float] = []
    for _ in range(repetitions):
        started = perf_counter()
        last = action()
        samples.append(perf_counter() - started)
    return tuple(samples), last


def engine_result(query: Query, signal: str, found: list[Candidate]) -> Outcome:
    """What an engine answered, and whether that was right."""
    rule = MatchPolicy().rule_for(Signal(signal))
    best: Candidate | None = found[0] if found else None
    if query.expected is None:
        if best is None:
            return "no candidate", True
        reaches = best.score >= rule.review_at and best.matched_seconds >= rule.min_seconds
        return f"best {best.score:.2f}{' (reaches review!)' if reaches else ''}", not reaches
    if best is None:
        return "MISSED: no candidate", False
    if best.reference_id != query.expected:
        return f"WRONG: best is another reference ({best.score:.2f})", False
    return f"found, score {best.score:.2f}, {best.matched_seconds:.1f} s", True


def publish_result(query: Query, target: UUID | None, published: PublishedVideo) -> Outcome:
    """What publishing decided, and whether that was right."""
    taken = {title: d for title, d in published.decisions.items() if d is not Decision.IGNORE}
    if query.expected is None:
        return ("no anchor", True) if not taken else (f"WRONG: {len(taken)} anchor(s)", False)
    decision = taken.get(target) if target is not None else None
    if decision is None:
        return "MISSED", False
    extra = len(taken) - 1
    return f"{decision.value}{f', +{extra} other title(s)' if extra else ''}", extra == 0


@dataclass
class Measured:
    timings: list[Timing]
    failures: list[str]

    def record(
        self, size: int, query: Query, path: str, samples: tuple[float, ...], outcome: Outcome
    ) -> None:
        result, ok = outcome
        self.timings.append(Timing(size, query.name, path, samples, result))
        if not ok:
            self.failures.append(f"lookup at {size:,}: {query.name}, {path}: {result}")


def measure_size(
    core: Spotlight,
    matching: Sequence[MatchingEngine],
    catalogue: Catalogue,
    queries: Sequence[Query],
    switch: Switch,
    plan: AnchorPlan,
    measured: Measured,
) -> None:
    size = catalogue.size
    for query in queries:
        for engine in matching:
            fingerprint = query.fingerprints.get(engine.signal)
            if not fingerprint:
                continue
            say(f"lookup {size:,}: {engine.signal} engine, {query.name}")
            samples, found = timed(
                partial(engine.query, fingerprint, limit=CANDIDATES_PER_ENGINE),
                plan.query_repetitions,
            )
            outcome = engine_result(query, engine.signal, found)
            measured.record(size, query, f"{engine.signal} engine query", samples, outcome)
        for remembered, repetitions, path in (
            (False, plan.publish_repetitions, FULL_PATH),
            (True, plan.query_repetitions, DECIDED_PATH),
        ):
            say(f"lookup {size:,}: {path}, {query.name}")
            switch.on = remembered
            publish = partial(
                core.anchoring.publish_video,
                UPLOADER,
                caption="",
                hashtags=[],
                category="film-and-tv",
                media=query.media,
            )
            samples, published = timed(publish, repetitions)
            outcome = publish_result(query, catalogue.target_title, published)
            measured.record(size, query, path, samples, outcome)
        switch.on = False


FULL_PATH = "publish_video"
DECIDED_PATH = "publish_video, media pre-decoded"


# --------------------------------------------------------------------------------------
# The measurement


def fingerprints_of(media: bytes, matching: Sequence[MatchingEngine]) -> tuple[Fingerprints, float]:
    decoded = PyAVDecoder().decode(media)
    return {engine.signal: engine.fingerprint(decoded) for engine in matching}, (
        decoded.duration_seconds
    )


def run(plan: AnchorPlan, clips: Clips) -> Section:
    section = Section()
    pool, pool_seconds = pool_fingerprints(plan)
    others = max(plan.catalogue_sizes) - 1
    started = perf_counter()
    derived = derived_fingerprints(pool, max(0, others - len(pool)))
    derive_seconds = perf_counter() - started
    stock = [*pool, *derived]

    switch = Switch()
    matching = engines()
    seed = plan.reference_seeds[0]
    say("lookup: decoding the target reference and the query videos")
    target, target_seconds = fingerprints_of(clips.reference(seed), matching)
    copy = clips.copy(seed, plan.query_transform)
    unrelated = unrelated_clip(plan.unrelated_seeds[0])
    catalogue = Catalogue()
    builds: list[tuple[int, int, int, float]] = []
    measured = Measured([], [])
    with open_core(
        memory_store(),
        decoder=RememberingDecoder(PyAVDecoder(), switch),
        matching=[RememberingEngine(engine, switch) for engine in matching],
    ) as core:
        [(title_id, reference_id)] = seed_references(core, [target], 0, target_seconds)
        catalogue.target_title = title_id
        catalogue.size = catalogue.real = 1
        queries = [
            Query(
                f"copy ({plan.query_transform})",
                copy,
                fingerprints_of(copy, matching)[0],
                reference_id,
            ),
            Query("unrelated clip", unrelated, fingerprints_of(unrelated, matching)[0], None),
        ]
        for size in plan.catalogue_sizes:
            say(f"lookup: growing the catalogue to {size:,} references")
            started = perf_counter()
            adding = stock[catalogue.size - 1 : size - 1]
            seed_references(core, adding, catalogue.size, plan.pool_seconds)
            core.anchoring.catch_up()
            build = perf_counter() - started
            real_now = min(size - 1, len(pool)) + 1
            catalogue.size, catalogue.real, catalogue.derived = size, real_now, size - real_now
            builds.append((size, catalogue.real, catalogue.derived, build))
            indexed = {engine.signal: len(engine) for engine in matching}
            if any(n != size for n in indexed.values()):
                measured.failures.append(f"lookup: {size:,} references seeded, indexed {indexed}")
            measure_size(core, matching, catalogue, queries, switch, plan, measured)
    section.tables += [
        catalogue_table(builds),
        latency_table(measured.timings),
        growth_table(measured.timings, plan.catalogue_sizes),
    ]
    share = catalogue.real / catalogue.size
    check = derivation_check(plan, pool, target, reference_id, queries, share, measured)
    if check is not None:
        section.tables.append(check[0])
    section.failures += measured.failures
    section.notes += notes(plan, len(pool), pool_seconds, len(derived), derive_seconds)
    if check is not None:
        section.notes += check[1]
    return section


def derivation_check(
    plan: AnchorPlan,
    pool: Sequence[Fingerprints],
    target: Fingerprints,
    target_id: str,
    queries: Sequence[Query],
    share: float,
    measured: Measured,
) -> tuple[Table, list[str]] | None:
    """At the largest size the pool fills with real clips alone, compare that catalogue with
    one of the same size made the way the largest catalogue is (``share`` of it real, the
    rest derived): fresh engines, references indexed directly, engine queries only. Also
    answers a note naming the lookups that derivation makes unrepresentative."""
    fits = [size for size in plan.catalogue_sizes if size - 1 <= len(pool)]
    if not fits or share >= 1.0:
        return None
    size = max(fits)
    kept = max(1, round(size * share) - 1)  # pool clips kept real, besides the target
    mixed = f"{(kept + 1) / size:.0%} real"
    stocks = {
        "all real": list(pool[: size - 1]),
        mixed: [*pool[:kept], *derived_fingerprints(list(pool[:kept]), size - 1 - kept)],
    }
    found: dict[tuple[str, str, str], Timing] = {}
    for name, stock in stocks.items():
        say(f"lookup: derivation check, {size:,} references, {name}")
        matching = engines()
        for engine in matching:
            engine.index(target_id, target[engine.signal])
            for number, prints in enumerate(stock):
                engine.index(f"check-{number}", prints[engine.signal])
        for query in queries:
            for engine in matching:
                fingerprint = query.fingerprints.get(engine.signal)
                if not fingerprint:
                    continue
                samples, answer = timed(
                    partial(engine.query, fingerprint, limit=CANDIDATES_PER_ENGINE),
                    plan.query_repetitions,
                )
                result, ok = engine_result(query, engine.signal, answer)
                found[(name, query.name, engine.signal)] = Timing(
                    size, query.name, engine.signal, samples, result
                )
                if not ok:
                    measured.failures.append(f"derivation check, {name}: {query.name}: {result}")
    table = Table(
        f"3d. Derivation check at {size:,} references: all real vs {mixed} (the rest derived "
        "as in the largest catalogue); fresh engines, engine queries only",
        (
            "query",
            "engine",
            "p50 all real",
            f"p50 {mixed}",
            "ratio",
            "p95 all real",
            f"p95 {mixed}",
            "ratio",
        ),
        align="llrrrrrr",
    )
    skewed: list[str] = []
    for query in queries:
        for signal in ("audio", "visual"):
            real = found.get(("all real", query.name, signal))
            derived = found.get((mixed, query.name, signal))
            if real is None or derived is None:
                continue
            if not 1 / FAITHFUL <= derived.p50 / real.p50 <= FAITHFUL:
                skewed.append(f"{query.name} / {signal} ({derived.p50 / real.p50:.2f}x)")
            table.add(
                query.name,
                signal,
                milliseconds(real.p50),
                milliseconds(derived.p50),
                f"{derived.p50 / real.p50:.2f}x",
                milliseconds(real.p95),
                milliseconds(derived.p95),
                f"{derived.p95 / real.p95:.2f}x",
            )
    largest = max(plan.catalogue_sizes)
    verdict = (
        f"derivation check: where the {mixed} catalogue answers more than "
        f"{FAITHFUL - 1:.0%} faster or slower than the all-real one at p50 (here: "
        f"{'; '.join(skewed)}), the rows of that query and engine at {largest:,} say more "
        "about the derived fingerprints than about the engine"
        if skewed
        else f"derivation check: the {mixed} catalogue answers within {FAITHFUL - 1:.0%} of "
        "the all-real one at p50 for every query and engine"
    )
    return table, [verdict]


# --------------------------------------------------------------------------------------
# Tables and notes


def catalogue_table(builds: Sequence[tuple[int, int, int, float]]) -> Table:
    table = Table(
        "3a. Catalogues of reference clips (grown in place; see the notes for what is real)",
        ("references", "real fingerprints", "derived from them", "real share", "seed+index s"),
    )
    for size, real, derived, seconds in builds:
        table.add(
            count(size), count(real), count(derived), f"{100 * real / size:.0f}%", f"{seconds:.1f}"
        )
    return table


def latency_table(timings: Sequence[Timing]) -> Table:
    table = Table(
        "3b. Lookup latency for one query video (milliseconds, wall clock)",
        ("references", "query", "path", "runs", "p50 ms", "p95 ms", "result"),
        align="rllrrrl",
    )
    for timing in timings:
        table.add(
            count(timing.size),
            timing.query,
            timing.path,
            str(len(timing.samples)),
            milliseconds(timing.p50),
            milliseconds(timing.p95),
            timing.result,
        )
    return table


def growth_table(timings: Sequence[Timing], sizes: Sequence[int]) -> Table:
    small, large = min(sizes), max(sizes)
    table = Table(
        f"3c. Growth from {small:,} to {large:,} references (target: p50 and p95 under "
        f"{TARGET_RATIO:.0f}x)",
        (
            "query",
            "path",
            *(f"p50 @{size:,}" for size in sizes),
            f"p50 {large:,}/{small:,}",
            f"p95 {large:,}/{small:,}",
            "under target",
        ),
        align="ll" + "r" * (len(sizes) + 2) + "l",
    )
    by_key = {(t.query, t.path, t.size): t for t in timings}
    for query, path in dict.fromkeys((t.query, t.path) for t in timings):
        row = [by_key.get((query, path, size)) for size in sizes]
        first, last = row[0], row[-1]
        if first is None or last is None:
            continue
        p50, p95 = last.p50 / first.p50, last.p95 / first.p95
        table.add(
            query,
            path,
            *(milliseconds(t.p50) if t else "" for t in row),
            f"{p50:.2f}x",
            f"{p95:.2f}x",
            "yes" if p50 < TARGET_RATIO and p95 < TARGET_RATIO else "NO",
        )
    return table


def notes(
    plan: AnchorPlan, real: int, real_seconds: float, derived: int, derive_seconds: float
) -> list[str]:
    variants = -(-derived // real) if real and derived else 0
    shifts = ", ".join(f"{s:+d}" for s in SEMITONES[:variants]) or "none"
    seed = plan.reference_seeds[0]
    return [
        f"catalogue, real part: the target reference (reference_clip({seed}), "
        f"{plan.reference_seconds:.0f} s 720p, encoded, then decoded by PyAVDecoder) and the "
        f"fingerprints of {real:,} distinct synthetic clips (bench/synthetic.py: "
        f"{plan.pool_seconds:.0f} s of 11,025 Hz mono music - melody, triads, kicks, "
        "hi-hats - and 320x180 frames at 2 fps - textured gradients, 3 to 6 drifting "
        "shapes, a cut every 2.5 to 5 s - made as DecodedMedia with numpy, no codec), "
        f"fingerprinted by the real engines in {real_seconds:.0f} s "
        f"({real / real_seconds:.0f} clips/s)",
        f"catalogue, derived part: {derived:,} fingerprint pairs made in {derive_seconds:.0f} s "
        f"from the real pool: variant k of pool clip i has its audio peaks transposed "
        f"(times kept, frequencies x 2^(s/12), s = {shifts} semitones for k = 1.."
        f"{variants}; peaks leaving 150 Hz-5 kHz dropped) and every visual hash XORed with a "
        "random 64-bit mask of its own (frame times, views and the distances within the "
        "clip kept); so derived references are distinct from each other and from the pool, "
        "but share the pool's temporal structure; the masks spread derived visual hashes "
        "evenly over the index's band keys, which real footage does not do (3d compares a "
        "mostly derived catalogue with an all-real one of the same size)",
        "catalogue layout: a title per reference, saved through Catalogue.commit (Title with "
        "its reference + MediaFingerprints, 250 titles a save) and indexed by the Anchoring "
        "service's own log follower, as add_reference would",
        f"queries: the target's '{plan.query_transform}' copy ({plan.reference_seconds:.0f} s, "
        f"should be found) and unrelated_clip({plan.unrelated_seeds[0]}) (10 s, should find "
        "nothing); engine query: LandmarkAudioEngine / PerceptualVisualEngine .query(limit="
        f"{CANDIDATES_PER_ENGINE}) on the query's fingerprint, as publish_video calls it",
        "publish_video: Anchoring.publish_video(media=bytes): decode + fingerprint + text, "
        "audio and visual lookups + policy + save + follower catch-up, on the in-memory "
        "store; 'media pre-decoded': the same call with the decoder's output and the "
        "fingerprints remembered from an untimed first call (lookup, decision and save only)",
        "audio engine: candidate generation reads the postings of the query's rarest hashes "
        f"up to a budget of {POSTING_BUDGET:,} (adapters/matching/audio.py), so its time "
        "grows until a catalogue holds that many postings for the query's hashes and little "
        "after; the visual engine's work grows with its bucket sizes (entries / 65,536 per "
        "band lookup)",
        f"runs: {plan.query_repetitions} timed calls per row after one untimed "
        f"({plan.publish_repetitions} for the full publish_video); every publish_video saves "
        "a new video",
    ]
