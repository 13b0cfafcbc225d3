"""Counterfeit reports: filed by anyone signed in (a few a day), decided by trust and safety.

Upholding is one transaction: the report is upheld, the listing taken down, its seller struck
(the third strike suspends the seller) and the listing's tags removed from every video that
showed them, each removal with the report as its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, require_role
from application.logs import RevenueLog
from application.ports import Clock, IdentityProvider
from application.reports import (
    day_count,
    refuse_auditors,
    require_report_reader,
    retried,
)
from application.shop.product_tagging import TRUST_AND_SAFETY, ProductTagging
from domain.shop.counterfeit import CounterfeitReport, ReportQuota, ReportStatus
from domain.shop.listings import Listing, ListingStatus, Seller
from domain.shop.product_tags import VideoTags


@attrs.frozen
class ReportView:
    id: UUID
    listing_id: UUID
    seller: str
    reporter: str
    reason: str
    evidence: tuple[str, ...]
    status: ReportStatus
    decision_reason: str
    filed_at: datetime

    @classmethod
    def of(cls, report: CounterfeitReport) -> ReportView:
        return cls(
            id=report.id,
            listing_id=report.listing_id,
            seller=report.seller,
            reporter=report.reporter,
            reason=report.reason,
            evidence=report.evidence,
            status=ReportStatus(report.status),
            decision_reason=report.decision_reason,
            filed_at=report.filed_at,
        )


class CounterfeitReports:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        tagging: ProductTagging,
        clock: Clock,
        identities: IdentityProvider,
    ) -> None:
        self._revenue = revenue
        #: Tells reporters and sellers of decisions on reports (none: nobody is told).
        self.tagging = tagging
        self.clock = clock
        self.identities = identities

    def file(
        self, actor: Principal, listing_id: UUID, *, reason: str, evidence: Sequence[str] = ()
    ) -> ReportView:
        """Anyone signed in but an auditor (``NotPermitted``) reports a listing as counterfeit, with
        a reason and evidence. Past the reporter's daily limit it is ``ReportLimitReached``."""
        refuse_auditors(actor)
        return retried(lambda: self._file(actor, listing_id, reason, evidence))

    def _file(
        self, actor: Principal, listing_id: UUID, reason: str, evidence: Sequence[str]
    ) -> ReportView:
        listing = self._revenue.load(Listing, listing_id)
        now = self.clock.now()
        quota = day_count(self._revenue, ReportQuota, actor.label, now.date())
        report = CounterfeitReport.file(
            self.identities.new_id(),
            listing_id=listing.id,
            seller=listing.seller,
            reporter=actor.label,
            reason=reason,
            evidence=evidence,
            at=now,
        )
        quota.use(report.id)
        # The quota and the report in one transaction: racing reports by one reporter
        # contend on the quota, so the daily limit holds.
        self._revenue.commit(quota, report)
        return ReportView.of(report)

    def decide(self, actor: Principal, report_id: UUID, *, uphold: bool, reason: str) -> ReportView:
        """A reviewer or admin upholds a report (the listing is taken down once, its seller struck
        once, and its video tags withdrawn) or dismisses it; reporter and seller are told. A
        decided report is ``ReportDecided``."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="decide on a counterfeit report")
        report = self._revenue.load(CounterfeitReport, report_id)
        now = self.clock.now()
        if not uphold:
            report.dismiss(by=actor.label, reason=reason, at=now)
            self._revenue.commit(report)
            return ReportView.of(report)
        report.uphold(by=actor.label, reason=reason, at=now)
        listing = self._revenue.load(Listing, report.listing_id)
        seller = self._revenue.load(Seller, Seller.id_for(report.seller))
        touched: list[Aggregate] = [report]
        if listing.on_sale or ListingStatus(listing.status) is ListingStatus.DELISTED:
            # One listing, one takedown and one strike: a later report of a listing already
            # taken down is upheld (the reporter was right) without striking again.
            listing.take_down(report.id, by=actor.label, reason=reason, at=now)
            seller.strike(report.id, listing.id, at=now)
            touched += [listing, seller]
        for video_id in self.tagging.videos_showing(listing.id):
            tags = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
            if tags is not None and listing.id in tags.tags:
                tags.remove(
                    listing.id,
                    by=TRUST_AND_SAFETY,
                    reason=f"the listing was taken down (counterfeit report {report.id})",
                    at=now,
                )
                touched.append(tags)
        self._revenue.commit(*touched)
        # Tags saved while this decision was being made were not in the read model it used:
        # withdraw them too (tags saved after the takedown withdraw themselves).
        self.tagging.withdraw_tags_of(
            listing.id, reason=f"the listing was taken down (counterfeit report {report.id})"
        )
        return ReportView.of(report)

    def report(self, actor: Principal, report_id: UUID) -> ReportView:
        """A report, for its reporter, a reviewer, an admin or an auditor (anyone else is
        ``NotPermitted``)."""
        report = self._revenue.load(CounterfeitReport, report_id)
        require_report_reader(
            actor, report.reporter, "reports are seen by their reporter and by trust and safety"
        )
        return ReportView.of(report)
