"""Plain-text tables with any columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A titled table. ``align`` has an ``l`` or ``r`` per column; by default the first
    column is left-aligned (text) and the others right-aligned (numbers)."""

    title: str
    headings: tuple[str, ...]
    align: str = ""
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        if len(cells) != len(self.headings):
            raise ValueError(f"{len(cells)} cells for {len(self.headings)} columns")
        self.rows.append(cells)

    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.headings) - 1)


def render_table(table: Table) -> list[str]:
    lines = [table.title, ""] if table.title else []
    grid: list[Sequence[str]] = [table.headings, *table.rows]
    widths = [max(len(line[column]) for line in grid) for column in range(len(table.headings))]
    alignment = table.alignment()
    for number, line in enumerate(grid):
        padded = [
            text.ljust(width) if side == "l" else text.rjust(width)
            for text, width, side in zip(line, widths, alignment, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def print_checked(table: Table, failures: Sequence[str]) -> int:
    """Print ``table``, then a ``CHECK FAILED`` line per failure; the exit status (1 when a
    check failed)."""
    print("\n".join(render_table(table)))
    for failure in failures:
        print(f"CHECK FAILED: {failure}")
    return 1 if failures else 0
