"""The notice follower of the composition root: every program's notice rules, fed to the
notifier from the logs (``application.notice_follower``)."""

from __future__ import annotations

from application.anchors.notices import AnchorNotices
from application.business.notices import InvitationNotices
from application.inbox import InboxReads
from application.logs import CatalogueLog, MusicLog, RevenueLog
from application.music.notices import MusicNotices
from application.notice_follower import NoticeFollower
from application.notifications import Notifier
from application.projections import ProjectionRunner
from application.revenue.notices import RevenueNotices
from application.shop.notices import ShopNotices
from application.trust.notices import ModerationNotices, VideoReportNotices


def follow_notices(
    runner: ProjectionRunner,
    reads: InboxReads,
    notifier: Notifier,
    *,
    catalogue: CatalogueLog,
    music: MusicLog,
    revenue: RevenueLog,
) -> NoticeFollower:
    """Register the follower of every decision that tells someone something; inbox reads
    that catch up bring it up to date first."""
    follower = NoticeFollower(
        notifier,
        (
            AnchorNotices(catalogue),
            ModerationNotices(catalogue),
            MusicNotices(music),
            RevenueNotices(revenue),
            ShopNotices(revenue),
            InvitationNotices(revenue),
            VideoReportNotices(catalogue),
        ),
    )
    runner.register(follower)
    reads.feed_from(follower.name)
    return follower
