"""Product tags on videos, with the creator's consent.

Adding a tag and telling the creator are two steps: the tag is saved awaiting notice, the
notifier tells the creator, and only then is ``CreatorNotifiedOfTag`` saved and the tag shown
to viewers. If the notifier fails, the tag stays hidden and ``deliver_pending_notices``
(the background worker) tries again: no creator ever finds a product link they were not told
about. Similar items are the tags viewers may see, on listings still on sale and in stock.

What the shop needs to know across the revenue log (which videos carry which listing, the
notices still owed, the listings on offer, sellers and suspensions) is the persisted
projection ``shop tags`` (``TagsProjection``; port ``TagsTables``, rows in
``adapters.projections.shop_tags``): a similar-items read asks the rows of the listings the
video's shown tags name, the notice pass reads the pending notices a page at a time, and the
service holds nothing that grows with the log.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns, require_role
from application.background import BackgroundPass
from application.errors import NotPermitted, StaleVersion
from application.logs import CatalogueLog, RevenueLog
from application.notifications import Notifier
from application.paging import Page, limited
from application.ports import Clock
from application.projections import Batch, Persisted, ProjectionRunner
from application.ranked_paging import RankedCursors, ranked_before
from application.read_models import LogPositions, ReadModel
from application.trust.protection import Protection
from domain.anchors.videos import Video
from domain.money import Money
from domain.shop.listings import Listing, ListingStatus, Seller
from domain.shop.product_tags import ShopPreferences, Tag, TagRefused, TagState, VideoTags

NAME = "shop tags"
SIMILAR_ITEMS_LIMIT = 50
SIMILAR_ITEMS = RankedCursors("similar items")
#: Notices awaiting delivery read at a time.
NOTICES_PAGE = 200
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


@attrs.frozen
class Offer:
    """A listing on offer (listed, in stock, its seller not suspended), as viewers see it."""

    title: str
    price: Money
    seller: str


@attrs.frozen
class Pending:
    """A tag saved and not yet told to the video's creator; ``position`` (its addition's, in
    the revenue log) orders them and is the cursor of their pages."""

    position: int
    video_id: UUID
    listing_id: UUID
    creator: str


class TagsTables(Protocol):
    """The shop tags' rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes --------------------------------------------------------------------------------

    def open_tags(self, batch: Batch, tags_id: UUID, video_id: UUID, creator: str) -> None: ...

    def tags_of(self, batch: Batch, tags_id: UUID) -> tuple[UUID, str]:
        """The video and creator of a video's tags."""
        ...

    def add_tag(
        self, batch: Batch, video_id: UUID, listing_id: UUID, creator: str, position: int
    ) -> None:
        """The video shows (or will, once told) the listing; its notice awaits."""
        ...

    def notified(self, batch: Batch, video_id: UUID, listing_id: UUID) -> None: ...

    def remove_tag(self, batch: Batch, video_id: UUID, listing_id: UUID) -> None: ...

    def add_listing(self, batch: Batch, listing_id: UUID, offer: Offer, stock: int) -> None: ...

    def edit(self, batch: Batch, listing_id: UUID, title: str, price: Money) -> None: ...

    def add_stock(self, batch: Batch, listing_id: UUID, added: int) -> None: ...

    def set_status(self, batch: Batch, listing_id: UUID, status: ListingStatus) -> None: ...

    def register_seller(self, batch: Batch, seller_id: UUID, account: str) -> None: ...

    def suspend(self, batch: Batch, seller_id: UUID) -> None: ...

    # Reads ---------------------------------------------------------------------------------

    def offers(self, generation: int, listing_ids: Collection[UUID]) -> dict[UUID, Offer]:
        """Those of ``listing_ids`` on offer."""
        ...

    def videos_of_listing(self, generation: int, listing_id: UUID) -> list[UUID]:
        """The videos tagged with the listing (shown or awaiting notice)."""
        ...

    def pending(self, generation: int, *, after: int, limit: int) -> list[Pending]:
        """Tags awaiting notice past the cursor ``after``, oldest first."""
        ...

    def pending_count(self, generation: int) -> int: ...

    def export(self, generation: int) -> dict[str, object]:
        """A comparable view for the audit's replay: listings with the videos showing them,
        tags awaiting notice, video tags, suspended sellers."""
        ...


class TagsProjection:
    """Which videos show which listing, what awaits notice, and what is on sale: which rows
    each event of the revenue log changes."""

    name = NAME
    version = 1

    def __init__(self, tables: TagsTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
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

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {RevenueLog.name: tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return self.tables.export(generation)

    def _seller_registered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.register_seller(batch, event.originator_id, event.account)

    def _seller_suspended(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.suspend(batch, event.originator_id)

    def _opened(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.open_tags(batch, event.originator_id, event.video_id, event.creator)

    def _added(self, batch: Batch, event: Any, position: int) -> None:
        video_id, creator = self.tables.tags_of(batch, event.originator_id)
        self.tables.add_tag(batch, video_id, event.listing_id, creator, position)

    def _notified(self, batch: Batch, event: Any, _position: int) -> None:
        video_id, _creator = self.tables.tags_of(batch, event.originator_id)
        self.tables.notified(batch, video_id, event.listing_id)

    def _removed(self, batch: Batch, event: Any, _position: int) -> None:
        video_id, _creator = self.tables.tags_of(batch, event.originator_id)
        self.tables.remove_tag(batch, video_id, event.listing_id)

    def _listed(self, batch: Batch, event: Any, _position: int) -> None:
        offer = Offer(event.title, event.price, event.seller)
        self.tables.add_listing(batch, event.originator_id, offer, event.stock)

    def _edited(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.edit(batch, event.originator_id, event.title, event.price)

    def _restocked(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.add_stock(batch, event.originator_id, event.added)

    def _sold(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.add_stock(batch, event.originator_id, -event.quantity)

    def _delisted(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.set_status(batch, event.originator_id, ListingStatus.DELISTED)

    def _taken_down(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.set_status(batch, event.originator_id, ListingStatus.TAKEN_DOWN)


class ProductTagging:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        catalogue: CatalogueLog,
        notifier: Notifier,
        clock: Clock,
        protection: Protection,
        projections: ProjectionRunner,
        tables: TagsTables,
    ) -> None:
        self._revenue = revenue
        self._catalogue = catalogue
        self.notifier = notifier
        self.clock = clock
        self.projections = projections
        self.projection = TagsProjection(tables)
        projections.register(self.projection)
        self._protection = protection
        self.protection = protection.model

    def catch_up(self) -> int:
        """Apply every event of the revenue log not yet applied (and protection's)."""
        self._protection.catch_up()
        return self.projections.catch_up(NAME)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The product tags' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.projections, self.projection),)

    def videos_showing(self, listing_id: UUID) -> list[UUID]:
        """The videos tagged with the listing (shown or awaiting notice), in id order."""
        return self.projection.tables.videos_of_listing(self.projections.fresh(NAME), listing_id)

    def notices_waiting(self) -> int:
        """How many tags still wait for their creator's notice (for operators)."""
        return self.projection.tables.pending_count(self.projections.fresh(NAME))

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
        listing = self._revenue.load(Listing, listing_id)
        if not listing.on_sale or self.why_excluded(video_id) is not None:
            return False
        tags = self._tags_of(video_id)
        preferences = self._revenue.find(ShopPreferences, ShopPreferences.id_for(tags.creator))
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
            self._revenue.commit(tags)
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
        listing = self._revenue.load(Listing, listing_id)
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
        """The background pass that tells creators of their tags still awaiting notice (a failed
        notifier is retried here)."""

        def run() -> str | None:
            notices = self.deliver_pending_notices()
            return f"{notices} creators told, their tags now shown" if notices else None

        return BackgroundPass("product tags", run, "delivering product tag notices failed")

    def deliver_pending_notices(self) -> int:
        """Tell creators of tags still awaiting notice (a failed notifier is retried here)."""
        generation = self.projections.fresh(NAME)
        delivered, after = 0, 0
        # A page at a time, read on from the last one's cursor: a notice told meanwhile
        # leaves the table without moving the others.
        while page := self.projection.tables.pending(generation, after=after, limit=NOTICES_PAGE):
            for notice in page:
                listing = self._revenue.find(Listing, notice.listing_id)
                title = listing.title if listing else str(notice.listing_id)
                if self._tell_creator(notice.video_id, notice.listing_id, notice.creator, title):
                    delivered += 1
            after = page[-1].position
        return delivered

    def _tell_creator(self, video_id: UUID, listing_id: UUID, creator: str, title: str) -> bool:
        listing = self._revenue.find(Listing, listing_id)
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
            self._revenue.commit(tags)
        except StaleVersion:
            return False
        return True

    def withdraw_tags_of_video(self, video_id: UUID, *, reason: str) -> int:
        """Remove every tag of a video (it was restricted, removed, or its creator is a
        minor), each with the reason; answers how many were removed."""
        tags = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
        if tags is None:
            return 0
        return sum(
            1 for listing_id in list(tags.tags) if self._withdraw(video_id, listing_id, reason)
        )

    def withdraw_tags_of(self, listing_id: UUID, *, reason: str) -> int:
        """Remove a listing's tags from every video that still carries them (e.g. tags saved
        while the listing was being taken down); answers how many were removed."""
        removed = 0
        for video_id in self.videos_showing(listing_id):
            if self._withdraw(video_id, listing_id, reason):
                removed += 1
        return removed

    def _withdraw(self, video_id: UUID, listing_id: UUID, reason: str) -> bool:
        for _attempt in range(5):
            tags = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
            if tags is None or listing_id not in tags.tags:
                return False
            tags.remove(listing_id, by=TRUST_AND_SAFETY, reason=reason, at=self.clock.now())
            try:
                self._revenue.commit(tags)
            except StaleVersion:
                continue
            return True
        return False

    # The creator's controls ---------------------------------------------------------------

    def remove_tag(
        self, actor: Principal, video_id: UUID, listing_id: UUID, *, reason: str
    ) -> VideoTagsView:
        """A video's creator removes a product tag from it, with a reason (an admin any video's);
        anyone else is ``NotPermitted``."""
        tags = self._own_tags(actor, video_id)
        tags.remove(listing_id, by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(tags)
        return self._view(tags)

    def set_video_auto_tags(self, actor: Principal, video_id: UUID, *, on: bool) -> VideoTagsView:
        """A video's creator turns automatic product tags on or off for it (an admin for any
        video); anyone else is ``NotPermitted``."""
        tags = self._own_tags(actor, video_id)
        if on:
            tags.opt_in(at=self.clock.now())
        else:
            tags.opt_out(at=self.clock.now())
        self._revenue.commit(tags)
        return self._view(tags)

    def preferences(self, actor: Principal) -> ShopPreferences | None:
        """A creator's own shop preferences; None while they have set none (automatic tags
        on, affiliate share off). Anyone but a creator is ``NotPermitted``."""
        require_role(actor, Role.CREATOR, doing="read shop preferences")
        return self._revenue.find(ShopPreferences, ShopPreferences.id_for(actor.subject))

    def set_preferences(
        self, actor: Principal, *, auto_tags: bool, affiliate: bool
    ) -> ShopPreferences:
        """A creator sets their own shop preferences: automatic tags and affiliate earnings.
        The preferences they have already are ``RuleViolated``."""
        require_role(actor, Role.CREATOR, doing="set shop preferences")
        preferences = self._revenue.find(
            ShopPreferences, ShopPreferences.id_for(actor.subject)
        ) or ShopPreferences.open(actor.subject)
        preferences.change(auto_tags=auto_tags, affiliate=affiliate, at=self.clock.now())
        self._revenue.commit(preferences)
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
        self, video_id: UUID, *, limit: int = SIMILAR_ITEMS_LIMIT, cursor: str | None = None
    ) -> Page[SimilarItem]:
        """What viewers see: shown tags of listings on sale and in stock, most confident first
        (ties by listing id as text), a page at a time; a cursor continues the same video's
        items after the last one it saw."""
        scope = video_id.hex
        after = SIMILAR_ITEMS.decode(cursor, scope)
        size = limited(limit)
        self._catalogue.load(Video, video_id)
        if self.why_excluded(video_id) is not None:
            return Page((), None)
        tags = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
        shown = [] if tags is None else tags.shown
        following = [tag for tag in shown if ranked_before(tag.confidence, tag.listing_id, after)]
        offers = self.projection.tables.offers(
            self.projections.fresh(NAME), [tag.listing_id for tag in following]
        )
        items = sorted(
            (
                SimilarItem(
                    listing_id=tag.listing_id,
                    title=offers[tag.listing_id].title,
                    price=offers[tag.listing_id].price,
                    confidence=tag.confidence,
                    seller=offers[tag.listing_id].seller,
                )
                for tag in following
                if tag.listing_id in offers
            ),
            key=lambda item: (-item.confidence, str(item.listing_id)),
        )
        return SIMILAR_ITEMS.page(
            items[: size + 1], size, scope, lambda item: (item.confidence, item.listing_id)
        )

    def _tags_of(self, video_id: UUID) -> VideoTags:
        found = self._revenue.find(VideoTags, VideoTags.id_for(video_id))
        if found is not None:
            return found
        video = self._catalogue.load(Video, video_id)
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
