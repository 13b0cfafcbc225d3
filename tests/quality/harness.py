"""Measuring anchor matching on the generated corpus: per signal, and for the whole policy.

A *case* is one upload with the title it should anchor to (None for unrelated footage).
Per signal, a case counts as found when the engine's best candidate reaches the default
policy's review score and minimum length; for the policy, when the published video was
anchored or sent to review for a title. Recall is measured over the cases that carry the
signal at all (an audio-only upload has no pictures); precision counts every prediction,
including those made on unrelated footage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import attrs

from application.auth import Principal, Role
from application.media import UnreadableMedia
from domain.anchors.matching import Decision, MatchPolicy, Signal
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.media.corpus import TRANSFORMS

STUDIO = Principal(Role.STUDIO, "quality-studio")
CREATOR = Principal(Role.CREATOR, "quality-creator")
COMBINED = "combined"


@attrs.frozen
class Case:
    name: str
    media: bytes
    expected: str | None  # the key of the title it is a copy of


@attrs.define
class Tally:
    relevant: int = 0  # cases that should be found and carry the signal
    found: int = 0  # ... of which the right title was predicted
    predictions: int = 0  # every title predicted, right or wrong
    wrong: int = 0  # predictions of a title that is not the expected one
    unrelated: int = 0  # unrelated cases that carry the signal
    unrelated_hits: int = 0  # ... of which something was predicted
    misses: list[str] = attrs.field(factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.relevant if self.relevant else 1.0

    @property
    def precision(self) -> float:
        return (self.predictions - self.wrong) / self.predictions if self.predictions else 1.0

    @property
    def unrelated_precision(self) -> float:
        """The share of unrelated footage left alone."""
        return 1 - self.unrelated_hits / self.unrelated if self.unrelated else 1.0


@attrs.frozen
class QualityReport:
    tallies: dict[str, Tally]

    def rows(self) -> list[tuple[str, int, float, float, float]]:
        return [
            (name, t.relevant, t.recall, t.precision, t.unrelated_precision)
            for name, t in self.tallies.items()
        ]


def register_titles(core: Spotlight, references: dict[str, bytes]) -> dict[str, UUID]:
    titles: dict[str, UUID] = {}
    for key, media in references.items():
        title = core.anchoring.register_title(STUDIO, name=f"Quality {key}", kind=TitleKind.MOVIE)
        core.anchoring.add_reference(STUDIO, title.id, label=f"{key} reference", media=media)
        titles[key] = title.id
    return titles


def measure(core: Spotlight, titles: dict[str, UUID], cases: Iterable[Case]) -> QualityReport:
    policy = MatchPolicy()
    by_id = {str(title_id): key for key, title_id in titles.items()}
    tallies: dict[str, Tally] = {engine.signal: Tally() for engine in core.anchoring.engines}
    tallies[COMBINED] = Tally()
    for case in cases:
        decoded = core.anchoring.decoder.decode(case.media)
        for engine in core.anchoring.engines:
            has_audio = decoded.audio is not None
            if not (has_audio if engine.signal == "audio" else bool(decoded.frames)):
                continue
            try:
                fingerprint = engine.fingerprint(decoded)
            except UnreadableMedia:
                continue
            if not fingerprint:
                continue
            rule = policy.rule_for(Signal(engine.signal))
            predicted = {
                core.anchoring.index.reference_titles[c.reference_id]
                for c in engine.query(fingerprint, limit=5)[:1]
                if c.score >= rule.review_at and c.matched_seconds >= rule.min_seconds
            }
            _count(tallies[engine.signal], case, {by_id[str(t)] for t in predicted})
        published = core.anchoring.publish_video(
            CREATOR, caption="", hashtags=[], category="film-and-tv", media=case.media
        )
        predicted_keys = {
            by_id.get(str(title_id), "?")
            for title_id, decision in published.decisions.items()
            if decision is not Decision.IGNORE
        }
        _count(tallies[COMBINED], case, predicted_keys)
    return QualityReport(tallies)


def _count(tally: Tally, case: Case, predicted: set[str]) -> None:
    tally.predictions += len(predicted)
    tally.wrong += len(predicted - {case.expected} if case.expected else predicted)
    if case.expected is None:
        tally.unrelated += 1
        tally.unrelated_hits += bool(predicted)
        return
    tally.relevant += 1
    if case.expected in predicted:
        tally.found += 1
    else:
        tally.misses.append(case.name)


def format_report(report: QualityReport) -> str:
    lines = [
        f"{'signal':<9} {'cases':>5} {'recall':>7} {'precision':>9} {'unrelated left alone':>21}"
    ]
    for name, relevant, recall, precision, unrelated in report.rows():
        lines.append(f"{name:<9} {relevant:>5} {recall:>7.3f} {precision:>9.3f} {unrelated:>21.3f}")
    for name, tally in report.tallies.items():
        if tally.misses:
            lines.append(f"{name} missed: {', '.join(tally.misses)}")
    return "\n".join(lines)


def cases_for(
    references: dict[str, bytes], transform_names: Sequence[str], unrelated: Sequence[bytes]
) -> list[Case]:
    cases = [
        Case(name=f"{key}/{name}", media=TRANSFORMS[name](media), expected=key)
        for key, media in references.items()
        for name in transform_names
    ]
    cases += [Case(name=f"unrelated/{i}", media=m, expected=None) for i, m in enumerate(unrelated)]
    return cases
