"""Anchor matching quality on generated footage, with floors the policy must keep.

References of two titles, every transformation fans apply to them, and unrelated clips are
pushed through the real decoder, the real engines and each title's default policy.
`./dev bench` runs the same measurement on a larger corpus and prints the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.media.corpus import TRANSFORMS, reference_clip, unrelated_clip
from tests.quality.harness import (
    COMBINED,
    QualityReport,
    cases_for,
    format_report,
    measure,
    register_titles,
)

REFERENCE_SEEDS = {"alpha": 11, "beta": 12}
UNRELATED_SEEDS = range(101, 109)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QualityReport]:
    data: Path = tmp_path_factory.mktemp("quality")
    core: Spotlight = bootstrap(
        Settings.from_environ(
            {
                "SPOTLIGHT_STORE": "memory://",
                "SPOTLIGHT_DATA_DIR": str(data),
                "SPOTLIGHT_SECRET": "q" * 32,
            }
        )
    )
    references = {key: reference_clip(seed) for key, seed in REFERENCE_SEEDS.items()}
    titles = register_titles(core, references)
    cases = cases_for(references, sorted(TRANSFORMS), [unrelated_clip(s) for s in UNRELATED_SEEDS])
    measured = measure(core, titles, cases)
    print("\n" + format_report(measured))
    yield measured
    core.close()


def test_the_policy_finds_nine_in_ten_transformed_copies(report: QualityReport) -> None:
    combined = report.tallies[COMBINED]

    assert combined.relevant == len(REFERENCE_SEEDS) * len(TRANSFORMS)
    assert combined.recall >= 0.9, format_report(report)


def test_the_policy_leaves_unrelated_footage_alone(report: QualityReport) -> None:
    combined = report.tallies[COMBINED]

    assert combined.unrelated == len(UNRELATED_SEEDS)
    assert combined.unrelated_precision >= 0.98, format_report(report)
    assert combined.precision >= 0.98, format_report(report)


@pytest.mark.parametrize("signal", ["audio", "visual"])
def test_each_signal_alone_never_names_the_wrong_title(report: QualityReport, signal: str) -> None:
    assert report.tallies[signal].precision >= 0.98, format_report(report)
