"""The creator marketplace: brands find creators and content that fit a campaign.

A projection of the catalogue's log (``application.business.marketplace_projection``:
creators, their followers and age bands, their videos' categories, captions and hashtags,
and the engagement those videos earned, in tables of the projection store) answers searches
by category, region, follower range, engagement rate and free text. Results are ranked by
fit, and each says why: every signal that counted, its value and its share of the score.

Signals (each 0..1, kept in ten-thousandths), counted only when the search gives them
something to fit:

- ``text``: the creator's captions and hashtags against the words asked for (and, for a
  campaign, its name and hashtag), BM25 relative to the best match found;
- ``category``: the share of the creator's videos in the categories wanted;
- ``region``: whether the creator's home region is one wanted;
- ``engagement``: engagements per view, saturating (``rate / (rate + 5 %)``): a creator
  whose audience answers is worth more than one whose audience only watches;
- ``audience``: followers on a log scale (a million is 1).

The score is the weighted mean of the signals counted (weights in
``marketplace_projection.WEIGHTS``). Filters are hard: a creator outside the category,
region, follower range or minimum engagement rate asked for is never shown, and neither is a
minor. The database filters, scores and orders the candidates and answers one page; the
service explains that page and holds nothing that grows with the log.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, require_role
from application.business.marketplace_projection import (
    NAME,
    ONE,
    WEIGHTS,
    CreatorFacts,
    CreatorSearch,
    MarketplaceProjection,
    audience_signal,
    category_signal,
    combined,
    engagement_signal,
    rate_bp,
)
from application.errors import NotPermitted
from application.paging import KeysetCursors, Page, int_at
from application.projections import Persisted, ProjectionRunner
from application.read_models import ReadModel
from domain.bounds import MAX_QUANTITY
from domain.business.campaigns import Campaign
from domain.categories import checked_category
from domain.errors import InvalidValue
from domain.regions import known_region

TEXT_CANDIDATES = 2_000
MAX_PAGE = 100
#: The marketplace's cursors: a digest of the search, and the score and account of a
#: page's last creator.
CREATORS = KeysetCursors("creator marketplace", str, int, str)


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


@attrs.frozen
class _Fit:
    """What a search's signals are fitted to."""

    text: dict[str, tuple[int, tuple[str, ...]]] | None  # None: no words asked
    categories: frozenset[str]
    regions: frozenset[str]


class Marketplace:
    def __init__(
        self, revenue: Any, *, runner: ProjectionRunner, projection: MarketplaceProjection
    ) -> None:
        self._revenue = revenue
        self.runner = runner
        self.projection = projection

    def catch_up(self) -> int:
        """Brings the marketplace's read model up to the end of its logs; answers how many events
        were applied (``ProjectionFailed`` if one cannot be)."""
        return self.runner.catch_up(NAME)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The marketplace's read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)

    def find_creators(
        self,
        actor: Principal,
        query: CreatorQuery,
        *,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page[CreatorMatch]:
        """Creators who pass the filters, best fit first (score, then account), a page at a
        time from just after the creator the ``cursor`` names (a page's ``next_cursor`` of
        the same search)."""
        require_role(actor, Role.BRAND, Role.ADMIN, doing="search the creator marketplace")
        key = CREATORS.decode(cursor)
        asked = _search_key(query)
        if key is not None and key[0] != asked:
            raise InvalidValue(
                "the cursor is one of another search of the marketplace: pass next_cursor "
                "with the filters it was given for"
            )
        if limit < 1 or limit > MAX_PAGE:
            raise InvalidValue(f"a page of the marketplace holds from 1 to {MAX_PAGE} creators")
        categories = tuple(checked_category(c) for c in query.categories)
        regions = tuple(known_region(r) for r in query.regions)
        wanted_categories, wanted_regions, words = set(categories), set(regions), query.text
        campaign: Campaign | None = None
        if query.campaign_id is not None:
            campaign = self._revenue.load(Campaign, query.campaign_id)
            if actor.role is Role.BRAND and not owns(actor, Role.BRAND, campaign.brand):
                raise NotPermitted("a brand matches creators to its own campaigns")
            wanted_categories |= set(campaign.categories)
            wanted_regions |= set(campaign.regions)
            words = " ".join(filter(None, (query.text, campaign.name, campaign.hashtag)))
        generation = self.runner.fresh(NAME)
        fit = _Fit(
            self._text_scores(generation, words) if words else None,
            frozenset(wanted_categories),
            frozenset(wanted_regions),
        )
        search = CreatorSearch(
            text=None if fit.text is None else {c: s for c, (s, _) in fit.text.items()},
            text_only=bool(query.text.strip()),
            categories=categories,
            campaign_categories=tuple(sorted(wanted_categories)) if campaign else (),
            regions=regions,
            # No count is past MAX_QUANTITY: a bound beyond it binds as one just past it.
            followers_min=_bounded(query.followers_min),
            followers_max=_bounded(query.followers_max),
            rate_min_bp=_bounded(query.engagement_rate_min_bp),
            wanted_categories=tuple(sorted(wanted_categories)),
            wanted_regions=tuple(sorted(wanted_regions)),
        )
        # One more than the page: whether another page follows.
        after = None if key is None else (int_at(key, 1), str(key[2]))
        rows = self.projection.tables.search(generation, search, after=after, limit=limit + 1)
        matches = [_match(facts, fit) for facts in rows]
        found = CREATORS.page(matches, limit, lambda m: (asked, round(m.score * ONE), m.creator))
        page = list(found.items)
        if campaign is not None:
            invited = self.projection.tables.invited(
                generation, campaign.id, [m.creator for m in page]
            )
            page = [attrs.evolve(m, invited=m.creator in invited) for m in page]
        return Page(tuple(page), found.next_cursor)

    def _text_scores(self, generation: int, words: str) -> dict[str, tuple[int, tuple[str, ...]]]:
        """Each creator the text found: their text signal and the words they said."""
        if not words.strip():
            return {}
        hits = self.projection.text.ranked(generation, words, limit=TEXT_CANDIDATES)
        best = hits[0][1] if hits else 1.0
        return {
            creator: (round(round(score / best, 4) * ONE), matched)
            for creator, score, matched in hits
        }


def _search_key(query: CreatorQuery) -> str:
    """A digest of what a search asked: its cursors are refused by any other search."""
    asked = repr(
        (
            query.text,
            sorted(query.categories),
            sorted(query.regions),
            query.followers_min,
            query.followers_max,
            query.engagement_rate_min_bp,
            None if query.campaign_id is None else query.campaign_id.hex,
        )
    )
    return hashlib.blake2b(asked.encode(), digest_size=8).hexdigest()


def _bounded(value: int | None) -> int | None:
    return None if value is None else min(value, MAX_QUANTITY + 1)


def signal_scores(facts: CreatorFacts, fit: _Fit) -> dict[str, int]:
    """Each signal that counts for this search, in ten-thousandths (the module's docstring):
    the numbers the tables order by."""
    scores: dict[str, int] = {}
    if fit.text is not None:
        scores["text"] = fit.text.get(facts.account, (0, ()))[0]
    if fit.categories:
        scores["category"] = category_signal(facts.inside, facts.videos)
    if fit.regions:
        scores["region"] = ONE if facts.region in fit.regions else 0
    scores["engagement"] = engagement_signal(facts.views, facts.engagements)
    scores["audience"] = audience_signal(facts.followers)
    return scores


def _match(facts: CreatorFacts, fit: _Fit) -> CreatorMatch:
    scores = signal_scores(facts, fit)
    _score, matched = (fit.text or {}).get(facts.account, (0, ()))
    rate = facts.engagement_rate
    details = {
        "text": f"said {', '.join(matched)}" if matched else "said none of the words",
        "category": (
            f"{facts.inside} of {facts.videos} videos in {', '.join(sorted(fit.categories))}"
        ),
        "region": f"based in {facts.region or 'an unknown region'}"
        + ("" if facts.region in fit.regions else f", not in {', '.join(sorted(fit.regions))}"),
        "engagement": (f"{rate:.1%} of views engage ({facts.engagements:,} of {facts.views:,})"),
        "audience": f"{facts.followers:,} followers",
    }
    signals = tuple(
        Signal(name, score / ONE, WEIGHTS[name] / 100, details[name])
        for name, score in scores.items()
    )
    return CreatorMatch(
        creator=facts.account,
        region=facts.region,
        followers=facts.followers,
        videos=facts.videos,
        engagement_rate_bp=rate_bp(facts.views, facts.engagements),
        score=combined(scores) / ONE,
        signals=signals,
        invited=False,
    )
