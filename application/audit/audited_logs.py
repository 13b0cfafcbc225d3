"""The logs an auditor may read: the audit program's one way into the core's logs.

The core's logs are private: a public log would let any caller append events that no use
case had checked. The audit program (the audit trail over HTTP and on the web, the ledger
check, the recount of a round, the replay, the demo's look for an empty store) reads them
through this service, which names the logs an auditor may read and keeps their recorders
and mappers behind it. Nothing here appends to a log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from uuid import UUID

from eventsourcing.application import Application

from application.audit.audit import AuditSource, AuditTrail, ChainedLogReader, plain_state
from application.audit.ledger_audit import (
    LedgerAudit,
    ListedPostings,
    PostingsCheck,
    audit_log,
    read_model_problems,
)
from application.audit.recount import Recount, recount_round
from application.errors import NotFound
from application.logs import MusicLog, RevenueLog
from application.progress import JobProgress


class AuditedLogs:
    """Every log of a core by name, in the order the auditor verifies and copies them."""

    def __init__(self, logs: Iterable[Application[UUID]]) -> None:
        self._logs = {log.name: log for log in logs}

    def names(self) -> tuple[str, ...]:
        """The names of the logs an auditor may read, in the order they are verified."""
        return tuple(self._logs)

    def last_positions(self) -> dict[str, int]:
        """Each log's last position now (0: the log is empty)."""
        return {name: log.recorder.max_notification_id() or 0 for name, log in self._logs.items()}

    def trail(self) -> AuditTrail:
        """Every log's records with their hash-chain links, for auditors and admins (the trail
        checks who reads it). A log recorded without a hash chain is a ``TypeError``."""
        sources = {}
        for name, log in self._logs.items():
            recorder = log.recorder
            if not isinstance(recorder, ChainedLogReader):
                raise TypeError(f"the {name} log is not recorded with a hash chain")
            sources[name] = AuditSource(recorder, plain_state(log.mapper))
        return AuditTrail(sources)

    def recount_round(self, round_id: UUID) -> Recount:
        """A competition round counted again from the music log's ballots and scores alone
        (``application.audit.recount``); a round the log does not hold is ``NotFound``."""
        music = self._log(MusicLog.name)
        return recount_round(music.recorder, music.mapper, round_id)

    def ledger_audit(self, *, progress: JobProgress | None = None) -> LedgerAudit:
        """The ledger recomputed from the revenue log's journal (``application.audit.
        ledger_audit``): balances, totals and what breaks the ledger's rules."""
        revenue = self._log(RevenueLog.name)
        return audit_log(revenue.recorder, revenue.mapper, progress=progress)

    def ledger_read_model_problems(
        self, model: ListedPostings, *, stop: int, progress: JobProgress | None = None
    ) -> PostingsCheck:
        """The ledger's read model compared with the revenue log's journal up to ``stop``,
        the position the read model follows to."""
        revenue = self._log(RevenueLog.name)
        return read_model_problems(
            revenue.recorder, revenue.mapper, model, stop=stop, progress=progress
        )

    def logs_for_replay(self) -> Mapping[str, Application[UUID]]:
        """The logs themselves, by name, for the auditor's replay and its invariants
        (``application.audit.audit_replay``), which read the live core's and copy them into a
        scratch core's; nothing else of the platform is handed them."""
        return MappingProxyType(self._logs)

    def _log(self, name: str) -> Application[UUID]:
        log = self._logs.get(name)
        if log is None:
            raise NotFound("log", name)
        return log
