"""A season's schedule, enforced: the background worker opens each round when its planned
opening time comes and closes it (ranking it, seeding the next) when its closing time does.

The rounds due are asked of the music read model (their planned times and whether they
opened or closed are among its rows), by the clock port, so a worker restarted late catches
up on every round it missed, earliest first. An admin who acted first leaves nothing to do:
each round is read again before it is opened or closed, and a round another process changed
meanwhile is left to the next tick.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from application.background import BackgroundPass
from application.errors import StaleVersion
from application.music.competition import Competition
from application.ports import Clock
from domain.errors import RuleViolated

#: The rounds one pass looks at, at most.
ROUNDS_PER_PASS = 50


@attrs.frozen
class ScheduleReport:
    """What one pass did: the rounds it opened and closed, and those it could not (with why:
    a round with no entries cannot open)."""

    opened: tuple[UUID, ...] = ()
    closed: tuple[UUID, ...] = ()
    refused: tuple[tuple[UUID, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.opened or self.closed or self.refused)

    def summary(self) -> str:
        """One line for the service's log."""
        line = f"{len(self.opened)} rounds opened, {len(self.closed)} closed on schedule"
        if self.refused:
            line += f"; {len(self.refused)} not opened: " + "; ".join(
                f"{round_id}: {why}" for round_id, why in self.refused
            )
        return line


class RoundSchedule:
    def __init__(self, competition: Competition, *, clock: Clock) -> None:
        self.competition = competition
        self.clock = clock

    def due(self, *, limit: int = ROUNDS_PER_PASS) -> list[tuple[UUID, bool]]:
        """The rounds whose planned time has come by the clock, earliest first, each with
        whether it is due to close (else to open)."""
        view = self.competition.read.catch_up()
        return view.rounds_due(self.clock.now(), limit=limit)

    def run(self, *, limit: int = ROUNDS_PER_PASS) -> ScheduleReport:
        """Open and close every round whose time has come (up to ``limit``), as the
        schedule; safe to run in several processes at once."""
        opened: list[UUID] = []
        closed: list[UUID] = []
        refused: list[tuple[UUID, str]] = []
        for round_id, _closing in self.due(limit=limit):
            try:
                done = self.competition.keep_schedule(round_id)
            except StaleVersion:
                continue  # another process opened or closed it meanwhile: the next tick sees
            except RuleViolated as refusal:
                refused.append((round_id, str(refusal)))
                continue
            if done == "opened":
                opened.append(round_id)
            elif done == "closed":
                closed.append(round_id)
        return ScheduleReport(tuple(opened), tuple(closed), tuple(refused))

    def background_pass(self) -> BackgroundPass:
        """The background pass that keeps every season's schedule at each tick."""

        def run() -> str | None:
            report = self.run()
            return report.summary() if report else None

        return BackgroundPass("competition schedule", run, "the competition schedule pass failed")
