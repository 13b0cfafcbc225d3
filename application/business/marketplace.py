"""The creator marketplace: brands find creators and content that fit a campaign.

A projection of the catalogue's log (creators, their followers, their videos' categories,
captions and hashtags, and the engagement those videos earned) answers searches by
category, region, follower range, engagement rate and free text. Results are ranked by fit,
and each says why: every signal that counted, its value and its share of the score.

Signals (each 0..1), counted only when the search gives them something to fit:

- ``text``: the creator's captions and hashtags against the words asked for (and, for a
  campaign, its name and hashtag), BM25 relative to the best match found;
- ``category``: the share of the creator's videos in the categories wanted;
- ``region``: whether the creator's home region is one wanted;
- ``engagement``: engagements per view, saturating (``rate / (rate + 5 %)``): a creator
  whose audience answers is worth more than one whose audience only watches;
- ``audience``: followers on a log scale (a million is 1).

The score is the weighted mean of the signals counted (weights below). Filters are hard:
a creator outside the category, region, follower range or minimum engagement rate asked for
is never shown.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, require_role
from application.errors import NotPermitted
from application.log_follower import LogFollower
from application.read_models import Followed, ReadModel, unpositioned
from application.trust.protection import Protection, ProtectionModel
from domain.anchors.audience import EngagementBatch
from domain.anchors.videos import Video
from domain.business.campaigns import Campaign
from domain.business.invitations import Invitation
from domain.categories import checked_category
from domain.regions import known_region
from domain.revenue.creators import Creator

WEIGHTS = {"text": 0.35, "category": 0.25, "region": 0.15, "engagement": 0.15, "audience": 0.10}
ENGAGEMENT_MIDPOINT = 0.05
TEXT_CANDIDATES = 2_000
MAX_PAGE = 100


class CreatorTextSearch(Protocol):
    """Free text over creators' videos; the adapter folds and indexes the words."""

    def add_text(self, creator: str, text: str) -> None:
        """More words of this creator's (a video's caption and hashtags)."""
        ...

    def search(self, query: str, *, limit: int) -> list[tuple[str, float, tuple[str, ...]]]:
        """(creator, score, the words matched), best first, found through an index."""
        ...


@attrs.define
class _CreatorLine:
    region: str
    followers: int = 0
    videos: int = 0
    categories: Counter[str] = attrs.Factory(Counter)
    views: int = 0
    engagements: int = 0

    @property
    def engagement_rate(self) -> float:
        return self.engagements / self.views if self.views else 0.0


@attrs.frozen
class Signal:
    name: str
    score: float  # 0..1
    weight: float
    detail: str  # what matched, in words


@attrs.frozen
class CreatorMatch:
    creator: str
    region: str
    followers: int
    videos: int
    engagement_rate_bp: int  # engagements per 10,000 views
    score: float
    signals: tuple[Signal, ...]
    invited: bool  # already invited to the campaign searched for


@attrs.frozen
class CreatorQuery:
    text: str = ""
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    followers_min: int | None = None
    followers_max: int | None = None
    engagement_rate_min_bp: int | None = None
    campaign_id: UUID | None = None


class MarketplaceProjection:
    def __init__(self, text: CreatorTextSearch, protection: ProtectionModel) -> None:
        self.text = text
        self.creators: dict[str, _CreatorLine] = {}
        self.by_category: dict[str, set[str]] = defaultdict(set)
        self._creator_of: dict[UUID, str] = {}
        self._accounts: dict[UUID, str] = {}
        # Minors are never offered to brands: the shared protection, caught up before this.
        self.protection = protection

    @property
    def handlers(self) -> dict[str, Any]:
        return {
            Creator.Registered.TOPIC: self._registered,
            Creator.FollowersCounted.TOPIC: self._followers,
            Video.Published.TOPIC: self._published,
            EngagementBatch.Recorded.TOPIC: self._engagement,
        }

    def _registered(self, event: Any, _position: int) -> None:
        self._accounts[event.originator_id] = event.account
        self.creators[event.account] = _CreatorLine(region=event.region)

    def _followers(self, event: Any, _position: int) -> None:
        self.creators[self._accounts[event.originator_id]].followers = event.followers

    def _published(self, event: Any, _position: int) -> None:
        creator = event.creator_id
        self._creator_of[event.originator_id] = creator
        line = self.creators.get(creator)
        if line is None:  # published before registering as a creator: searchable once known
            line = self.creators[creator] = _CreatorLine(region="")
        line.videos += 1
        line.categories[event.category] += 1
        self.by_category[event.category].add(creator)
        self.text.add_text(creator, " ".join((event.caption, *event.hashtags)))

    def _engagement(self, event: Any, _position: int) -> None:
        for count in event.counts:
            creator = self._creator_of.get(count.video_id)
            if creator is None:
                continue
            line = self.creators[creator]
            line.views += count.added.views
            line.engagements += count.added.likes + count.added.shares + count.added.comments


class Marketplace:
    def __init__(
        self, catalogue: Any, revenue: Any, *, text: CreatorTextSearch, protection: Protection
    ) -> None:
        self.revenue = revenue
        self._protection = protection
        self.model = MarketplaceProjection(text, protection.model)
        self._follower = LogFollower(catalogue, self.model.handlers)
        self._lock = threading.RLock()

    def catch_up(self) -> MarketplaceProjection:
        with self._lock:
            self._protection.catch_up()
            self._follower.catch_up()
        return self.model

    def read_models(self) -> tuple[ReadModel, ...]:
        return (Followed("creator marketplace", self.catch_up, unpositioned(self.export)),)

    def find_creators(
        self, actor: Principal, query: CreatorQuery, *, cursor: int = 0, limit: int = 20
    ) -> tuple[list[CreatorMatch], int | None]:
        """Creators who pass the filters, best fit first; ``cursor`` counts those seen."""
        require_role(actor, Role.BRAND, Role.ADMIN, doing="search the creator marketplace")
        limit = max(1, min(limit, MAX_PAGE))
        categories = tuple(checked_category(c) for c in query.categories)
        regions = tuple(known_region(r) for r in query.regions)
        wanted_categories, wanted_regions, words = set(categories), set(regions), query.text
        campaign: Campaign | None = None
        if query.campaign_id is not None:
            campaign = self.revenue.load(Campaign, query.campaign_id)
            if actor.role is Role.BRAND and not owns(actor, Role.BRAND, campaign.brand):
                raise NotPermitted("a brand matches creators to its own campaigns")
            wanted_categories |= set(campaign.categories)
            wanted_regions |= set(campaign.regions)
            words = " ".join(filter(None, (query.text, campaign.name, campaign.hashtag)))
        with self._lock:
            model = self.catch_up()
            text_scores: dict[str, tuple[float, tuple[str, ...]]] = {}
            if words.strip():
                hits = model.text.search(words, limit=TEXT_CANDIDATES)
                best = hits[0][1] if hits else 1.0
                text_scores = {c: (score / best, matched) for c, score, matched in hits}
            candidates = self._candidates(
                model, query, categories, text_scores, wanted_categories if campaign else set()
            )
            minors = model.protection.minors_among(candidates)
            # Scores first (cheap numbers for every candidate), explanations for the page only.
            scored = [
                (
                    -self._score(
                        self._signal_scores(
                            line,
                            text_scores,
                            wanted_categories,
                            wanted_regions,
                            bool(words),
                            account,
                        )
                    ),
                    account,
                )
                for account in candidates
                if account not in minors
                and self._passes(line := model.creators[account], query, categories, regions)
            ]
            ranked = heapq.nsmallest(cursor + limit, scored)
            page = [
                self._match(
                    account,
                    model.creators[account],
                    text_scores,
                    wanted_categories,
                    wanted_regions,
                    bool(words),
                )
                for _score, account in ranked[cursor:]
            ]
        if campaign is not None:
            page = [attrs.evolve(m, invited=self._invited(campaign.id, m.creator)) for m in page]
        following = cursor + len(page)
        return page, following if following < len(scored) else None

    # Ranking ----------------------------------------------------------------------------

    @staticmethod
    def _candidates(
        model: MarketplaceProjection,
        query: CreatorQuery,
        categories: Sequence[str],
        text_scores: dict[str, tuple[float, tuple[str, ...]]],
        campaign_categories: set[str],
    ) -> list[str]:
        if query.text.strip():
            return list(text_scores)  # free text asked for: only creators who said it
        if categories:
            found: set[str] = set()
            for category in categories:
                found |= model.by_category.get(category, set())
            return sorted(found)
        if campaign_categories:
            # Fit to a campaign: those who make its kind of videos, or talk its language.
            fitting = set(text_scores)
            for category in campaign_categories:
                fitting |= model.by_category.get(category, set())
            return sorted(fitting)
        return sorted(model.creators)

    @staticmethod
    def _signal_scores(
        line: _CreatorLine,
        text_scores: dict[str, tuple[float, tuple[str, ...]]],
        categories: set[str],
        regions: set[str],
        text_asked: bool,
        account: str,
    ) -> dict[str, float]:
        """Each signal that counts for this search, 0..1 (see the module's docstring)."""
        scores: dict[str, float] = {}
        if text_asked:
            scores["text"] = round(text_scores.get(account, (0.0, ()))[0], 4)
        if categories:
            inside = sum(line.categories.get(c, 0) for c in categories)
            scores["category"] = round(inside / line.videos if line.videos else 0.0, 4)
        if regions:
            scores["region"] = 1.0 if line.region in regions else 0.0
        rate = line.engagement_rate
        scores["engagement"] = round(rate / (rate + ENGAGEMENT_MIDPOINT), 4)
        scores["audience"] = round(min(1.0, math.log10(line.followers + 1) / 6), 4)
        return scores

    @staticmethod
    def _score(scores: dict[str, float]) -> float:
        """The weighted mean of the signals that count."""
        weight = sum(WEIGHTS[name] for name in scores)
        return round(sum(WEIGHTS[name] * score for name, score in scores.items()) / weight, 4)

    @staticmethod
    def _passes(
        line: _CreatorLine,
        query: CreatorQuery,
        categories: Sequence[str],
        regions: Sequence[str],
    ) -> bool:
        if categories and not any(line.categories.get(c) for c in categories):
            return False
        if regions and line.region not in regions:
            return False
        if query.followers_min is not None and line.followers < query.followers_min:
            return False
        if query.followers_max is not None and line.followers > query.followers_max:
            return False
        if query.engagement_rate_min_bp is not None:
            return line.engagement_rate * 10_000 >= query.engagement_rate_min_bp
        return True

    @staticmethod
    def _match(
        account: str,
        line: _CreatorLine,
        text_scores: dict[str, tuple[float, tuple[str, ...]]],
        categories: set[str],
        regions: set[str],
        text_asked: bool,
    ) -> CreatorMatch:
        scores = Marketplace._signal_scores(
            line, text_scores, categories, regions, text_asked, account
        )
        _score, matched = text_scores.get(account, (0.0, ()))
        inside = sum(line.categories.get(c, 0) for c in categories)
        rate = line.engagement_rate
        details = {
            "text": f"said {', '.join(matched)}" if matched else "said none of the words",
            "category": f"{inside} of {line.videos} videos in {', '.join(sorted(categories))}",
            "region": f"based in {line.region or 'an unknown region'}"
            + ("" if line.region in regions else f", not in {', '.join(sorted(regions))}"),
            "engagement": f"{rate:.1%} of views engage ({line.engagements:,} of {line.views:,})",
            "audience": f"{line.followers:,} followers",
        }
        signals = tuple(
            Signal(name, score, WEIGHTS[name], details[name]) for name, score in scores.items()
        )
        return CreatorMatch(
            creator=account,
            region=line.region,
            followers=line.followers,
            videos=line.videos,
            engagement_rate_bp=int(rate * 10_000),
            score=Marketplace._score(scores),
            signals=signals,
            invited=False,
        )

    def _invited(self, campaign_id: UUID, creator: str) -> bool:
        found = self.revenue.find(Invitation, Invitation.id_for(campaign_id, creator))
        return found is not None

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: every creator's recorded facts (their
        text index is the engine's, rebuilt from the same videos)."""
        with self._lock:
            model = self.catch_up()
            return {
                f"creator:{account}": (
                    line.region,
                    line.followers,
                    line.videos,
                    tuple(sorted(line.categories.items())),
                    line.views,
                    line.engagements,
                )
                for account, line in model.creators.items()
            }
