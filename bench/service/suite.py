"""The service suites' reports: one table each, the load average quoted before and after."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.sandboxes import PostgresSandbox, Sandbox, SandboxUnavailable, SqliteSandbox
from bench.service.common import load_average
from bench.tables import Table, render_table


@dataclass(frozen=True)
class Prepared:
    """A suite ready to run: its empty tables, what fills them on a sandbox, the stores it
    runs on (None: those asked for) and the lines printed under the tables."""

    tables: Sequence[Table]
    measure: Callable[[Sandbox], None]
    notes: Sequence[str] = ()
    stores: Sequence[str] | None = None


@dataclass
class ServiceReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run_on_stores(suite: Prepared, stores: Sequence[str], postgres_url: str) -> ServiceReport:
    """The suite's measure on a sandbox of each store, filling its tables; a store that
    fails is reported and the others still run."""
    tables, measure, notes = suite.tables, suite.measure, suite.notes
    stores = suite.stores or stores
    report = ServiceReport()
    before = load_average()
    for name in stores:
        try:
            sandbox: Sandbox = (
                PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()
            )
        except SandboxUnavailable as error:
            report.failures.append(f"{name}: {error}")
            continue
        try:
            measure(sandbox)
        except Exception as error:  # a failed store is reported; the others still run
            report.failures.append(f"{name}: {type(error).__name__}: {error}")
        finally:
            sandbox.close()
    rendered = [line for table in tables for line in [*render_table(table), ""]]
    report.lines = [
        *rendered,
        *notes,
        f"before: {before}",
        f"after:  {load_average()}",
        *(f"FAILED {failure}" for failure in report.failures),
    ]
    return report
