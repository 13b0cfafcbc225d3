"""The campaign dashboards' rows (``application.business.campaign_dashboard.DashboardTables``)
in the projection store: SQLAlchemy Core tables, one set per generation, with an index for
every read.

Each campaign's videos that count are kept as members, each with its figures summed over the
flight, and the campaign's days summed over them, as events arrive: a publication, a link,
an effect's use or a creator joining admits videos (bringing the figures they already have),
engagement and clicks add to every campaign the video is a member of, and a campaign ended
early is summed again from its videos' days. A dashboard is then read in one snapshot of a
few queries that touch no video's days: the creators' sums (from an index alone), the top
videos (the first entries of an index), the campaign's days, the fees paid and the effects;
no video protection excludes is a member. Read for a day before the last with figures, a
dashboard is summed from the videos' days instead.

Protection's answer is kept here too, from the same events of the catalogue log (creators'
accounts and age bands, videos' moderation), by its rule (``exclusion``): a video that comes
to be excluded leaves its campaigns (their days lose its figures), one that no longer is
joins them again. A read asks protection about none of a campaign's videos, so its cost does
not grow with them.

Figures are added with one ``INSERT ... ON CONFLICT DO UPDATE`` for all rows (SQLite and
PostgreSQL); other upserts update and insert when nothing was updated, which is safe because
one projection's batches are serialised by the compare and set of its positions.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.keyset import rows_after
from adapters.projections.rows import add_amounts, chunks, update_rows
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.business.campaign_dashboard import (
    TOP,
    CampaignFigures,
    CampaignLine,
    CreatorFigures,
    DayTotals,
    EffectFigures,
    Excluded,
    Publication,
    ReachFigures,
    VideoFigures,
    creators_of,
    top_videos,
)
from application.projections import Batch
from application.trust.protection import exclusion
from domain.business.campaigns import KpiTarget
from domain.money import Money
from domain.trust.moderation import ModerationState


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"dashboard_campaigns{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, index=True),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("budget", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("hashtag", sa.Text, nullable=False, index=True),
        sa.Column("kpis", sa.Text, nullable=False),  # [[kpi, target], ...] in JSON
        sa.Column("committed", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"dashboard_creators{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, primary_key=True),
    )
    sa.Table(
        f"dashboard_links{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
    )
    sa.Table(
        f"dashboard_invitations{suffix}",
        metadata,
        sa.Column("invitation_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Index(f"dashboard_invitations_campaign{suffix}", "campaign_id", "position"),
        sa.Index(f"dashboard_invitations_creator{suffix}", "creator", "position"),
    )
    sa.Table(
        f"dashboard_partnerships{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("invitation_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
    )
    sa.Table(
        f"dashboard_paid{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("minor", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"dashboard_effects{suffix}",
        metadata,
        sa.Column("effect_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Index(f"dashboard_effects_campaign{suffix}", "campaign_id", "position"),
    )
    sa.Table(
        f"dashboard_effect_videos{suffix}",
        metadata,
        sa.Column("effect_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False, index=True),
    )
    sa.Table(
        f"dashboard_videos{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False, index=True),
        sa.Column("published_on", sa.Date, nullable=False),
        # Protection's answer for the video, kept as its moderation and its creator's age
        # band arrive: an excluded video is a member of no campaign.
        sa.Column("excluded", sa.Boolean, nullable=False),
    )
    # What protection's rule needs, from the same events (``exclusion``): creators' accounts,
    # whether each is a minor's, and each moderated video's state.
    sa.Table(
        f"dashboard_accounts{suffix}",
        metadata,
        sa.Column("creator_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    sa.Table(
        f"dashboard_minors{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("minor", sa.Boolean, nullable=False),
    )
    sa.Table(
        f"dashboard_moderation{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
    )
    sa.Table(
        f"dashboard_hashtags{suffix}",
        metadata,
        sa.Column("hashtag", sa.Text, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("published_on", sa.Date, nullable=False),
        sa.Index(f"dashboard_hashtags_flight{suffix}", "hashtag", "published_on"),
        sa.Index(f"dashboard_hashtags_video{suffix}", "video_id"),
    )
    sa.Table(
        f"dashboard_video_days{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("engagements", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
    )
    # A campaign's videos that count (none that protection excludes) with their figures
    # summed over the whole flight, and its days summed over them: kept as events arrive so
    # that a read sums no day of any video and asks protection about none.
    members = sa.Table(
        f"dashboard_members{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("engagements", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Index(f"dashboard_members_video{suffix}", "video_id"),
    )
    # In the order of the top videos, so a read takes ten entries of it and sorts nothing.
    sa.Index(
        f"dashboard_members_top{suffix}",
        members.c.campaign_id,
        members.c.engagements.desc(),
        members.c.views.desc(),
        members.c.video_id,
    )
    # Holding what the creators' sums need, so they are summed from the index alone.
    sa.Index(
        f"dashboard_members_creators{suffix}",
        members.c.campaign_id,
        members.c.creator,
        members.c.views,
        members.c.engagements,
        members.c.clicks,
    )
    sa.Table(
        f"dashboard_campaign_days{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("engagements", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
    )
    # Who viewed which video on which day, and how many times: a campaign's reach over any
    # range is a COUNT(DISTINCT viewer) of its members' rows (exact), never held in memory.
    sa.Table(
        f"dashboard_viewer_days{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("viewer", sa.Text, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False),
    )
    # Orders placed through a video by (video, day, currency): how many still count (not
    # refunded in whole) and what they took, less what was refunded.
    sa.Table(
        f"dashboard_conversions{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("orders", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    # Each order placed through a video, for its refunds to find its conversion.
    sa.Table(
        f"dashboard_orders{suffix}",
        metadata,
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("refunded", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"dashboard_click_windows{suffix}",
        metadata,
        sa.Column("click_window", sa.BigInteger, primary_key=True),
        sa.Column("viewer", sa.Text, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
    )
    sa.Table(
        f"dashboard_click_newest{suffix}",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("click_window", sa.BigInteger, nullable=False),
    )


@attrs.frozen
class _Tables:
    campaigns: sa.Table
    creators: sa.Table
    links: sa.Table
    invitations: sa.Table
    partnerships: sa.Table
    paid: sa.Table
    effects: sa.Table
    effect_videos: sa.Table
    videos: sa.Table
    hashtags: sa.Table
    video_days: sa.Table
    click_windows: sa.Table
    click_newest: sa.Table
    members: sa.Table
    campaign_days: sa.Table
    viewer_days: sa.Table
    conversions: sa.Table
    orders: sa.Table
    accounts: sa.Table
    minors: sa.Table
    moderation: sa.Table


def _kpis(text: str) -> tuple[KpiTarget, ...]:
    return tuple(KpiTarget(kpi, target) for kpi, target in json.loads(text))


def _line(row: Any) -> CampaignLine:
    return CampaignLine(
        brand=row.brand,
        name=row.name,
        budget=Money(int(row.budget), row.currency),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        hashtag=row.hashtag,
        kpis=_kpis(row.kpis),
        ended_on=row.ended_on,
        committed=int(row.committed),
    )


class SqlDashboardTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._generations = ByGeneration(store, _define, "dashboard_", _Tables)

    def _tables(self, generation: int) -> _Tables:
        return self._generations[generation]

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._generations.of(batch)

    def create(self, generation: int) -> None:
        self._generations.create(generation)

    def drop(self, generation: int) -> None:
        self._generations.drop(generation)

    # The revenue log -----------------------------------------------------------------------

    def launch(self, batch: Batch, campaign_id: UUID, line: CampaignLine, position: int) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.campaigns.insert().values(
                campaign_id=campaign_id,
                position=position,
                brand=line.brand,
                name=line.name,
                budget=line.budget.minor,
                currency=line.budget.currency,
                starts_on=line.starts_on,
                ends_on=line.ends_on,
                ended_on=line.ended_on,
                hashtag=line.hashtag,
                kpis=json.dumps([[str(k.kpi), k.target] for k in line.kpis]),
                committed=line.committed,
            )
        )

    def join(self, batch: Batch, campaign_id: UUID, creator: str) -> None:
        connection, t = self._batch(batch)
        if _insert_absent(
            connection,
            t.creators,
            (t.creators.c.campaign_id == campaign_id, t.creators.c.creator == creator),
            campaign_id=campaign_id,
            creator=creator,
        ):
            # The hashtag videos the creator already made may count now.
            tags = t.hashtags
            made = sa.select(tags.c.video_id).where(
                tags.c.creator == creator,
                tags.c.hashtag
                == sa.select(t.campaigns.c.hashtag)
                .where(t.campaigns.c.campaign_id == campaign_id)
                .scalar_subquery(),
            )
            _admit(connection, t, campaign_id, list(connection.execute(made).scalars()))

    def end(self, batch: Batch, campaign_id: UUID, ended_on: date) -> None:
        connection, t = self._batch(batch)
        _one(
            connection.execute(
                t.campaigns.update()
                .where(t.campaigns.c.campaign_id == campaign_id)
                .values(ended_on=ended_on)
            ),
            "campaign",
            campaign_id,
        )
        # A flight cut short leaves out the days and the videos after its new last day.
        connection.execute(t.members.delete().where(t.members.c.campaign_id == campaign_id))
        connection.execute(
            t.campaign_days.delete().where(t.campaign_days.c.campaign_id == campaign_id)
        )
        _admit(connection, t, campaign_id, None)

    def link(self, batch: Batch, campaign_id: UUID, video_id: UUID) -> None:
        connection, t = self._batch(batch)
        if _insert_absent(
            connection,
            t.links,
            (t.links.c.campaign_id == campaign_id, t.links.c.video_id == video_id),
            campaign_id=campaign_id,
            video_id=video_id,
        ):
            _admit(connection, t, campaign_id, [video_id])

    def invite(
        self, batch: Batch, invitation_id: UUID, campaign_id: UUID, creator: str, position: int
    ) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.invitations.insert().values(
                invitation_id=invitation_id,
                campaign_id=campaign_id,
                creator=creator,
                position=position,
            )
        )

    def campaign_of_invitation(self, batch: Batch, invitation_id: UUID) -> UUID:
        connection, t = self._batch(batch)
        found: UUID = connection.execute(
            sa.select(t.invitations.c.campaign_id).where(
                t.invitations.c.invitation_id == invitation_id
            )
        ).scalar_one()
        return found

    def deliver(self, batch: Batch, invitation_id: UUID, video_id: UUID) -> None:
        connection, t = self._batch(batch)
        kept = t.partnerships
        _insert_absent(
            connection,
            kept,
            (kept.c.video_id == video_id, kept.c.invitation_id == invitation_id),
            video_id=video_id,
            invitation_id=invitation_id,
            campaign_id=self.campaign_of_invitation(batch, invitation_id),
        )

    def undeliver(self, batch: Batch, invitation_id: UUID, video_id: UUID) -> None:
        connection, t = self._batch(batch)
        kept = t.partnerships
        connection.execute(
            kept.delete().where(kept.c.video_id == video_id, kept.c.invitation_id == invitation_id)
        )

    def partnerships(
        self, generation: int, video_ids: Collection[UUID]
    ) -> dict[UUID, tuple[str, ...]]:
        t = self._tables(generation)
        kept, campaigns = t.partnerships, t.campaigns
        brands: dict[UUID, set[str]] = {}
        with self.store.reading() as connection:
            for chunk in chunks(list(video_ids)):
                for video_id, brand in connection.execute(
                    sa.select(kept.c.video_id, campaigns.c.brand)
                    .join(campaigns, campaigns.c.campaign_id == kept.c.campaign_id)
                    .where(kept.c.video_id.in_(chunk))
                ):
                    brands.setdefault(video_id, set()).add(brand)
        return {video_id: tuple(sorted(names)) for video_id, names in brands.items()}

    def commit_fee(self, batch: Batch, campaign_id: UUID, minor: int) -> None:
        connection, t = self._batch(batch)
        _one(
            connection.execute(
                t.campaigns.update()
                .where(t.campaigns.c.campaign_id == campaign_id)
                .values(committed=t.campaigns.c.committed + minor)
            ),
            "campaign",
            campaign_id,
        )

    def pay_fee(self, batch: Batch, campaign_id: UUID, day: date, minor: int) -> None:
        connection, t = self._batch(batch)
        paid = t.paid
        moved = connection.execute(
            paid.update()
            .where(paid.c.campaign_id == campaign_id, paid.c.day == day)
            .values(minor=paid.c.minor + minor)
        )
        if moved.rowcount == 0:
            connection.execute(paid.insert().values(campaign_id=campaign_id, day=day, minor=minor))

    def register_effect(
        self, batch: Batch, effect_id: UUID, campaign_id: UUID, name: str, position: int
    ) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.effects.insert().values(
                effect_id=effect_id, campaign_id=campaign_id, name=name, position=position
            )
        )

    def campaign_of_effect(self, batch: Batch, effect_id: UUID) -> UUID:
        connection, t = self._batch(batch)
        found: UUID = connection.execute(
            sa.select(t.effects.c.campaign_id).where(t.effects.c.effect_id == effect_id)
        ).scalar_one()
        return found

    def use_effect(self, batch: Batch, effect_id: UUID, campaign_id: UUID, video_id: UUID) -> None:
        connection, t = self._batch(batch)
        used = t.effect_videos
        if _insert_absent(
            connection,
            used,
            (used.c.effect_id == effect_id, used.c.video_id == video_id),
            effect_id=effect_id,
            video_id=video_id,
            campaign_id=campaign_id,
        ):
            _admit(connection, t, campaign_id, [video_id])

    # The catalogue log ---------------------------------------------------------------------

    def publish(self, batch: Batch, videos: Sequence[Publication]) -> None:
        connection, t = self._batch(batch)
        ids = [v.video_id for v in videos]
        states = _states(connection, t, ids)
        minors = _minors(connection, t, {v.creator for v in videos})
        connection.execute(
            t.videos.insert(),
            [
                {"video_id": v.video_id, "creator": v.creator, "published_on": v.published_on}
                | {"excluded": _excluded(states.get(v.video_id), v.creator in minors)}
                for v in videos
            ],
        )
        tagged = [
            {"hashtag": tag, "video_id": v.video_id}
            | {"creator": v.creator, "published_on": v.published_on}
            for v in videos
            for tag in v.hashtags
        ]
        if tagged:
            connection.execute(t.hashtags.insert(), tagged)
        # The campaigns they may count toward: by a hashtag, or naming them before they were
        # known.
        hashtags = sorted({tag for v in videos for tag in v.hashtags})
        campaigns: set[UUID] = set()
        for tags in chunks(hashtags):
            campaigns.update(
                connection.execute(
                    sa.select(t.campaigns.c.campaign_id).where(t.campaigns.c.hashtag.in_(tags))
                ).scalars()
            )
        campaigns.update(_naming(connection, t, ids))
        for campaign_id in sorted(campaigns, key=str):
            _admit(connection, t, campaign_id, ids)

    # Protection's facts (the catalogue log) ------------------------------------------------

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.accounts.insert().values(creator_id=creator_id, account=account))

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None:
        connection, t = self._batch(batch)
        account: str | None = connection.execute(
            sa.select(t.accounts.c.account).where(t.accounts.c.creator_id == creator_id)
        ).scalar()
        return account

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None:
        connection, t = self._batch(batch)
        moved = connection.execute(
            t.minors.update().where(t.minors.c.account == account).values(minor=minor)
        )
        if moved.rowcount == 0:
            connection.execute(t.minors.insert().values(account=account, minor=minor))
        mine = connection.execute(
            sa.select(t.videos.c.video_id).where(t.videos.c.creator == account)
        ).scalars()
        _reconsider(connection, t, list(mine))

    def moderation(self, batch: Batch, video_id: UUID) -> ModerationState:
        connection, t = self._batch(batch)
        return _states(connection, t, [video_id]).get(video_id, ModerationState.UNREVIEWED)

    def set_moderation(self, batch: Batch, video_id: UUID, state: ModerationState) -> None:
        connection, t = self._batch(batch)
        moderation = t.moderation
        moved = connection.execute(
            moderation.update().where(moderation.c.video_id == video_id).values(state=state.value)
        )
        if moved.rowcount == 0:
            connection.execute(moderation.insert().values(video_id=video_id, state=state.value))
        _reconsider(connection, t, [video_id])

    def known_videos(self, batch: Batch, video_ids: Collection[UUID]) -> set[UUID]:
        connection, t = self._batch(batch)
        known: set[UUID] = set()
        for chunk in chunks(list(video_ids)):
            known.update(
                connection.execute(
                    sa.select(t.videos.c.video_id).where(t.videos.c.video_id.in_(chunk))
                ).scalars()
            )
        return known

    def add_figures(self, batch: Batch, figures: Mapping[tuple[UUID, date], DayTotals]) -> None:
        connection, t = self._batch(batch)
        add_amounts(
            connection,
            t.video_days,
            ("video_id", "day"),
            _AMOUNTS,
            [_amounts(totals, video_id=v, day=d) for (v, d), totals in figures.items()],
        )
        _add_to_members(connection, t, figures)

    def add_viewers(self, batch: Batch, views: Mapping[tuple[UUID, date, str], int]) -> None:
        connection, t = self._batch(batch)
        add_amounts(
            connection,
            t.viewer_days,
            ("video_id", "day", "viewer"),
            ("views",),
            [
                {"video_id": video_id, "day": day, "viewer": viewer, "views": count}
                for (video_id, day, viewer), count in views.items()
            ],
        )

    def convert(
        self, batch: Batch, order_id: UUID, video_id: UUID, day: date, total: Money
    ) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.orders.insert().values(
                order_id=order_id,
                video_id=video_id,
                day=day,
                currency=total.currency,
                total=total.minor,
                refunded=0,
            )
        )
        self._add_conversion(connection, t, video_id, day, total.currency, 1, total.minor)

    def refund_order(self, batch: Batch, order_id: UUID, amount: Money) -> None:
        connection, t = self._batch(batch)
        orders = t.orders
        row = connection.execute(
            sa.select(orders.c.video_id, orders.c.day, orders.c.total, orders.c.refunded).where(
                orders.c.order_id == order_id
            )
        ).first()
        if row is None:
            return  # placed through no video: no conversion to take back
        refunded = int(row.refunded) + amount.minor
        whole = int(row.refunded) < int(row.total) <= refunded
        connection.execute(
            orders.update().where(orders.c.order_id == order_id).values(refunded=refunded)
        )
        self._add_conversion(
            connection, t, row.video_id, row.day, amount.currency, -int(whole), -amount.minor
        )

    @staticmethod
    def _add_conversion(
        connection: Connection,
        t: _Tables,
        video_id: UUID,
        day: date,
        currency: str,
        orders: int,
        amount: int,
    ) -> None:
        add_amounts(
            connection,
            t.conversions,
            ("video_id", "day", "currency"),
            ("orders", "amount"),
            [
                {
                    "video_id": video_id,
                    "day": day,
                    "currency": currency,
                    "orders": orders,
                    "amount": amount,
                }
            ],
        )

    def newest_click_window(self, batch: Batch) -> int:
        connection, t = self._batch(batch)
        newest = connection.execute(
            sa.select(t.click_newest.c.click_window).where(t.click_newest.c.id == 1)
        ).scalar()
        return 0 if newest is None else int(newest)

    def open_click_window(self, batch: Batch, window: int) -> None:
        connection, t = self._batch(batch)
        moved = connection.execute(
            t.click_newest.update().where(t.click_newest.c.id == 1).values(click_window=window)
        )
        if moved.rowcount == 0:
            connection.execute(t.click_newest.insert().values(id=1, click_window=window))
        connection.execute(
            t.click_windows.delete().where(t.click_windows.c.click_window < window - 1)
        )

    def first_click(self, batch: Batch, window: int, viewer: str, video_id: UUID) -> bool:
        connection, t = self._batch(batch)
        clicks = t.click_windows
        return _insert_absent(
            connection,
            clicks,
            (
                clicks.c.click_window == window,
                clicks.c.viewer == viewer,
                clicks.c.video_id == video_id,
            ),
            click_window=window,
            viewer=viewer,
            video_id=video_id,
        )

    def first_clicks(self, batch: Batch, clicks: Sequence[tuple[int, str, UUID]]) -> list[bool]:
        """What ``open_click_window`` and ``first_click`` would answer in turn, decided on the
        rows of the clicks' viewers and windows read at once, and written at the end."""
        if not clicks:
            return []
        connection, t = self._batch(batch)
        table = t.click_windows
        newest = before = self.newest_click_window(batch)
        windows = sorted({window for window, _viewer, _video in clicks})
        present: set[tuple[int, str, UUID]] = set()
        for viewers in chunks(sorted({viewer for _window, viewer, _video in clicks})):
            for chunk in chunks(windows):
                present.update(
                    (int(row[0]), row[1], row[2])
                    for row in connection.execute(
                        sa.select(table.c.click_window, table.c.viewer, table.c.video_id).where(
                            table.c.viewer.in_(viewers), table.c.click_window.in_(chunk)
                        )
                    )
                )
        added: set[tuple[int, str, UUID]] = set()
        forget_before: int | None = None
        answers = []
        for key in clicks:
            if key[0] > newest:
                newest = key[0]
                forget_before = newest - 1
                present = {kept for kept in present if kept[0] >= forget_before}
                added = {kept for kept in added if kept[0] >= forget_before}
            first = key not in present
            if first:
                present.add(key)
                added.add(key)
            answers.append(first)
        if newest != before:
            # The rows forgotten as open_click_window forgets them, those added since kept.
            self.open_click_window(batch, newest)
        if added:
            connection.execute(
                table.insert(),
                [
                    {"click_window": window, "viewer": viewer, "video_id": video_id}
                    for window, viewer, video_id in sorted(added, key=str)
                ],
            )
        return answers

    # Reads ---------------------------------------------------------------------------------

    def campaign(self, generation: int, campaign_id: UUID) -> CampaignLine | None:
        t = self._tables(generation)
        with self.store.reading() as connection:
            return _campaign(connection, t, campaign_id)

    def campaigns(self, generation: int) -> list[UUID]:
        t = self._tables(generation)
        with self.store.reading() as connection:
            return list(
                connection.execute(
                    sa.select(t.campaigns.c.campaign_id).order_by(t.campaigns.c.position)
                ).scalars()
            )

    def invitations(self, generation: int, campaign_id: UUID) -> list[UUID]:
        t = self._tables(generation)
        with self.store.reading() as connection:
            return list(
                connection.execute(
                    sa.select(t.invitations.c.invitation_id)
                    .where(t.invitations.c.campaign_id == campaign_id)
                    .order_by(t.invitations.c.position)
                ).scalars()
            )

    def campaign_invitations(
        self, generation: int, campaign_id: UUID, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        i = self._tables(generation).invitations.c
        query = sa.select(i.position, i.invitation_id).where(i.campaign_id == campaign_id)
        rows = rows_after(self.store, query, i.position, after=after, limit=limit)
        return [(int(position), invitation_id) for position, invitation_id in rows]

    def creator_invitations(
        self, generation: int, creator: str, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        i = self._tables(generation).invitations.c
        query = sa.select(i.position, i.invitation_id).where(i.creator == creator)
        rows = rows_after(self.store, query, i.position, after=after, limit=limit)
        return [(int(position), invitation_id) for position, invitation_id in rows]

    def figures(self, generation: int, campaign_id: UUID, as_of: date) -> CampaignFigures | None:
        t = self._tables(generation)
        with self.store.reading() as connection:
            line = _campaign(connection, t, campaign_id)
            if line is None:
                return None
            last = min(line.last_day(), as_of)
            days = t.campaign_days
            # Every day of the flight with figures (a few dozen rows).
            daily = {
                row[0]: DayTotals(int(row[1]), int(row[2]), int(row[3]))
                for row in connection.execute(
                    sa.select(days.c.day, days.c.views, days.c.engagements, days.c.clicks).where(
                        days.c.campaign_id == campaign_id
                    )
                ).all()
            }
            if daily and max(daily) > last:
                # Read for a day before the last with figures: the members' sums over the
                # flight say too much, so the days are summed (a rare read: of the past).
                return _figures_by_day(connection, t, campaign_id, line, last, None)
            return _figures_of_members(connection, t, campaign_id, line, daily)

    def figures_from_days(
        self, generation: int, campaign_id: UUID, as_of: date, excluded: Excluded
    ) -> CampaignFigures | None:
        """The figures as ``figures`` reads them, but summed from the videos' days whatever
        the day read for, leaving out those of the campaign's videos ``excluded`` answers
        (protection's own answer, asked at the read): what the sums and the exclusions kept
        as events arrive must always come to."""
        t = self._tables(generation)
        with self.store.reading() as connection:
            line = _campaign(connection, t, campaign_id)
            if line is None:
                return None
            last = min(line.last_day(), as_of)
            return _figures_by_day(connection, t, campaign_id, line, last, excluded)

    def reach(
        self, generation: int, campaign_id: UUID, first: date, last: date
    ) -> tuple[ReachFigures, dict[date, ReachFigures]] | None:
        t = self._tables(generation)
        with self.store.reading() as connection:
            if _campaign(connection, t, campaign_id) is None:
                return None
            members = t.members
            # The members are the videos that count: none protection excludes (kept so).
            videos = sa.select(members.c.video_id).where(members.c.campaign_id == campaign_id)
            seen, days, orders = t.viewer_days, t.video_days, t.conversions
            viewers = (sa.func.count(sa.distinct(seen.c.viewer)), sa.func.sum(seen.c.views))

            def within(table: sa.Table) -> tuple[Any, ...]:
                return (table.c.video_id.in_(videos), table.c.day >= first, table.c.day <= last)

            reach, views = connection.execute(sa.select(*viewers).where(*within(seen))).one()
            by_day: dict[date, list[int]] = {}
            for day, day_reach, day_views in connection.execute(
                sa.select(seen.c.day, *viewers).where(*within(seen)).group_by(seen.c.day)
            ):
                by_day.setdefault(day, [0, 0, 0, 0])[:2] = [int(day_reach), int(day_views)]
            for day, clicks in connection.execute(
                sa.select(days.c.day, sa.func.sum(days.c.clicks))
                .where(*within(days))
                .group_by(days.c.day)
            ):
                by_day.setdefault(day, [0, 0, 0, 0])[2] = int(clicks)
            sales: dict[date, dict[str, int]] = {}
            for day, currency, count, amount in connection.execute(
                sa.select(
                    orders.c.day,
                    orders.c.currency,
                    sa.func.sum(orders.c.orders),
                    sa.func.sum(orders.c.amount),
                )
                .where(*within(orders))
                .group_by(orders.c.day, orders.c.currency)
            ):
                by_day.setdefault(day, [0, 0, 0, 0])[3] += int(count)
                sales.setdefault(day, {})[currency] = int(amount)
        totals: dict[str, int] = {}
        for amounts in sales.values():
            for currency, amount in amounts.items():
                totals[currency] = totals.get(currency, 0) + amount
        total = ReachFigures(
            reach=int(reach),
            views=int(views or 0),
            clicks=sum(figures[2] for figures in by_day.values()),
            conversions=sum(figures[3] for figures in by_day.values()),
            sales=_sales(totals),
        )
        return total, {
            day: ReachFigures(
                reach=reach_,
                views=views_,
                clicks=clicks,
                conversions=conversions,
                sales=_sales(sales.get(day, {})),
            )
            for day, (reach_, views_, clicks, conversions) in by_day.items()
        }

    def video_days(self, generation: int, video_id: UUID) -> dict[date, DayTotals]:
        t = self._tables(generation)
        days = t.video_days
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(days.c.day, days.c.views, days.c.engagements, days.c.clicks)
                .where(days.c.video_id == video_id)
                .order_by(days.c.day)
            ).all()
        return {row[0]: DayTotals(int(row[1]), int(row[2]), int(row[3])) for row in rows}


def _sales(amounts: Mapping[str, int]) -> tuple[Money, ...]:
    """The amounts by currency as money, in the currencies' order (none left at zero)."""
    return tuple(Money(amount, currency) for currency, amount in sorted(amounts.items()) if amount)


def _campaign(connection: Connection, t: _Tables, campaign_id: UUID) -> CampaignLine | None:
    row = connection.execute(
        sa.select(t.campaigns).where(t.campaigns.c.campaign_id == campaign_id)
    ).first()
    return None if row is None else _line(row)


def _figures_of_members(
    connection: Connection,
    t: _Tables,
    campaign_id: UUID,
    line: CampaignLine,
    daily: dict[date, DayTotals],
) -> CampaignFigures:
    """The figures from the members' sums (no excluded video is a member) and the campaign's
    ``daily`` sums (none after the day read for): a few index reads, none a row a video."""
    members = t.members
    mine = members.c.campaign_id == campaign_id
    # By name as Python orders names (a database's collation may not).
    creators = tuple(
        sorted(
            (
                CreatorFigures(row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4]))
                for row in connection.execute(
                    sa.select(
                        members.c.creator,
                        sa.func.count(),
                        sa.func.sum(members.c.views),
                        sa.func.sum(members.c.engagements),
                        sa.func.sum(members.c.clicks),
                    )
                    .where(mine)
                    .group_by(members.c.creator)
                ).all()
            ),
            key=lambda figures: figures.creator,
        )
    )
    ranked = connection.execute(
        sa.select(
            members.c.video_id,
            members.c.creator,
            members.c.views,
            members.c.engagements,
            members.c.clicks,
        )
        .where(mine)
        .order_by(members.c.engagements.desc(), members.c.views.desc(), members.c.video_id)
        .limit(TOP)
    ).all()
    return CampaignFigures(
        line=line,
        videos=sum(c.videos for c in creators),
        views=sum(c.views for c in creators),
        engagements=sum(c.engagements for c in creators),
        clicks=sum(c.clicks for c in creators),
        top_videos=tuple(map(_video, ranked)),
        creators=creators,
        daily=_some(daily),
        paid_by_day=_paid(connection, t, campaign_id),
        effects=_effects(connection, t, campaign_id, line.starts_on, line.last_day()),
    )


def _some(daily: dict[date, DayTotals]) -> dict[date, DayTotals]:
    """The days that have figures: one whose only video was excluded has none."""
    nothing = DayTotals()
    return {day: totals for day, totals in daily.items() if totals != nothing}


def _video(row: Any) -> VideoFigures:
    return VideoFigures(row[0], row[1], int(row[2]), int(row[3]), int(row[4]))


def _figures_by_day(
    connection: Connection,
    t: _Tables,
    campaign_id: UUID,
    line: CampaignLine,
    last: date,
    excluded: Excluded | None,
) -> CampaignFigures:
    """The figures summed from the videos' days up to ``last``, less the videos ``excluded``
    answers (None: those the rows keep as excluded)."""
    first, last_day = line.starts_on, line.last_day()
    candidates = _candidates(t, campaign_id, line, last_day)
    days = t.video_days
    in_flight = sa.and_(days.c.video_id == t.videos.c.video_id, days.c.day.between(first, last))
    rows = connection.execute(
        sa.select(
            t.videos.c.video_id,
            t.videos.c.creator,
            sa.func.coalesce(sa.func.sum(days.c.views), 0),
            sa.func.coalesce(sa.func.sum(days.c.engagements), 0),
            sa.func.coalesce(sa.func.sum(days.c.clicks), 0),
        )
        .select_from(t.videos.outerjoin(days, in_flight))
        .where(t.videos.c.video_id.in_(candidates))
        .group_by(t.videos.c.video_id, t.videos.c.creator)
    ).all()
    if excluded is None:
        gone: Collection[UUID] = {
            video_id
            for chunk in chunks([row[0] for row in rows])
            for video_id in connection.execute(
                sa.select(t.videos.c.video_id).where(
                    t.videos.c.video_id.in_(chunk), t.videos.c.excluded == sa.true()
                )
            ).scalars()
        }
    else:
        gone = excluded([row[0] for row in rows])
    videos = [_video(row) for row in rows if row[0] not in gone]
    left_out = [row[0] for row in rows if row[0] in gone]
    by_day = sa.select(
        days.c.day,
        sa.func.sum(days.c.views),
        sa.func.sum(days.c.engagements),
        sa.func.sum(days.c.clicks),
    ).where(days.c.video_id.in_(candidates), days.c.day.between(first, last))
    if left_out:
        by_day = by_day.where(days.c.video_id.not_in(left_out))
    daily = {
        row[0]: DayTotals(int(row[1]), int(row[2]), int(row[3]))
        for row in connection.execute(by_day.group_by(days.c.day)).all()
    }
    return CampaignFigures(
        line=line,
        videos=len(videos),
        views=sum(v.views for v in videos),
        engagements=sum(v.engagements for v in videos),
        clicks=sum(v.clicks for v in videos),
        top_videos=top_videos(videos),
        creators=creators_of(videos),
        daily=_some(daily),
        paid_by_day=_paid(connection, t, campaign_id),
        effects=_effects(connection, t, campaign_id, first, last_day),
    )


def _paid(connection: Connection, t: _Tables, campaign_id: UUID) -> dict[date, int]:
    return {
        row[0]: int(row[1])
        for row in connection.execute(
            sa.select(t.paid.c.day, t.paid.c.minor).where(t.paid.c.campaign_id == campaign_id)
        ).all()
    }


def _candidates(
    t: _Tables,
    campaign_id: UUID,
    line: CampaignLine,
    last_day: date,
    among: Sequence[UUID] | None = None,
) -> Any:
    """The videos that count toward a campaign (of those ``among``, if given): those a
    participant linked, those published in the flight declaring one of its effects, and those
    a participant published in the flight with its hashtag."""
    flight = (line.starts_on, last_day)
    linked = sa.select(t.links.c.video_id).where(t.links.c.campaign_id == campaign_id)
    used = t.effect_videos
    with_effects = (
        sa.select(used.c.video_id)
        .join(t.videos, t.videos.c.video_id == used.c.video_id)
        .where(used.c.campaign_id == campaign_id, t.videos.c.published_on.between(*flight))
    )
    tags = t.hashtags
    creators = t.creators
    with_hashtag = (
        sa.select(tags.c.video_id)
        .join(
            creators,
            sa.and_(creators.c.campaign_id == campaign_id, creators.c.creator == tags.c.creator),
        )
        .where(tags.c.hashtag == line.hashtag, tags.c.published_on.between(*flight))
    )
    if among is not None:
        linked = linked.where(t.links.c.video_id.in_(among))
        with_effects = with_effects.where(used.c.video_id.in_(among))
        with_hashtag = with_hashtag.where(tags.c.video_id.in_(among))
    return sa.union(linked, with_effects, with_hashtag)


def _admit(
    connection: Connection, t: _Tables, campaign_id: UUID, video_ids: Collection[UUID] | None
) -> None:
    """Make members of the campaign those of ``video_ids`` (all videos when None) that count
    toward it, are not excluded and are not members yet, bringing their figures of the
    flight."""
    line = _campaign(connection, t, campaign_id)
    assert line is not None  # campaigns are never removed
    first, last = line.starts_on, line.last_day()
    members = t.members

    def newcomers(among: Sequence[UUID] | None) -> list[Any]:
        candidates = _candidates(t, campaign_id, line, last, among).subquery()
        return list(
            connection.execute(
                sa.select(t.videos.c.video_id, t.videos.c.creator).where(
                    t.videos.c.video_id.in_(sa.select(candidates.c.video_id)),
                    t.videos.c.excluded == sa.false(),
                    ~sa.exists().where(
                        members.c.campaign_id == campaign_id,
                        members.c.video_id == t.videos.c.video_id,
                    ),
                )
            ).all()
        )

    found = (
        newcomers(None)
        if video_ids is None
        else [row for chunk in chunks(list(video_ids)) for row in newcomers(chunk)]
    )
    days = t.video_days
    for chunk in chunks(found):
        creator_of = {row[0]: row[1] for row in chunk}
        in_flight = (days.c.video_id.in_(list(creator_of)), days.c.day.between(first, last))
        totals = {
            row[0]: (int(row[1]), int(row[2]), int(row[3]))
            for row in connection.execute(
                sa.select(
                    days.c.video_id,
                    sa.func.sum(days.c.views),
                    sa.func.sum(days.c.engagements),
                    sa.func.sum(days.c.clicks),
                )
                .where(*in_flight)
                .group_by(days.c.video_id)
            ).all()
        }
        connection.execute(
            members.insert(),
            [
                dict(
                    campaign_id=campaign_id,
                    video_id=video_id,
                    creator=creator,
                    **dict(zip(_AMOUNTS, totals.get(video_id, (0, 0, 0)), strict=True)),
                )
                for video_id, creator in creator_of.items()
            ],
        )
        add_amounts(
            connection,
            t.campaign_days,
            ("campaign_id", "day"),
            _AMOUNTS,
            [
                {"campaign_id": campaign_id, "day": row[0], "views": int(row[1])}
                | {"engagements": int(row[2]), "clicks": int(row[3])}
                for row in connection.execute(
                    sa.select(
                        days.c.day,
                        sa.func.sum(days.c.views),
                        sa.func.sum(days.c.engagements),
                        sa.func.sum(days.c.clicks),
                    )
                    .where(*in_flight)
                    .group_by(days.c.day)
                ).all()
            ],
        )


def _add_to_members(
    connection: Connection, t: _Tables, figures: Mapping[tuple[UUID, date], DayTotals]
) -> None:
    """Add videos' figures of days to the campaigns they count toward, on the flights' days."""
    by_video: dict[UUID, list[tuple[date, DayTotals]]] = {}
    for (video_id, day), totals in figures.items():
        by_video.setdefault(video_id, []).append((day, totals))
    members = t.members
    memberships = [
        (row[0], row[1])
        for chunk in chunks(list(by_video))
        for row in connection.execute(
            sa.select(members.c.campaign_id, members.c.video_id).where(
                members.c.video_id.in_(chunk)
            )
        ).all()
    ]
    if not memberships:
        return
    flights = {
        row.campaign_id: (row.starts_on, _line(row).last_day())
        for row in connection.execute(
            sa.select(t.campaigns).where(
                t.campaigns.c.campaign_id.in_({campaign_id for campaign_id, _ in memberships})
            )
        ).all()
    }
    per_member: dict[tuple[UUID, UUID], DayTotals] = {}
    per_day: dict[tuple[UUID, date], DayTotals] = {}
    for campaign_id, video_id in memberships:
        first, last = flights[campaign_id]
        for day, totals in by_video[video_id]:
            if first <= day <= last:
                key = (campaign_id, video_id)
                per_member[key] = per_member.get(key, DayTotals()) + totals
                on = (campaign_id, day)
                per_day[on] = per_day.get(on, DayTotals()) + totals
    if per_member:
        # A member's row is there: an update, with no creator to insert.
        update_rows(
            connection,
            members,
            ("campaign_id", "video_id"),
            _AMOUNTS,
            [_amounts(f, campaign_id=c, video_id=v) for (c, v), f in per_member.items()],
            add=True,
        )
    add_amounts(
        connection,
        t.campaign_days,
        ("campaign_id", "day"),
        _AMOUNTS,
        [_amounts(totals, campaign_id=c, day=d) for (c, d), totals in per_day.items()],
    )


_AMOUNTS = ("views", "engagements", "clicks")


def _excluded(state: ModerationState | None, minor: bool) -> bool:
    """Protection's rule (``exclusion``) for a video in ``state`` (None: never moderated)."""
    return exclusion(state or ModerationState.UNREVIEWED, minor=minor) is not None


def _states(
    connection: Connection, t: _Tables, video_ids: Sequence[UUID]
) -> dict[UUID, ModerationState]:
    """The moderation state of those of the videos that were moderated."""
    m = t.moderation.c
    return {
        row[0]: ModerationState(row[1])
        for chunk in chunks(video_ids)
        for row in connection.execute(
            sa.select(m.video_id, m.state).where(m.video_id.in_(chunk))
        ).all()
    }


def _minors(connection: Connection, t: _Tables, accounts: Collection[str]) -> set[str]:
    m = t.minors.c
    return {
        account
        for chunk in chunks(sorted(accounts))
        for account in connection.execute(
            sa.select(m.account).where(m.account.in_(chunk), m.minor == sa.true())
        ).scalars()
    }


def _naming(connection: Connection, t: _Tables, video_ids: Sequence[UUID]) -> set[UUID]:
    """The campaigns that name any of the videos: by a link or an effect's use."""
    found: set[UUID] = set()
    for chunk in chunks(video_ids):
        found.update(
            connection.execute(
                sa.union(
                    sa.select(t.links.c.campaign_id).where(t.links.c.video_id.in_(chunk)),
                    sa.select(t.effect_videos.c.campaign_id).where(
                        t.effect_videos.c.video_id.in_(chunk)
                    ),
                )
            ).scalars()
        )
    return found


def _reconsider(connection: Connection, t: _Tables, video_ids: Sequence[UUID]) -> None:
    """Bring the published videos' ``excluded`` to what protection's rule answers now: one
    newly excluded leaves every campaign (its days taken off the campaigns' days), one no
    longer excluded is admitted to those it counts toward."""
    v = t.videos.c
    rows = [
        row
        for chunk in chunks(video_ids)
        for row in connection.execute(
            sa.select(v.video_id, v.creator, v.excluded).where(v.video_id.in_(chunk))
        ).all()
    ]
    states = _states(connection, t, [row[0] for row in rows])
    minors = _minors(connection, t, {row[1] for row in rows})
    flipped: dict[bool, list[UUID]] = {True: [], False: []}
    for video_id, creator, was in rows:
        now = _excluded(states.get(video_id), creator in minors)
        if now != bool(was):
            flipped[now].append(video_id)
    for now, ids in flipped.items():
        for chunk in chunks(ids):
            connection.execute(t.videos.update().where(v.video_id.in_(chunk)).values(excluded=now))
    if flipped[True]:
        _leave(connection, t, flipped[True])
    joining = flipped[False]
    if joining:
        tags = t.hashtags.c
        campaigns = _naming(connection, t, joining)
        for chunk in chunks(joining):
            campaigns.update(
                connection.execute(
                    sa.select(t.campaigns.c.campaign_id).where(
                        t.campaigns.c.hashtag.in_(
                            sa.select(tags.hashtag).where(tags.video_id.in_(chunk))
                        )
                    )
                ).scalars()
            )
        for campaign_id in sorted(campaigns, key=str):
            _admit(connection, t, campaign_id, joining)


def _leave(connection: Connection, t: _Tables, video_ids: Sequence[UUID]) -> None:
    """The videos are members of no campaign any more: each campaign's days lose what they
    brought on the days of its flight."""
    members = t.members.c
    by_campaign: dict[UUID, list[UUID]] = {}
    for chunk in chunks(video_ids):
        for campaign_id, video_id in connection.execute(
            sa.select(members.campaign_id, members.video_id).where(members.video_id.in_(chunk))
        ).all():
            by_campaign.setdefault(campaign_id, []).append(video_id)
    days = t.video_days.c
    for campaign_id, leaving in sorted(by_campaign.items(), key=lambda item: str(item[0])):
        line = _campaign(connection, t, campaign_id)
        assert line is not None  # campaigns are never removed
        for chunk in chunks(leaving):
            add_amounts(
                connection,
                t.campaign_days,
                ("campaign_id", "day"),
                _AMOUNTS,
                [
                    {"campaign_id": campaign_id, "day": row[0], "views": -int(row[1])}
                    | {"engagements": -int(row[2]), "clicks": -int(row[3])}
                    for row in connection.execute(
                        sa.select(
                            days.day,
                            sa.func.sum(days.views),
                            sa.func.sum(days.engagements),
                            sa.func.sum(days.clicks),
                        )
                        .where(
                            days.video_id.in_(chunk),
                            days.day.between(line.starts_on, line.last_day()),
                        )
                        .group_by(days.day)
                    ).all()
                ],
            )
            connection.execute(
                t.members.delete().where(
                    members.campaign_id == campaign_id, members.video_id.in_(chunk)
                )
            )


def _amounts(totals: DayTotals, **key: Any) -> dict[str, Any]:
    return key | {"views": totals.views, "engagements": totals.engagements, "clicks": totals.clicks}


def _effects(
    connection: Connection, t: _Tables, campaign_id: UUID, first: date, last_day: date
) -> tuple[EffectFigures, ...]:
    used, effects = t.effect_videos, t.effects
    in_flight = (
        sa.select(used.c.effect_id, sa.func.count().label("videos"))
        .join(t.videos, t.videos.c.video_id == used.c.video_id)
        .where(
            used.c.campaign_id == campaign_id,
            t.videos.c.published_on.between(first, last_day),
        )
        .group_by(used.c.effect_id)
        .subquery()
    )
    return tuple(
        EffectFigures(row[0], row[1], int(row[2]))
        for row in connection.execute(
            sa.select(effects.c.effect_id, effects.c.name, sa.func.coalesce(in_flight.c.videos, 0))
            .outerjoin(in_flight, in_flight.c.effect_id == effects.c.effect_id)
            .where(effects.c.campaign_id == campaign_id)
            .order_by(effects.c.position)
        ).all()
    )


def _insert_absent(
    connection: Connection, table: sa.Table, key: Sequence[Any], **values: Any
) -> bool:
    """Insert the row unless one with its key exists; True if it was inserted."""
    if connection.execute(sa.select(sa.literal(1)).select_from(table).where(*key)).first():
        return False
    connection.execute(table.insert().values(**values))
    return True


def _one(result: Any, what: str, key: UUID) -> None:
    if result.rowcount != 1:
        raise LookupError(f"no {what} {key} in the dashboards' rows")
