"""A creator's or a seller's payouts and the Pulse applications queue, listed a page at a time
(``application.paging``).

A persisted projection of the revenue log (``RevenueListsProjection``; port
``RevenueListTables``, rows in ``adapters.projections.revenue_lists``): a row per payout,
keyed for its creator by the position it was requested at and moved through its states as
it is sent or returned; and a row per creator's Pulse enrolment, keyed for the queue by its
state and the position of its latest application (a rejected creator who applies again
comes back at the end). Each list is a keyset read of those rows after its cursor; the
service holds nothing that grows with the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, require_role, whose_list
from application.csv_lines import CSV_PAGE, csv_of, decimal
from application.logs import RevenueLog
from application.paging import Key, KeysetCursors, Page, int_at
from application.persisted_lists import PersistedLists, keyset_page
from application.projections import Batch
from application.read_models import LogPositions
from application.revenue.ledgers import payee_asked
from application.revenue.payouts import PayoutView
from application.topic_projection import TopicProjection, unmoved
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.payouts import Payee, Payout, PayoutStatus
from domain.revenue.pulse import EnrolmentStatus, PulseEnrolment

NAME = "payouts and Pulse applications"
#: The columns of a payout history's CSV.
PAYOUT_COLUMNS = (
    "payout_id",
    "payee",
    "account",
    "period",
    "currency",
    "amount_minor",
    "amount",
    "status",
    "reference",
    "return_reason",
    "requested_at",
)
PAYOUTS = KeysetCursors("creator payouts", int)
APPLICATIONS = KeysetCursors("Pulse applications", str, int)


@attrs.frozen
class PayoutRow:
    payout_id: UUID
    creator: str
    position: int  # of its request in the revenue log: its place in the creator's list
    period: str
    amount: Money
    status: PayoutStatus
    reference: str
    return_reason: str
    requested_at: datetime
    payee: Payee = Payee.CREATOR  # whose list it is in: the creator's or the seller's

    def view(self) -> PayoutView:
        return PayoutView(
            id=self.payout_id,
            creator=self.creator,
            period=self.period,
            amount=self.amount,
            status=self.status,
            reference=self.reference,
            return_reason=self.return_reason,
            requested_at=self.requested_at,
            payee=self.payee,
        )


@attrs.frozen
class PulseApplication:
    """A creator's Pulse enrolment as the queue shows it."""

    enrolment_id: UUID
    creator: str
    region: str
    followers: int  # counted when they last applied
    status: EnrolmentStatus
    applied_at: datetime  # their latest application
    decided_by: str
    reason: str  # the decision's
    position: int  # of their latest application in the revenue log: their place in the queue


class RevenueListTables(Protocol):
    """The rows of payouts and Pulse applications, by generation (a port)."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def add_payout(self, batch: Batch, row: PayoutRow) -> None: ...

    def settle_payout(
        self, batch: Batch, payout_id: UUID, status: PayoutStatus, reference: str, reason: str
    ) -> None: ...

    def payouts(
        self,
        generation: int,
        creator: str,
        *,
        after: int | None,
        limit: int,
        status: PayoutStatus | None = None,
        payee: Payee = Payee.CREATOR,
    ) -> list[PayoutRow]:
        """At most ``limit`` of the payouts to ``creator`` as ``payee`` (a creator's
        earnings, or a seller's proceeds), in ``status`` if named, requested after the
        position ``after`` (none: from the first), in the order requested."""
        ...

    def apply(self, batch: Batch, row: PulseApplication) -> None:
        """Keep a creator's (new or renewed) application."""
        ...

    def decide(
        self, batch: Batch, enrolment_id: UUID, status: EnrolmentStatus, by: str, reason: str
    ) -> None: ...

    def applications(
        self, generation: int, status: EnrolmentStatus, *, after: int | None, limit: int
    ) -> list[PulseApplication]:
        """At most ``limit`` of the applications in ``status`` whose latest application is
        after the position ``after`` (none: from the first), in that order."""
        ...

    def every_payout(self, generation: int) -> Iterator[PayoutRow]: ...

    def every_application(self, generation: int) -> Iterator[PulseApplication]: ...


class RevenueListsProjection(TopicProjection):
    """Payouts and Pulse enrolments as rows, moved through their states in log order."""

    name = NAME
    version = 2  # 2: a payout's row names its payee, so a seller lists their payouts

    def __init__(self, tables: RevenueListTables) -> None:
        self.tables = tables
        super().__init__(
            RevenueLog.name,
            tables,
            {
                Payout.Requested.TOPIC: self._requested,
                Payout.Sent.TOPIC: self._sent,
                Payout.Returned.TOPIC: self._returned,
                PulseEnrolment.Applied.TOPIC: self._applied,
                PulseEnrolment.Reapplied.TOPIC: self._reapplied,
                PulseEnrolment.Approved.TOPIC: self._approved,
                PulseEnrolment.Rejected.TOPIC: self._rejected,
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """Every payout and application as it stands, positions in the audited log's."""
        position_of = positions.get(RevenueLog.name, unmoved)
        view: dict[str, object] = {}
        for payout in self.tables.every_payout(generation):
            moved = attrs.evolve(payout, position=position_of(payout.position))
            view[f"payout:{payout.payout_id}"] = moved
        for application in self.tables.every_application(generation):
            moved_app = attrs.evolve(application, position=position_of(application.position))
            view[f"pulse-application:{application.creator}"] = moved_app
        return view

    def _requested(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.add_payout(
            batch,
            PayoutRow(
                payout_id=event.originator_id,
                creator=event.creator,
                position=position,
                period=event.period,
                amount=event.amount,
                status=PayoutStatus.IN_TRANSIT,
                reference="",
                return_reason="",
                requested_at=event.requested_at,
                payee=Payee(event.payee),
            ),
        )

    def _sent(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.settle_payout(
            batch, event.originator_id, PayoutStatus.SENT, event.reference, ""
        )

    def _returned(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.settle_payout(
            batch, event.originator_id, PayoutStatus.RETURNED, "", event.reason
        )

    def _applied(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.apply(
            batch,
            PulseApplication(
                enrolment_id=event.originator_id,
                creator=event.creator,
                region=event.region,
                followers=event.followers,
                status=EnrolmentStatus.APPLIED,
                applied_at=event.applied_at,
                decided_by="",
                reason="",
                position=position,
            ),
        )

    def _reapplied(self, batch: Batch, event: Any, position: int) -> None:
        # The creator and region come from the row of their first application.
        self.tables.apply(
            batch,
            PulseApplication(
                enrolment_id=event.originator_id,
                creator="",
                region="",
                followers=event.followers,
                status=EnrolmentStatus.APPLIED,
                applied_at=event.reapplied_at,
                decided_by="",
                reason="",
                position=position,
            ),
        )

    def _approved(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.decide(
            batch, event.originator_id, EnrolmentStatus.APPROVED, event.approved_by, event.reason
        )

    def _rejected(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.decide(
            batch, event.originator_id, EnrolmentStatus.REJECTED, event.rejected_by, event.reason
        )


class RevenueLists(PersistedLists[RevenueListTables]):
    """A creator's payouts, and the queue of Pulse applications for those who decide them."""

    def payouts(
        self,
        actor: Principal,
        creator: str | None = None,
        *,
        status: PayoutStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
        seller: str | None = None,
    ) -> Page[PayoutView]:
        """The payouts of a creator's earnings (none named: the actor's own, a creator's),
        or of a seller's proceeds (a seller's own, or the ``seller`` an admin or auditor
        names), in the order they were requested, each in its state now (in transit, sent or
        returned); only those in ``status``, if named."""
        payee = payee_asked(actor, seller)
        if payee is Payee.SELLER:
            account = whose_list(actor, Role.SELLER, seller, "their payouts")
        else:
            account = whose_list(actor, Role.CREATOR, creator, "their payouts")
        page = self._position_page(
            PAYOUTS,
            cursor,
            limit,
            partial(self.tables.payouts, creator=account, status=status, payee=payee),
            lambda row: row.position,
        )
        return Page(tuple(row.view() for row in page.items), page.next_cursor)

    def payouts_csv(
        self, actor: Principal, creator: str | None = None, *, seller: str | None = None
    ) -> Iterator[str]:
        """The whole payout history of ``payouts`` (the same payee, for the same readers) as
        CSV lines, header first, in the order requested."""
        return csv_of(
            PAYOUT_COLUMNS,
            lambda cursor: self.payouts(
                actor, creator, seller=seller, limit=CSV_PAGE, cursor=cursor
            ),
            lambda payout: (
                payout.id,
                payout.payee.value,
                payout.creator,
                payout.period,
                payout.amount.currency,
                payout.amount.minor,
                decimal(payout.amount),
                payout.status.value,
                payout.reference,
                payout.return_reason,
                payout.requested_at.isoformat(),
            ),
        )

    def pulse_applications(
        self,
        actor: Principal,
        *,
        status: EnrolmentStatus = EnrolmentStatus.APPLIED,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PulseApplication]:
        """The Pulse applications in ``status`` (by default those awaiting a decision), in
        the order of each creator's latest application (admins, who decide them; auditors)."""
        if actor.role is not Role.AUDITOR:
            require_role(actor, Role.ADMIN, doing="work the Pulse applications queue")

        def after(key: Key) -> int:
            if key[0] != status.value:
                raise InvalidValue(
                    f"the cursor is one of the {key[0]} applications, not of the "
                    f"{status.value} ones: pass next_cursor with the status it was given for"
                )
            return int_at(key, 1)

        return keyset_page(
            APPLICATIONS,
            cursor,
            limit,
            after=after,
            read=lambda position, ask: self.tables.applications(
                self._generation(), status, after=position, limit=ask
            ),
            key=lambda row: (status.value, row.position),
        )
