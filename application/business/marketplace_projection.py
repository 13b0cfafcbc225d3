"""The creator marketplace's rows: what each creator is, makes and earns, kept in the
projection store (``MarketplaceTables``, a port) from the catalogue's log.

Per creator: the account, the home region, the latest follower count, whether the creator is
a minor (their age bands, applied in the log's order: ``application.trust.protection``'s rule,
so a worker that runs this projection alone never offers a minor), how many videos they
published in each category, and the views and engagements those videos earned. Beside them
the two signals that depend on nothing a search asks (``engagement`` and ``audience``, in
ten-thousandths) and the engagement rate in basis points, so a search filters and orders by
indexed columns and nothing is re-sorted in the service. Each video's creator is kept too:
engagement names videos, not creators. The creators' words (their videos' captions and
hashtags) are a text index in the same generation (``application.text_index.TextIndex``, a
document per creator that grows with each video), written in the same batch.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.projections import Batch
from application.read_models import LogPositions
from application.text_index import TextIndex
from application.trust.protection import exclusion
from domain.anchors.audience import EngagementBatch
from domain.anchors.videos import Video
from domain.business.invitations import Invitation
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand, ModerationState

NAME = "creator marketplace"

#: Signals are kept and combined in ten-thousandths, in integers: the database orders by the
#: very numbers the service explains.
ONE = 10_000
#: Each signal's weight in hundredths (text 0.35 ... audience 0.10).
WEIGHTS = {"text": 35, "category": 25, "region": 15, "engagement": 15, "audience": 10}
#: Engagement per view at which the engagement signal is one half (5 %).
ENGAGEMENT_MIDPOINT = (1, 20)


def halved_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest integer, halves up (both positive)."""
    return (2 * numerator + denominator) // (2 * denominator)


def engagement_signal(views: int, engagements: int) -> int:
    """``rate / (rate + 5 %)`` in ten-thousandths, where rate is engagements per view (0 for
    no views): an audience that answers is worth more than one that only watches."""
    if views <= 0:
        return 0
    top, bottom = ENGAGEMENT_MIDPOINT
    # rate / (rate + t/b) = b·e / (b·e + t·v)
    return halved_up(ONE * bottom * engagements, bottom * engagements + top * views)


def audience_signal(followers: int) -> int:
    """Followers on a log scale, a million being one, in ten-thousandths."""
    return round(round(min(1.0, math.log10(max(followers, 0) + 1) / 6), 4) * ONE)


def rate_bp(views: int, engagements: int) -> int:
    """Engagements per 10,000 views, rounded down (0 for no views)."""
    return engagements * ONE // views if views > 0 else 0


def category_signal(inside: int, videos: int) -> int:
    """The share of a creator's videos in the categories wanted, in ten-thousandths."""
    return halved_up(ONE * inside, videos) if videos > 0 else 0


def combined(scores: Mapping[str, int]) -> int:
    """The weighted mean of the signals that count, in ten-thousandths."""
    weight = sum(WEIGHTS[name] for name in scores)
    return halved_up(sum(WEIGHTS[name] * score for name, score in scores.items()), weight)


@attrs.frozen
class CreatorFacts:
    """A creator as a search reads it (``inside``: their videos in the categories wanted)."""

    account: str
    region: str
    followers: int
    videos: int
    views: int
    engagements: int
    minor: bool
    inside: int = 0

    @property
    def engagement_rate(self) -> float:
        return self.engagements / self.views if self.views else 0.0


@attrs.frozen
class NewVideo:
    video_id: UUID
    creator: str
    category: str


@attrs.frozen
class CreatorChange:
    """What a run of a creator's events set on their row (None: left as it is)."""

    creator_id: UUID | None = None
    region: str | None = None
    followers: int | None = None
    audience_signal: int | None = None
    minor: bool | None = None

    def fields(self) -> dict[str, object]:
        return {name: value for name, value in attrs.asdict(self).items() if value is not None}


@attrs.frozen
class Totals:
    """A creator's engagement with what is derived from it."""

    views: int
    engagements: int

    @property
    def signal(self) -> int:
        return engagement_signal(self.views, self.engagements)

    @property
    def rate_bp(self) -> int:
        return rate_bp(self.views, self.engagements)

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.views + other.views, self.engagements + other.engagements)


@attrs.frozen
class CreatorSearch:
    """What a search asks of the rows: who may be a candidate, the hard filters, and what
    the signals that count are fitted to.

    Candidates: those the text found when free text was asked (``text_only``); else those
    with videos in ``categories``; else, for a campaign, those the text found or with videos
    in its ``campaign_categories``; else everyone."""

    text: Mapping[str, int] | None = None  # account -> text signal; None: text not counted
    text_only: bool = False
    categories: tuple[str, ...] = ()
    campaign_categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    followers_min: int | None = None
    followers_max: int | None = None
    rate_min_bp: int | None = None
    wanted_categories: tuple[str, ...] = ()  # the category signal counts when given
    wanted_regions: tuple[str, ...] = ()  # the region signal counts when given


class MarketplaceTables(Protocol):
    """The marketplace's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def accounts_of(self, batch: Batch, creator_ids: Collection[UUID]) -> dict[UUID, str]:
        """The accounts of those of ``creator_ids`` that registered."""
        ...

    def change_creators(self, batch: Batch, changes: Mapping[str, CreatorChange]) -> None:
        """Set what each change names on its creator's row (a creator not known yet gets a
        row; one who published before registering keeps their videos)."""
        ...

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None:
        """New videos, counted to their creators and categories (a creator not registered
        yet gets a row with no region)."""
        ...

    def creators_of(self, batch: Batch, video_ids: Collection[UUID]) -> dict[UUID, str]:
        """The creators of those of ``video_ids`` that were published."""
        ...

    def totals(self, batch: Batch, accounts: Collection[str]) -> dict[str, Totals]: ...

    def set_totals(self, batch: Batch, totals: Mapping[str, Totals]) -> None:
        """Each creator's engagement now, with its signal and rate."""
        ...

    def invite(self, batch: Batch, invitations: Sequence[tuple[UUID, str]]) -> None:
        """Invitations sent: (campaign, creator), one a pair."""
        ...

    # Reads ---------------------------------------------------------------------------------

    def invited(self, generation: int, campaign_id: UUID, accounts: Collection[str]) -> set[str]:
        """Those of ``accounts`` the campaign invited."""
        ...

    def invitations(self, generation: int) -> list[tuple[UUID, str]]:
        """Every (campaign, creator) invited."""
        ...

    def search(
        self,
        generation: int,
        search: CreatorSearch,
        *,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[CreatorFacts]:
        """The candidates who pass the filters and are not minors, best fit first (the
        weighted mean of the signals that count, then the account in code-point order),
        after the (score, account) ``after`` (none: from the first)."""
        ...

    def facts(self, generation: int) -> Iterable[tuple[CreatorFacts, dict[str, int]]]:
        """Every creator with their videos per category, in one snapshot."""
        ...


def _minor(band: AgeBand) -> bool:
    # The protection rule on a creator: an unrestricted video of theirs is kept out only
    # for being a minor's, so whatever ``exclusion`` gives for one keeps the creator out.
    return exclusion(ModerationState.UNREVIEWED, minor=band.is_minor) is not None


_RUNS = {
    Video.Published.TOPIC: "published",
    EngagementBatch.Recorded.TOPIC: "engagement",
    Creator.Registered.TOPIC: "creators",
    Creator.FollowersCounted.TOPIC: "creators",
    Creator.AgeBandRecorded.TOPIC: "creators",
    Creator.AgeBandVerified.TOPIC: "creators",
    Invitation.Sent.TOPIC: "invitations",
}


class MarketplaceProjection:
    """Which rows each event changes: the catalogue's, and the revenue log's invitations
    (whom each campaign invited, which a campaign's search shows)."""

    name = NAME
    version = 1

    def __init__(self, tables: MarketplaceTables, text: TextIndex[str]) -> None:
        self.tables = tables
        self.text = text
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
            Creator.Registered.TOPIC: self._creator,
            Creator.FollowersCounted.TOPIC: self._creator,
            Creator.AgeBandRecorded.TOPIC: self._creator,
            Creator.AgeBandVerified.TOPIC: self._creator,
            Video.Published.TOPIC: self._published,
            EngagementBatch.Recorded.TOPIC: self._engagement,
        }
        self.follows: Mapping[str, Sequence[str]] = {
            "catalogue": tuple(self._handlers),
            "revenue": (Invitation.Sent.TOPIC,),
        }
        self._handlers[Invitation.Sent.TOPIC] = self._invitation

    def create(self, generation: int) -> None:
        self.tables.create(generation)
        self.text.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)
        self.text.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """A run of publications is written at once, and so is a run of engagement (only a
        publication makes a video's engagement count) and a run of creators' registrations,
        follower counts and age bands (each creator's row once, as the run leaves it). The
        words of the page's publications go to the text index once, at the page's end
        (nothing in the page reads them)."""
        said: dict[str, Counter[str]] = defaultdict(Counter)
        for kind, group in groupby(events, key=lambda item: _RUNS.get(type(item[0]).TOPIC)):
            run = [event for event, _position in group]
            if kind == "published":
                self._publish(batch, run, said)
            elif kind == "engagement":
                self._add_engagement(batch, run)
            elif kind == "invitations":
                self._invitations(batch, run)
            else:
                self._creators(batch, run)
        if said:
            self.text.add(batch, said)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every creator's recorded facts and the
        text index's documents and vocabulary."""
        view: dict[str, object] = {
            f"creator:{facts.account}": (
                facts.region,
                facts.followers,
                facts.videos,
                tuple(sorted(categories.items())),
                facts.views,
                facts.engagements,
                facts.minor,
            )
            for facts, categories in self.tables.facts(generation)
        }
        for campaign_id, creator in self.tables.invitations(generation):
            view[f"invitation:{campaign_id}:{creator}"] = True
        view.update(self.text.export(generation))
        return view

    # Handlers ------------------------------------------------------------------------------

    def _invitation(self, batch: Batch, event: Any, _position: int) -> None:
        self._invitations(batch, [event])

    def _invitations(self, batch: Batch, events: Sequence[Any]) -> None:
        self.tables.invite(batch, [(event.campaign_id, event.creator) for event in events])

    def _creator(self, batch: Batch, event: Any, _position: int) -> None:
        self._creators(batch, [event])

    def _creators(self, batch: Batch, events: Sequence[Any]) -> None:
        accounts = self.tables.accounts_of(
            batch, {e.originator_id for e in events if not isinstance(e, Creator.Registered)}
        )
        changes: dict[str, CreatorChange] = {}

        def change(account: str, **values: Any) -> None:
            changes[account] = attrs.evolve(changes.get(account, CreatorChange()), **values)

        for event in events:
            if isinstance(event, Creator.Registered):
                accounts[event.originator_id] = event.account
                change(event.account, creator_id=event.originator_id, region=event.region)
                continue
            account = accounts.get(event.originator_id)
            if isinstance(event, Creator.FollowersCounted):
                if account is None:
                    raise LookupError(
                        f"followers counted for an unregistered creator {event.originator_id}"
                    )
                change(
                    account,
                    followers=event.followers,
                    audience_signal=audience_signal(event.followers),
                )
            elif account is not None:  # an age band
                change(account, minor=_minor(AgeBand(event.band)))
        self.tables.change_creators(batch, changes)

    def _published(self, batch: Batch, event: Any, _position: int) -> None:
        said: dict[str, Counter[str]] = defaultdict(Counter)
        self._publish(batch, [event], said)
        self.text.add(batch, said)

    def _publish(self, batch: Batch, events: Sequence[Any], said: dict[str, Counter[str]]) -> None:
        """Write the videos; add their words to ``said`` (creator -> words), for the text
        index."""
        self.tables.publish(
            batch,
            [NewVideo(event.originator_id, event.creator_id, event.category) for event in events],
        )
        for event in events:
            text = " ".join((event.caption, *event.hashtags))
            said[event.creator_id].update(self.text.words(text))

    def _engagement(self, batch: Batch, event: Any, _position: int) -> None:
        self._add_engagement(batch, [event])

    def _add_engagement(self, batch: Batch, events: Sequence[Any]) -> None:
        counts = [count for event in events for count in event.counts]
        creators = self.tables.creators_of(batch, {count.video_id for count in counts})
        added: dict[str, Totals] = defaultdict(lambda: Totals(0, 0))
        for count in counts:
            creator = creators.get(count.video_id)
            if creator is None:
                continue  # not (yet) published: its engagement counts for no one
            more = count.added
            added[creator] += Totals(more.views, more.likes + more.shares + more.comments)
        if not added:
            return
        totals = self.tables.totals(batch, added.keys())
        self.tables.set_totals(
            batch, {account: totals[account] + more for account, more in added.items()}
        )
