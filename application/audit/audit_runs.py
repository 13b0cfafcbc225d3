"""The record of every audit run: when ``spotlight audit verify`` or ``spotlight audit
replay`` ran, who or what ran it, the positions of each log it covered, its outcome and its
first failure, kept in the store's database so that an auditor reads the last result on the
auditor page, over HTTP or with ``spotlight audit runs`` instead of in a terminal's scroll.

A run is a row of its own (``AuditRunLog``, the ``audit_runs`` table), not an event in a log:
the runs are about the logs, and a verification that appended to a log it had just verified
would move the head it vouched for, as a replay's note would show as a difference on the
next replay (ARCHITECTURE.md, "Audit runs")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import attrs

from application.audit.audit import StoreVerification
from application.auth import Principal, Role, require_role
from application.paging import KeysetCursors, Page, int_at, limited

if TYPE_CHECKING:
    # The replay's module brings every program's domain with it; a verification needs none.
    from application.audit.audit_replay import ReplayReport

#: The longest text kept of who ran a run and of its first failure.
MAX_RAN_BY = 200
MAX_FAILURE = 2000


class RunKind(StrEnum):
    VERIFY = "verify"
    REPLAY = "replay"


class RunOutcome(StrEnum):
    INTACT = "intact"  # verify: every chain holds (and every checkpoint given matches)
    TAMPERED = "tampered"  # verify: a record altered, deleted, inserted, reordered...
    FORGED_CHECKPOINT = "forged-checkpoint"  # verify: a checkpoint's signature is invalid
    MATCHES = "matches"  # replay: every read model matches, every invariant holds
    DIFFERS = "differs"  # replay: a difference or a violated invariant

    @property
    def passed(self) -> bool:
        return self in (RunOutcome.INTACT, RunOutcome.MATCHES)


@attrs.frozen
class LogPosition:
    """How far a run read one log: its last position (0: the log was empty)."""

    log: str
    position: int


@attrs.frozen
class AuditRun:
    """One finished run. ``number`` is given by the log of runs (0 before it is kept)."""

    kind: RunKind
    started_at: datetime
    finished_at: datetime
    ran_by: str
    positions: tuple[LogPosition, ...]
    outcome: RunOutcome
    summary: str
    first_failure: str | None = None
    number: int = 0

    @property
    def passed(self) -> bool:
        return self.outcome.passed


def _clip(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def verification_run(
    verification: StoreVerification,
    *,
    started_at: datetime,
    finished_at: datetime,
    ran_by: str,
    checkpoints: int,
) -> AuditRun:
    """The run of one ``verify`` over every log, as its report ends."""
    if verification.tampered:
        outcome, first = RunOutcome.TAMPERED, str(verification.findings[0])
    elif verification.forged:
        outcome, first = RunOutcome.FORGED_CHECKPOINT, str(verification.forged[0])
    else:
        outcome, first = RunOutcome.INTACT, None
    records = sum(log.records for log in verification.logs)
    summary = (
        f"{len(verification.logs)} logs, {records:,} records, "
        f"{len(verification.findings):,} findings, {len(verification.forged):,} forged and "
        f"{checkpoints:,} checkpoints given"
    )
    return AuditRun(
        kind=RunKind.VERIFY,
        started_at=started_at,
        finished_at=finished_at,
        ran_by=_clip(ran_by, MAX_RAN_BY),
        positions=tuple(LogPosition(log.log, log.last_position) for log in verification.logs),
        outcome=outcome,
        summary=summary,
        first_failure=None if first is None else _clip(first, MAX_FAILURE),
    )


def replay_run(
    report: ReplayReport, *, started_at: datetime, finished_at: datetime, ran_by: str
) -> AuditRun:
    """The run of one ``replay``, as its report ends."""
    first: str | None = None
    differences = [d for comparison in report.comparisons for d in comparison.kept]
    if differences:
        first = str(differences[0])
    elif report.violations:
        first = str(report.violations[0])
    summary = (
        f"{report.events:,} events, {len(report.comparisons)} read models compared, "
        f"{report.differences:,} differences, {len(report.violations):,} invariant violations"
    )
    return AuditRun(
        kind=RunKind.REPLAY,
        started_at=started_at,
        finished_at=finished_at,
        ran_by=_clip(ran_by, MAX_RAN_BY),
        positions=tuple(LogPosition(log.log, log.last_position) for log in report.logs),
        outcome=RunOutcome.MATCHES if report.holds else RunOutcome.DIFFERS,
        summary=summary,
        first_failure=None if first is None else _clip(first, MAX_FAILURE),
    )


class AuditRunLog(Protocol):
    """Where the runs are kept (the store's database)."""

    def add(self, run: AuditRun) -> AuditRun:
        """Keep ``run``; the run as kept, with its number (ascending with each run)."""
        ...

    def newest(self, *, before: int | None, limit: int, kind: RunKind | None) -> Sequence[AuditRun]:
        """Runs numbered below ``before`` (None: every run), newest first, at most ``limit``,
        only of ``kind`` if one is named."""
        ...


_CURSORS = KeysetCursors("audit-runs", int)


class AuditRuns:
    """Reading the runs (auditors and admins), and keeping one (the audit commands, which
    act for the operator who runs them on the store itself)."""

    def __init__(self, runs: AuditRunLog) -> None:
        self.runs = runs

    def record(self, run: AuditRun) -> AuditRun:
        """Keep a finished verify or replay (numbered by the store); the run as kept."""
        return self.runs.add(run)

    def page(
        self,
        actor: Principal,
        *,
        kind: RunKind | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[AuditRun]:
        """The runs, newest first (the list convention of ``application.paging``)."""
        require_role(actor, Role.AUDITOR, Role.ADMIN, doing="reading the audit runs")
        limit = limited(limit)
        key = _CURSORS.decode(cursor)
        rows = self.runs.newest(
            before=None if key is None else int_at(key, 0), limit=limit + 1, kind=kind
        )
        return _CURSORS.page(rows, limit, lambda run: (run.number,))

    def latest(self, actor: Principal) -> dict[RunKind, AuditRun]:
        """The last run of each kind that ever ran."""
        require_role(actor, Role.AUDITOR, Role.ADMIN, doing="reading the audit runs")
        found = {}
        for kind in RunKind:
            last = self.runs.newest(before=None, limit=1, kind=kind)
            if last:
                found[kind] = last[0]
        return found
