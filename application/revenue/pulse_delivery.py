"""Pulse delivery: what each campaign delivered, per day (UTC) and video, from the revenue log.

Fed by ``PulseCampaign.Launched`` (a campaign's brand, category and currency) and
``ImpressionBatch.Recorded`` (each placement's impressions, billed impressions, clicks and
amount, added to the row of its campaign, the batch's day and its video). A report sums the
rows of a range of days per video and per category, in whole minor units: spend is never a
float, and a click-through rate is a ratio of two counts, given in basis points rounded down.

The rows live in the projection store (``DeliveryTables``, a port), one set per generation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.csv_lines import csv_line
from application.projections import Batch
from application.read_models import LogPositions
from domain.money import Money
from domain.revenue.pulse import ImpressionBatch, PulseCampaign

NAME = "Pulse delivery"


@attrs.frozen
class DeliveryLine:
    """A placement's figures, added to its campaign's row of a day and video."""

    campaign_id: UUID
    day: date
    video_id: UUID
    creator: str
    impressions: int
    billed_impressions: int
    clicks: int
    spend: int  # minor units of the campaign's currency


@attrs.frozen
class CampaignFacts:
    campaign_id: UUID
    brand: str
    category: str
    currency: str


@attrs.frozen
class VideoTotals:
    """A video's figures summed over a range of days (its category: the campaign's)."""

    video_id: UUID
    creator: str
    impressions: int
    billed_impressions: int
    clicks: int
    spend: int


class DeliveryTables(Protocol):
    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def launch(self, batch: Batch, facts: CampaignFacts) -> None: ...

    def add(self, batch: Batch, lines: Sequence[DeliveryLine]) -> None:
        """Add each line's figures to its row (made when missing)."""
        ...

    def campaign(self, generation: int, campaign_id: UUID) -> CampaignFacts | None: ...

    def by_video(
        self, generation: int, campaign_id: UUID, since: date | None, until: date | None
    ) -> list[VideoTotals]:
        """The campaign's videos with their figures summed over the days from ``since`` to
        ``until`` (both included; None: unbounded), most impressions first, then by id."""
        ...

    def rows(self, generation: int) -> Iterable[DeliveryLine]:
        """Every row, in one snapshot (for the audit's replay)."""
        ...


def click_through(clicks: int, impressions: int) -> int:
    """Clicks per 10,000 impressions (basis points), rounded down; 0 with no impression."""
    return clicks * 10_000 // impressions if impressions else 0


@attrs.frozen
class ReportLine:
    """One row of a delivery report: a video (``video_id`` set) or a category (None)."""

    category: str
    video_id: UUID | None
    creator: str
    impressions: int
    billed_impressions: int
    clicks: int
    spend: Money

    @property
    def click_through_bp(self) -> int:
        return click_through(self.clicks, self.impressions)


@attrs.frozen
class DeliveryReport:
    campaign_id: UUID
    brand: str
    since: date | None
    until: date | None
    by_video: tuple[ReportLine, ...]
    by_category: tuple[ReportLine, ...]
    total: ReportLine

    def csv_rows(self) -> list[list[str]]:
        """The report as rows of text: a header, each video, each category, the total."""
        rows = [
            [
                "level",
                "category",
                "video_id",
                "creator",
                "impressions",
                "billed_impressions",
                "clicks",
                "click_through_bp",
                "spend_minor",
                "currency",
            ]
        ]
        for level, lines in (
            ("video", self.by_video),
            ("category", self.by_category),
            ("total", (self.total,)),
        ):
            rows += [
                [
                    level,
                    line.category,
                    "" if line.video_id is None else str(line.video_id),
                    line.creator,
                    str(line.impressions),
                    str(line.billed_impressions),
                    str(line.clicks),
                    str(line.click_through_bp),
                    str(line.spend.minor),
                    line.spend.currency,
                ]
                for line in lines
            ]
        return rows


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (RFC 4180, CRLF). Every cell is a number, a category, an account or
    an id: none starts as a spreadsheet formula would."""
    return "".join(csv_line(row) for row in rows)


def report_of(
    facts: CampaignFacts, videos: Sequence[VideoTotals], since: date | None, until: date | None
) -> DeliveryReport:
    def line(category: str, video: VideoTotals | None, of: Sequence[VideoTotals]) -> ReportLine:
        return ReportLine(
            category=category,
            video_id=None if video is None else video.video_id,
            creator="" if video is None else video.creator,
            impressions=sum(v.impressions for v in of),
            billed_impressions=sum(v.billed_impressions for v in of),
            clicks=sum(v.clicks for v in of),
            spend=Money(sum(v.spend for v in of), facts.currency),
        )

    category = facts.category
    return DeliveryReport(
        campaign_id=facts.campaign_id,
        brand=facts.brand,
        since=since,
        until=until,
        by_video=tuple(line(category, v, [v]) for v in videos),
        by_category=(line(category, None, videos),) if videos else (),
        total=line("", None, videos),
    )


class DeliveryProjection:
    name = NAME
    version = 1

    def __init__(self, tables: DeliveryTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any], None]] = {
            PulseCampaign.Launched.TOPIC: self._launched,
            ImpressionBatch.Recorded.TOPIC: self._recorded,
        }
        self.follows: Mapping[str, Sequence[str]] = {"revenue": tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event)

    def _launched(self, batch: Batch, event: Any) -> None:
        self.tables.launch(
            batch,
            CampaignFacts(
                campaign_id=event.originator_id,
                brand=event.brand,
                category=event.category,
                currency=event.cpm.currency,
            ),
        )

    def _recorded(self, batch: Batch, event: Any) -> None:
        day = event.reported_at.date()
        self.tables.add(
            batch,
            [
                DeliveryLine(
                    campaign_id=event.campaign_id,
                    day=day,
                    video_id=p.video_id,
                    creator=p.creator,
                    impressions=p.impressions,
                    billed_impressions=p.billed_impressions,
                    clicks=p.clicks,
                    spend=p.amount,
                )
                for p in event.placements
            ],
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return {
            f"{row.campaign_id}/{row.day.isoformat()}/{row.video_id}": row
            for row in self.tables.rows(generation)
        }
