"""Product tags on videos, with the creator's consent.

Adding a tag and telling the creator are two steps: the tag is saved awaiting notice, the
notifier tells the creator, and only then is ``CreatorNotifiedOfTag`` saved and the tag shown
to viewers. If the notifier fails, the tag stays hidden and ``deliver_pending_notices``
(the background worker) tries again: no creator ever finds a product link they were not told
about. Similar items are the tags viewers may see, on listings still on sale and in stock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, require_role
from application.background import BackgroundPass
from application.errors import NotPermitted, StaleVersion
from application.log_follower import LogFollower
from application.logs import CatalogueLog, RevenueLog
from application.notifications import Notifier
from application.ports import Clock
from application.read_models import Followed, ReadModel, unpositioned
from application.trust.protection import Protection
from domain.anchors.videos import Video
from domain.money import Money
from domain.shop.listings import Listing, ListingStatus, Seller
from domain.shop.product_tags import ShopPreferences, Tag, TagRefused, TagState, VideoTags

SIMILAR_ITEMS_LIMIT = 50
TRUST_AND_SAFETY = "trust-and-safety"


@attrs.frozen
class TagView:
    listing_id: UUID
    confidence: float
    evidence: Mapping[str, Any]
    added_by: str
    added_at: datetime
    shown: bool

    @classmethod
    def of(cls, tag: Tag) -> TagView:
        return cls(
            listing_id=tag.listing_id,
            confidence=tag.confidence,
            evidence=dict(tag.evidence),
            added_by=tag.added_by,
            added_at=tag.added_at,
            shown=TagState(tag.state) is TagState.SHOWN,
        )


@attrs.frozen
class VideoTagsView:
    video_id: UUID
    creator: str
    opted_out: bool
    tags: tuple[TagView, ...]
    removed: tuple[UUID, ...]


@attrs.frozen
class SimilarItem:
    listing_id: UUID
    title: str
    price: Money
    confidence: float
    seller: str


@attrs.define
class _ListingLine:
    title: str
    price: Money
    seller: str
    stock: int
    status: ListingStatus


class TagsReadModel:
    """Which videos show which listing, what awaits notice, and what is on sale."""

    def __init__(self) -> None:
        self.videos_of_listing: dict[UUID, set[UUID]] = defaultdict(set)
        self.awaiting_notice: dict[tuple[UUID, UUID], str] = {}  # (video, listing) -> creator
        self.listings: dict[UUID, _ListingLine] = {}
        self.video_of_tags: dict[UUID, UUID] = {}
        self.creator_of_tags: dict[UUID, str] = {}
        self.suspended_sellers: set[str] = set()
        self._sellers: dict[UUID, str] = {}

    @property
    def handlers(self) -> dict[str, Any]:
        return {
            VideoTags.Opened.TOPIC: self._opened,
            VideoTags.TagAdded.TOPIC: self._added,
            VideoTags.CreatorNotified.TOPIC: self._notified,
            VideoTags.TagRemoved.TOPIC: self._removed,
            Listing.Listed.TOPIC: self._listed,
            Listing.Edited.TOPIC: self._edited,
            Listing.Restocked.TOPIC: self._restocked,
            Listing.Sold.TOPIC: self._sold,
            Listing.Delisted.TOPIC: self._delisted,
            Listing.TakenDown.TOPIC: self._taken_down,
            Seller.Registered.TOPIC: self._seller_registered,
            Seller.Suspended.TOPIC: self._seller_suspended,
        }

    def on_offer(self, listing_id: UUID) -> bool:
        line = self.listings.get(listing_id)
        return (
            line is not None
            and line.status is ListingStatus.LISTED
            and line.stock > 0
            and line.seller not in self.suspended_sellers
        )

    def _seller_registered(self, event: Any, _position: int) -> None:
        self._sellers[event.originator_id] = event.account

    def _seller_suspended(self, event: Any, _position: int) -> None:
        self.suspended_sellers.add(self._sellers[event.originator_id])

    def _opened(self, event: Any, _position: int) -> None:
        self.video_of_tags[event.originator_id] = event.video_id
        self.creator_of_tags[event.originator_id] = event.creator

    def _added(self, event: Any, _position: int) -> None:
        video_id = self.video_of_tags[event.originator_id]
        self.videos_of_listing[event.listing_id].add(video_id)
        self.awaiting_notice[(video_id, event.listing_id)] = self.creator_of_tags[
            event.originator_id
        ]

    def _notified(self, event: Any, _position: int) -> None:
        self.awaiting_notice.pop((self.video_of_tags[event.originator_id], event.listing_id), None)

    def _removed(self, event: Any, _position: int) -> None:
        video_id = self.video_of_tags[event.originator_id]
        self.videos_of_listing[event.listing_id].discard(video_id)
        self.awaiting_notice.pop((video_id, event.listing_id), None)

    def _listed(self, event: Any, _position: int) -> None:
        self.listings[event.originator_id] = _ListingLine(
            event.title, event.price, event.seller, event.stock, ListingStatus.LISTED
        )

    def _edited(self, event: Any, _position: int) -> None:
        line = self.listings[event.originator_id]
        line.title, line.price = event.title, event.price

    def _restocked(self, event: Any, _position: int) -> None:
        self.listings[event.originator_id].stock += event.added

    def _sold(self, event: Any, _position: int) -> None:
        self.listings[event.originator_id].stock -= event.quantity

    def _delisted(self, event: Any, _position: int) -> None:
        self.listings[event.originator_id].status = ListingStatus.DELISTED

    def _taken_down(self, event: Any, _position: int) -> None:
        self.listings[event.originator_id].status = ListingStatus.TAKEN_DOWN

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: listings with the videos showing them,
        tags awaiting notice, suspended sellers."""
        view: dict[str, object] = {"suspended": self.suspended_sellers}
        for listing_id in set(self.listings) | set(self.videos_of_listing):
            view[f"listing:{listing_id}"] = (
                self.listings.get(listing_id),
                self.videos_of_listing.get(listing_id, set()),
            )
        for (video_id, listing_id), creator in self.awaiting_notice.items():
            view[f"awaiting:{video_id}/{listing_id}"] = creator
        for tags_id, video_id in self.video_of_tags.items():
            view[f"tags:{tags_id}"] = (video_id, self.creator_of_tags.get(tags_id))
        return view


class ProductTagging:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        catalogue: CatalogueLog,
        notifier: Notifier,
        clock: Clock,
        protection: Protection,
    ) -> None:
        self.revenue = revenue
        self.catalogue = catalogue
        self.notifier = notifier
        self.clock = clock
        self.model = TagsReadModel()
        self._follower = LogFollower(revenue, self.model.handlers)
        self._protection = protection
        self.protection = protection.model
        self._lock = threading.RLock()
        self.catch_up()

    def catch_up(self) -> TagsReadModel:
        with self._lock:
            self._follower.catch_up()
            self._protection.catch_up()
        return self.model

    def read_models(self) -> tuple[ReadModel, ...]:
        return (Followed("shop tags", self.catch_up, unpositioned(self.model.export)),)

    def why_excluded(self, video_id: UUID) -> str | None:
        """Why the video may carry no product tag (a minor's, restricted, removed), or None."""
        return self._protection.catch_up().why_excluded(video_id)

    # Adding tags ------------------------------------------------------------------------

    def tag(
        self,
        video_id: UUID,
        listing_id: UUID,
        *,
        confidence: float,
        evidence: Mapping[str, Any],
        by: str,
        automatic: bool = True,
    ) -> bool:
        """Add a tag (hidden), tell the creator, then show it. False when it may not be added
        (removed before, opted out, already there) — nothing is recorded then."""
        listing = self.revenue.load(Listing, listing_id)
        if not listing.on_sale or self.why_excluded(video_id) is not None:
            return False
        tags = self._tags_of(video_id)
        preferences = self.revenue.find(ShopPreferences, ShopPreferences.id_for(tags.creator))
        creator_opted_out = preferences is not None and not preferences.auto_tags
        if tags.may_tag(listing_id, automatic=automatic, creator_opted_out=creator_opted_out):
            return False
        tags.add(
            listing_id,
            confidence=confidence,
            evidence=evidence,
            by=by,
            automatic=automatic,
            creator_opted_out=creator_opted_out,
            at=self.clock.now(),
        )
        try:
            self.revenue.commit(tags)
        except StaleVersion:
            return False  # another worker changed this video's tags; the next pass retries
        self._tell_creator(video_id, listing_id, tags.creator, listing.title)
        return True

    def manual_tag(self, actor: Principal, video_id: UUID, listing_id: UUID) -> VideoTagsView:
        """A reviewer or admin links a product by hand (still told to the creator first)."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="tag a product")
        excluded = self.why_excluded(video_id)
        if excluded is not None:
            raise TagRefused(f"the video may carry no product tag: {excluded}")
        listing = self.revenue.load(Listing, listing_id)
        if not listing.on_sale:
            raise TagRefused(
                f"listing {listing.title!r} is {ListingStatus(listing.status).value}, not on sale"
            )
        current = self._tags_of(video_id)
        if listing_id in current.tags:
            return self.tags_of(actor, video_id)  # tagged already: asking again changes nothing
        refusal = current.may_tag(listing_id, automatic=False, creator_opted_out=False)
        if refusal:
            raise TagRefused(refusal)
        if not self.tag(
            video_id,
            listing_id,
            confidence=1.0,
            evidence={"by": actor.label},
            by=actor.label,
            automatic=False,
        ):
            raise TagRefused("the video's tags changed at the same moment; try again")
        return self.tags_of(actor, video_id)

    def background_pass(self) -> BackgroundPass:
        def run() -> str | None:
            notices = self.deliver_pending_notices()
            return f"{notices} creators told, their tags now shown" if notices else None

        return BackgroundPass("product tags", run, "delivering product tag notices failed")

    def deliver_pending_notices(self) -> int:
        """Tell creators of tags still awaiting notice (a failed notifier is retried here)."""
        pending = list(self.catch_up().awaiting_notice.items())
        delivered = 0
        for (video_id, listing_id), creator in pending:
            listing = self.revenue.find(Listing, listing_id)
            title = listing.title if listing else str(listing_id)
            if self._tell_creator(video_id, listing_id, creator, title):
                delivered += 1
        return delivered

    def _tell_creator(self, video_id: UUID, listing_id: UUID, creator: str, title: str) -> bool:
        listing = self.revenue.find(Listing, listing_id)
        if listing is None or not listing.on_sale:
            # Taken down (or delisted) since the tag was saved: withdraw it untold.
            self._withdraw(video_id, listing_id, "the listing is no longer on sale")
            return False
        key = f"product-tag:{video_id}:{listing_id}"
        try:
            notice_id = self.notifier.notify(
                creator,
                subject="A product link was added to your video",
                body=(
                    f"We linked {title!r} to your video {video_id} as a similar item. Viewers "
                    "will see it from now on; you can remove it at any time."
                ),
                key=key,
            )
        except Exception:  # the tag stays hidden; deliver_pending_notices retries
            return False
        tags = self._tags_of(video_id)
        tag = tags.tags.get(listing_id)
        if tag is None or TagState(tag.state) is TagState.SHOWN:
            return False
        tags.record_notice(listing_id, notice_id=notice_id, at=self.clock.now())
        try:
            self.revenue.commit(tags)
        except StaleVersion:
            return False
        return True

    def withdraw_tags_of_video(self, video_id: UUID, *, reason: str) -> int:
        """Remove every tag of a video (it was restricted, removed, or its creator is a
        minor), each with the reason; answers how many were removed."""
        tags = self.revenue.find(VideoTags, VideoTags.id_for(video_id))
        if tags is None:
            return 0
        return sum(
            1 for listing_id in list(tags.tags) if self._withdraw(video_id, listing_id, reason)
        )

    def withdraw_tags_of(self, listing_id: UUID, *, reason: str) -> int:
        """Remove a listing's tags from every video that still carries them (e.g. tags saved
        while the listing was being taken down); answers how many were removed."""
        removed = 0
        for video_id in sorted(self.catch_up().videos_of_listing.get(listing_id, set()), key=str):
            if self._withdraw(video_id, listing_id, reason):
                removed += 1
        return removed

    def _withdraw(self, video_id: UUID, listing_id: UUID, reason: str) -> bool:
        for _attempt in range(5):
            tags = self.revenue.find(VideoTags, VideoTags.id_for(video_id))
            if tags is None or listing_id not in tags.tags:
                return False
            tags.remove(listing_id, by=TRUST_AND_SAFETY, reason=reason, at=self.clock.now())
            try:
                self.revenue.commit(tags)
            except StaleVersion:
                continue
            return True
        return False

    # The creator's controls ---------------------------------------------------------------

    def remove_tag(
        self, actor: Principal, video_id: UUID, listing_id: UUID, *, reason: str
    ) -> VideoTagsView:
        tags = self._own_tags(actor, video_id)
        tags.remove(listing_id, by=actor.label, reason=reason, at=self.clock.now())
        self.revenue.commit(tags)
        return self._view(tags)

    def set_video_auto_tags(self, actor: Principal, video_id: UUID, *, on: bool) -> VideoTagsView:
        tags = self._own_tags(actor, video_id)
        if on:
            tags.opt_in(at=self.clock.now())
        else:
            tags.opt_out(at=self.clock.now())
        self.revenue.commit(tags)
        return self._view(tags)

    def set_preferences(
        self, actor: Principal, *, auto_tags: bool, affiliate: bool
    ) -> ShopPreferences:
        require_role(actor, Role.CREATOR, doing="set shop preferences")
        preferences = self.revenue.find(
            ShopPreferences, ShopPreferences.id_for(actor.subject)
        ) or ShopPreferences.open(actor.subject)
        preferences.change(auto_tags=auto_tags, affiliate=affiliate, at=self.clock.now())
        self.revenue.commit(preferences)
        return preferences

    # Reading ----------------------------------------------------------------------------

    def tags_of(self, actor: Principal, video_id: UUID) -> VideoTagsView:
        """Every tag of a video, hidden ones included: for its creator, reviewers, admins."""
        tags = self._tags_of(video_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR, Role.REVIEWER) and not (
            owns(actor, Role.CREATOR, tags.creator)
        ):
            raise NotPermitted("a video's tags are managed by its creator")
        return self._view(tags)

    def similar_items(
        self, video_id: UUID, *, cursor: int = 0, limit: int = SIMILAR_ITEMS_LIMIT
    ) -> tuple[list[SimilarItem], int | None]:
        """What viewers see: shown tags of listings on sale and in stock, most confident first."""
        self.catalogue.load(Video, video_id)
        model = self.catch_up()  # protection included
        if self.protection.why_excluded(video_id) is not None:
            return [], None
        tags = self.revenue.find(VideoTags, VideoTags.id_for(video_id))
        shown = [] if tags is None else tags.shown
        items = sorted(
            (
                SimilarItem(
                    listing_id=tag.listing_id,
                    title=model.listings[tag.listing_id].title,
                    price=model.listings[tag.listing_id].price,
                    confidence=tag.confidence,
                    seller=model.listings[tag.listing_id].seller,
                )
                for tag in shown
                if model.on_offer(tag.listing_id)
            ),
            key=lambda item: (-item.confidence, str(item.listing_id)),
        )
        page = items[cursor : cursor + limit]
        following = cursor + len(page)
        return page, following if following < len(items) else None

    def _tags_of(self, video_id: UUID) -> VideoTags:
        found = self.revenue.find(VideoTags, VideoTags.id_for(video_id))
        if found is not None:
            return found
        video = self.catalogue.load(Video, video_id)
        return VideoTags.open(video_id, creator=video.creator_id)

    def _own_tags(self, actor: Principal, video_id: UUID) -> VideoTags:
        tags = self._tags_of(video_id)
        if actor.role is not Role.ADMIN and not (owns(actor, Role.CREATOR, tags.creator)):
            raise NotPermitted("only the video's creator controls its product tags")
        return tags

    @staticmethod
    def _view(tags: VideoTags) -> VideoTagsView:
        return VideoTagsView(
            video_id=tags.video_id,
            creator=tags.creator,
            opted_out=tags.opted_out,
            tags=tuple(TagView.of(t) for t in tags.tags.values()),
            removed=tuple(sorted(tags.removed, key=str)),
        )
