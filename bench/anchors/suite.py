"""Runs the four anchors measurements in order and lays out their tables and notes."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import av

from bench.anchors import cost, lookup, quality, retro
from bench.anchors.common import AnchorPlan, Clips, Section
from bench.machine import package_version
from bench.tables import render_table

WIDTH = 100


@dataclass(frozen=True)
class AnchorsReport:
    lines: list[str]
    failures: list[str]


def software() -> str:
    ffmpeg = getattr(av, "ffmpeg_version_info", "unknown")
    return (
        f"media:    PyAV {package_version('av')} (FFmpeg {ffmpeg}), numpy "
        f"{package_version('numpy')}, scipy {package_version('scipy')}, Pillow "
        f"{package_version('pillow')}"
    )


def run(plan: AnchorPlan) -> AnchorsReport:
    seed = plan.retro_seed
    clips = Clips(
        plan.reference_seconds,
        wanted=[(seed, name) for name in (plan.query_transform, *plan.retro_copies)],
    )
    steps: list[Callable[[], Section]] = [
        lambda: quality.run(plan, clips),
        lambda: cost.run(plan),
        lambda: lookup.run(plan, clips),
        lambda: retro.run(plan, clips),
    ]
    lines: list[str] = []
    failures: list[str] = []
    for step in steps:
        started = perf_counter()
        section = step()
        section.notes.append(f"this measurement took {perf_counter() - started:.0f} s")
        for table in section.tables:
            lines += [*render_table(table), ""]
        lines += notes(section.notes)
        lines.append("")
        failures += section.failures
    if failures:
        lines += ["FAILED CHECKS:", *(f"- {failure}" for failure in failures)]
    else:
        lines.append("checks: every expected match found, nothing else matched")
    return AnchorsReport(lines, failures)


def notes(texts: list[str]) -> list[str]:
    lines: list[str] = []
    for text in texts:
        lines += textwrap.wrap(text, WIDTH, initial_indent="- ", subsequent_indent="  ")
    return lines
