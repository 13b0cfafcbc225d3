"""Precision and recall of anchor matching, measured by the quality harness of the tests.

The same measurement as ``tests/quality`` (``tests.quality.harness``), on a larger corpus:
each reference is registered as a title, and every transformed copy of it and every
unrelated clip is checked per signal and published through the title's default policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.anchors.common import (
    AnchorPlan,
    Clips,
    Section,
    count,
    memory_store,
    open_core,
    plural,
)
from bench.anchors.common import progress as say
from bench.tables import Table
from tests.media.corpus import unrelated_clip
from tests.quality.harness import COMBINED, Case, cases_for, measure, register_titles


def key_of(seed: int) -> str:
    return f"ref{seed}"


def run(plan: AnchorPlan, clips: Clips) -> Section:
    section = Section()
    with open_core(memory_store()) as core:
        say(f"quality: registering {len(plan.reference_seeds)} references")
        references = {key_of(seed): clips.reference(seed) for seed in plan.reference_seeds}
        titles = register_titles(core, references)

        def cases() -> Iterator[Case]:
            # Made as they are measured: only one reference's copies are held at a time.
            for seed in plan.reference_seeds:
                say(f"quality: {len(plan.transforms)} copies of reference {seed}")
                for case in cases_for(
                    {key_of(seed): references[key_of(seed)]}, plan.transforms, []
                ):
                    clips.offer(seed, case.name.partition("/")[2], case.media)
                    yield case
            say(f"quality: {len(plan.unrelated_seeds)} unrelated clips")
            yield from cases_for({}, [], [unrelated_clip(seed) for seed in plan.unrelated_seeds])

        report = measure(core, titles, cases())
    table = Table(
        "1. Quality: precision and recall (tests/quality/harness.py, default MatchPolicy)",
        (
            "signal",
            "copies",
            "found",
            "recall",
            "predictions",
            "wrong",
            "precision",
            "unrelated",
            "left alone",
        ),
    )
    for name, tally in report.tallies.items():
        table.add(
            name,
            count(tally.relevant),
            count(tally.found),
            f"{tally.recall:.3f}",
            count(tally.predictions),
            count(tally.wrong),
            f"{tally.precision:.3f}",
            count(tally.unrelated),
            f"{tally.unrelated_precision:.3f}",
        )
    section.tables.append(table)
    seconds = f"{plan.reference_seconds:.0f} s"
    section.notes += [
        f"corpus: {plural(len(plan.reference_seeds), 'reference')} ({seconds} 720p "
        "H.264+AAC, seeds "
        f"{', '.join(str(s) for s in plan.reference_seeds)}) x {len(plan.transforms)} "
        f"transforms = {len(plan.reference_seeds) * len(plan.transforms)} copies, and "
        f"{len(plan.unrelated_seeds)} unrelated 10 s clips (seeds {plan.unrelated_seeds[0]}.."
        f"{plan.unrelated_seeds[-1]}); transforms: {', '.join(plan.transforms)}",
        "audio, visual: the engine's best candidate reaches the policy's review score and "
        "minimum length; combined: publish_video anchored the copy or sent it to review",
        "copies: cases carrying the signal (audio-only copies have no pictures); "
        "precision counts every title predicted, unrelated clips included; left alone: "
        "share of unrelated clips for which nothing was predicted",
    ]
    for name, tally in report.tallies.items():
        if tally.misses:
            section.notes.append(f"{name} missed: {', '.join(tally.misses)}")
    combined = report.tallies[COMBINED]
    if combined.recall < 0.9 or combined.precision < 0.98:
        section.failures.append(
            f"quality: combined recall {combined.recall:.3f} / precision "
            f"{combined.precision:.3f} below the test floors (0.9 / 0.98)"
        )
    return section
