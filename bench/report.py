"""The plain-text table."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure import Rate

HEADINGS = ("store", "measurement", "side", "ops/rep", "median/s", "min/s", "max/s")
# Text columns are left-aligned, numbers right-aligned.
LEFT_ALIGNED = 3


@dataclass(frozen=True)
class RateRow:
    store: str
    measurement: str
    side: str
    rate: Rate


@dataclass(frozen=True)
class RatioRow:
    store: str
    measurement: str
    ratio: float
    sides: str = "project/raw"


@dataclass(frozen=True)
class NoteRow:
    store: str
    note: str


Row = RateRow | RatioRow | NoteRow


def cells(row: Row) -> tuple[str, ...]:
    if isinstance(row, RateRow):
        rate = row.rate
        return (
            row.store,
            row.measurement,
            row.side,
            str(rate.count),
            f"{rate.median:,.0f}",
            f"{rate.slowest:,.0f}",
            f"{rate.fastest:,.0f}",
        )
    if isinstance(row, RatioRow):
        return (row.store, row.measurement, row.sides, "", f"{row.ratio:.2f}x", "", "")
    return (row.store, row.note, "", "", "", "", "")


def render(rows: list[Row]) -> list[str]:
    notes = [f"{row.store}: {row.note}" for row in rows if isinstance(row, NoteRow)]
    measured = [cells(row) for row in rows if not isinstance(row, NoteRow)]
    if not measured:
        return notes
    table = [HEADINGS, *measured]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADINGS))]
    lines: list[str] = []
    for line in table:
        padded = [
            text.ljust(width) if column < LEFT_ALIGNED else text.rjust(width)
            for column, (text, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
        if line is HEADINGS:
            lines.append("  ".join("-" * width for width in widths))
    return lines + notes
