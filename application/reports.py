"""What filing and reading a report does, whatever it reports (``domain.reports``): the
video reports (``application.trust.video_reports``) and the counterfeit reports
(``application.shop.counterfeit_reports``) file and show theirs through these.

A report is filed by anyone signed in but an auditor, in one transaction with the reporter's
count of the day (``day_count``), retried while the reporter's own racing reports win that
count's version (``retried``); it is read by its reporter and by trust and safety (reviewers,
admins, auditors), and by whoever else its program names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar, cast

from eventsourcing.domain import Aggregate

from application.auth import Principal, Role
from application.domain_application import DomainApplication
from application.errors import NotPermitted, StaleVersion
from domain.reports import DailyReportQuota

#: How many times a report is tried while the reporter's own reports race on their count.
REPORT_ATTEMPTS = 10
#: Who reads every report.
TRUST_AND_SAFETY = (Role.REVIEWER, Role.ADMIN, Role.AUDITOR)

T = TypeVar("T")
CountT = TypeVar("CountT", bound=DailyReportQuota)


def refuse_auditors(actor: Principal) -> None:
    """An auditor files no report (``NotPermitted``): auditors read and never write."""
    if actor.role is Role.AUDITOR:
        raise NotPermitted("auditors read and never write")


def retried(attempt: Callable[[], T], attempts: int = REPORT_ATTEMPTS) -> T:
    """What ``attempt`` answers, tried again on ``StaleVersion`` up to ``attempts`` times
    (the last one's ``StaleVersion`` is raised)."""
    for tried in range(attempts):
        try:
            return attempt()
        except StaleVersion:
            if tried == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def day_count(log: DomainApplication, kind: type[CountT], reporter: str, day: date) -> CountT:
    """The reporter's count of ``day`` of this kind as the log holds it, or a new one (the
    day's first report opens it), to be saved with the report it counts."""
    found = log.find(cast("type[Aggregate]", kind), kind.id_for(reporter, day))
    return kind.open(reporter, day) if found is None else cast(CountT, found)


def require_report_reader(
    actor: Principal, reporter: str, refusal: str, *, also: bool = False
) -> None:
    """A report is read by its reporter, by trust and safety, and by whoever ``also`` says;
    anyone else is ``NotPermitted`` with ``refusal``."""
    if not (actor.role in TRUST_AND_SAFETY or actor.label == reporter or also):
        raise NotPermitted(refusal)
