"""What the shop's decisions tell people, read from the revenue log by the notice follower
(``application.notice_follower``): a counterfeit report upheld or dismissed, to its reporter
and to the listing's seller (keyed ``counterfeit-report:<report>:<kind>:<recipient>``: a
report is decided once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.auth import Principal, Role, person_key
from application.logs import RevenueLog
from application.notice_follower import NoticeDraft, RulesOver, as_of
from domain.inbox import NoticeKind
from domain.shop.counterfeit import CounterfeitReport


class ShopNotices(RulesOver[RevenueLog]):
    @property
    def topics(self) -> Sequence[str]:
        return (CounterfeitReport.Upheld.TOPIC, CounterfeitReport.Dismissed.TOPIC)

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if not isinstance(event, CounterfeitReport.Upheld | CounterfeitReport.Dismissed):
            return ()
        uphold = isinstance(event, CounterfeitReport.Upheld)
        report = as_of(
            self.source, CounterfeitReport, event.originator_id, event.originator_version
        )
        kind = NoticeKind.REPORT_UPHELD if uphold else NoticeKind.REPORT_DISMISSED
        role, subject = report.reporter.split(":", 1)
        told = {
            person_key(Principal(Role(role), subject)): "Your counterfeit report was "
            + ("upheld: the listing is taken down." if uphold else "dismissed."),
            person_key(Principal(Role.SELLER, report.seller)): "A counterfeit report against "
            + (
                "your listing was upheld: it is taken down."
                if uphold
                else "your listing was dismissed."
            ),
        }
        return tuple(
            NoticeDraft(
                recipient=recipient,
                kind=kind,
                subject="A decision on a counterfeit report",
                body=body,
                key=f"counterfeit-report:{report.id}:{kind.value}:{recipient}",
                about={"report": report.id, "listing": report.listing_id},
                reason=event.reason,
            )
            for recipient, body in told.items()
        )
