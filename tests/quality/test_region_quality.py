"""Visual matching when the title fills only part of the frame or is filmed off a screen.

Three titles of varied footage (two synthetic movies and one in the striped style), each
laid out by ``tests.media.layouts`` (footage at 25-60 % of the frame anywhere, green screen,
picture-in-picture, split screen, perspective, rotation, blur, colour filters), and look-alike
footage no title owns laid out the same ways. The floors are what the visual signal keeps;
the whole-frame hashes it had before stay below them. ``python -m bench.anchors.regions``
prints the same table on more footage.
"""

from __future__ import annotations

import pytest

from tests.media.corpus import reference_clip, unrelated_clip
from tests.media.layouts import LAYOUTS
from tests.quality.region_harness import NEW, OLD, Case, Engines, RegionReport, format_report
from tests.quality.region_harness import measure as measure_layouts

TITLES = {
    "alpha": (reference_clip, 11),
    "beta": (reference_clip, 12),
    "stripes": (unrelated_clip, 301),
}
LOOK_ALIKES = {"plain": (reference_clip, 201), "striped": (unrelated_clip, 302)}
NAMES = sorted(LAYOUTS)
# Every layout for the first title; the others share them out, so each layout is met twice.
PLAN = [("alpha", name) for name in NAMES] + [
    ("beta" if number % 2 else "stripes", name) for number, name in enumerate(NAMES)
]
NEGATIVES = [("plain" if n % 2 else "striped", name) for n, name in enumerate(NAMES) if n % 3 == 0]
# Footage in a part of the frame: what the region matching is for.
PARTIAL = [n for n in NAMES if n.startswith(("inset", "green", "picture", "creator", "split"))]


@pytest.fixture(scope="module")
def report() -> RegionReport:
    titles = {key: make(seed, 20) for key, (make, seed) in TITLES.items()}
    look_alikes = {key: make(seed, 20) for key, (make, seed) in LOOK_ALIKES.items()}
    engines = Engines(titles)
    cases = [Case(name, LAYOUTS[name](titles[key]), key) for key, name in PLAN]
    cases += [Case(name, LAYOUTS[name](look_alikes[key]), None) for key, name in NEGATIVES]
    measured = measure_layouts(engines, cases)
    print("\n" + format_report(measured))
    return measured


def test_no_wrong_title_is_ever_attached(report: RegionReport) -> None:
    for layout in report.layouts():
        assert report.tally(NEW, layout).precision == 1.0, format_report(report)
    assert report.tally(NEW).reviewed_wrong == 0, format_report(report)


def test_footage_in_part_of_the_frame_is_attached(report: RegionReport) -> None:
    attached = sum(report.tally(NEW, name).attached for name in PARTIAL)
    relevant = sum(report.tally(NEW, name).relevant for name in PARTIAL)

    assert attached / relevant >= 0.9, format_report(report)


def test_most_footage_filmed_off_a_screen_is_attached(report: RegionReport) -> None:
    assert report.tally(NEW).recall >= 0.8, format_report(report)


def test_the_whole_frame_hashes_alone_miss_it(report: RegionReport) -> None:
    partial = sum(report.tally(OLD, name).attached for name in PARTIAL)

    assert partial / sum(report.tally(OLD, name).relevant for name in PARTIAL) < 0.5
    assert report.tally(OLD).recall < 0.8, format_report(report)
