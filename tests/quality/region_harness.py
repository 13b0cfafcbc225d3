"""Measuring visual matching of a part of the frame (``tests.media.layouts``), per layout.

Each case is an upload made with one layout, and the title it shows (None for look-alike
footage that no title owns). Both visual engines answer it: the whole-frame hashes alone
(``PerceptualVisualEngine``, what the catalogue used before) and the visual signal as it is
now (``VisualEngine``: the hashes and the region matching). A title counts as *attached*
when the engine's best candidate reaches the default policy's visual attach score and
minimum length, and as *found* when it reaches the review score and minimum length. Recall
is over the cases that show a title; precision over every title named, look-alikes
included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from adapters.matching.regions import SAMPLING
from adapters.matching.visual import PerceptualVisualEngine
from adapters.matching.visual_engine import VisualEngine, split
from adapters.media.decoding import PyAVDecoder
from application.media import Candidate
from domain.anchors.matching import MatchPolicy

OLD = "whole-frame"
NEW = "visual"


@attrs.frozen
class Case:
    layout: str
    media: bytes
    expected: str | None  # the key of the title shown


@attrs.define
class Tally:
    relevant: int = 0
    attached: int = 0  # right title attached
    found: int = 0  # right title at least sent to review
    named: int = 0  # titles attached, right or wrong
    wrong: int = 0  # ... of which wrong (or on look-alike footage)
    reviewed_wrong: int = 0  # wrong titles at least sent to review
    misses: list[str] = attrs.field(factory=list)

    @property
    def recall(self) -> float:
        return self.attached / self.relevant if self.relevant else 1.0

    @property
    def review_recall(self) -> float:
        return self.found / self.relevant if self.relevant else 1.0

    @property
    def precision(self) -> float:
        return (self.named - self.wrong) / self.named if self.named else 1.0


@attrs.frozen
class RegionReport:
    #: (engine, layout) -> tally; layout "all" sums every layout.
    tallies: Mapping[tuple[str, str], Tally]

    def tally(self, engine: str, layout: str = "all") -> Tally:
        return self.tallies[(engine, layout)]

    def layouts(self) -> list[str]:
        return [*sorted({layout for _, layout in self.tallies} - {"all"}), "all"]


class Engines:
    """The two visual engines over the same references, fingerprinted once."""

    def __init__(self, references: Mapping[str, bytes]) -> None:
        self.decoder = PyAVDecoder()
        self.new = VisualEngine()
        self.old = PerceptualVisualEngine()
        for key, media in references.items():
            fingerprint = self.fingerprint(media)
            self.new.index(key, fingerprint)
            self.old.index(key, split(fingerprint)[0])

    def fingerprint(self, media: bytes) -> bytes:
        return self.new.fingerprint(self.decoder.decode(media, also=(SAMPLING,)))

    def answers(self, media: bytes) -> dict[str, list[Candidate]]:
        fingerprint = self.fingerprint(media)
        return {
            OLD: self.old.query(split(fingerprint)[0], limit=5),
            NEW: self.new.query(fingerprint, limit=5),
        }


def measure(engines: Engines, cases: Iterable[Case]) -> RegionReport:
    rule = MatchPolicy().visual
    assert rule.attach_at is not None
    tallies: dict[tuple[str, str], Tally] = {}
    for case in cases:
        for engine, candidates in engines.answers(case.media).items():
            best = candidates[:1]
            long_enough = [c for c in best if c.matched_seconds >= rule.min_seconds]
            attached = {c.reference_id for c in long_enough if c.score >= rule.attach_at}
            reviewed = {c.reference_id for c in long_enough if c.score >= rule.review_at}
            for layout in (case.layout, "all"):
                _count(tallies.setdefault((engine, layout), Tally()), case, attached, reviewed)
    return RegionReport(tallies)


def _count(tally: Tally, case: Case, attached: set[str], reviewed: set[str]) -> None:
    tally.named += len(attached)
    tally.wrong += len(attached - {case.expected})
    tally.reviewed_wrong += len(reviewed - {case.expected})
    if case.expected is None:
        return
    tally.relevant += 1
    tally.attached += case.expected in attached
    tally.found += case.expected in reviewed
    if case.expected not in attached:
        tally.misses.append(f"{case.expected}/{case.layout}")


def format_report(report: RegionReport, engines: Sequence[str] = (OLD, NEW)) -> str:
    lines = [
        f"{'layout':<20} {'engine':<12} {'cases':>5} {'recall':>7} {'precision':>9} "
        f"{'review recall':>13} {'wrong reviews':>13}"
    ]
    for layout in report.layouts():
        for engine in engines:
            t = report.tally(engine, layout)
            lines.append(
                f"{layout:<20} {engine:<12} {t.relevant:>5} {t.recall:>7.2f} {t.precision:>9.2f} "
                f"{t.review_recall:>13.2f} {t.reviewed_wrong:>13}"
            )
    missed = report.tally(NEW).misses
    if missed:
        lines.append(f"{NEW} missed: {', '.join(missed)}")
    return "\n".join(lines)
