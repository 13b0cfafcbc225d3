"""Product tags on videos, with the creator's consent: a tag is hidden until its creator has
been told, a removed tag never comes back, opt-outs refuse automatic tags (a reviewer may
still link a product by hand), and viewers see only what they can buy."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from adapters.notifications.inbox import InAppNotifier
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotPermitted
from application.notifications import Notice
from application.shop.shop import NotAttributable
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.shop.listings import STRIKES_TO_SUSPEND, Seller
from domain.shop.product_tags import (
    MAX_TAGS,
    NoSuchTag,
    ShopPreferences,
    TagRefused,
    TagState,
    VideoTags,
)
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, InterleavingClock, SequentialIdentities
from tests.pages import every_page
from tests.photos import plain_photo

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
ACME = Principal(Role.SELLER, "acme")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
VIC = Principal(Role.VIEWER, "vic")
RECOGNITION = "recognition:v3"


def usd(minor: int) -> Money:
    return Money(minor, "USD")


# The aggregate ------------------------------------------------------------------------------


def video_tags() -> VideoTags:
    return VideoTags.open(uuid4(), creator="mia")


def add(
    tags: VideoTags,
    listing_id: UUID,
    *,
    automatic: bool = True,
    creator_opted_out: bool = False,
    confidence: float = 0.8,
) -> None:
    tags.add(
        listing_id,
        confidence=confidence,
        evidence={"frame": 3},
        by=RECOGNITION if automatic else "reviewer:rosa",
        automatic=automatic,
        creator_opted_out=creator_opted_out,
        at=NOW,
    )


def test_a_videos_tags_are_one_aggregate_per_video() -> None:
    video_id = uuid4()
    tags = VideoTags.open(video_id, creator="mia")

    assert tags.id == VideoTags.id_for(video_id) != VideoTags.id_for(uuid4())
    assert (tags.video_id, tags.creator, tags.tags, tags.removed, tags.opted_out) == (
        video_id,
        "mia",
        {},
        set(),
        False,
    )


def test_a_tag_is_hidden_until_the_creator_is_told() -> None:
    tags = video_tags()
    listing_id = uuid4()
    add(tags, listing_id)

    tag = tags.tags[listing_id]
    assert TagState(tag.state) is TagState.AWAITING_NOTICE
    assert (tag.confidence, tag.evidence, tag.added_by) == (0.8, {"frame": 3}, RECOGNITION)
    assert tags.shown == []

    tags.record_notice(listing_id, notice_id="n-1", at=NOW)

    assert [t.listing_id for t in tags.shown] == [listing_id]
    with pytest.raises(RuleViolated, match="already told"):
        tags.record_notice(listing_id, notice_id="n-2", at=NOW)
    with pytest.raises(NoSuchTag):
        tags.record_notice(uuid4(), notice_id="n-3", at=NOW)


def test_a_removed_tag_never_comes_back() -> None:
    tags = video_tags()
    listing_id = uuid4()
    add(tags, listing_id)
    tags.record_notice(listing_id, notice_id="n-1", at=NOW)

    with pytest.raises(InvalidValue):
        tags.remove(listing_id, by="creator:mia", reason="  ", at=NOW)
    tags.remove(listing_id, by="creator:mia", reason="not my bag", at=NOW)

    assert (tags.tags, tags.shown, tags.removed) == ({}, [], {listing_id})
    for automatic in (True, False):
        assert "removed" in tags.may_tag(listing_id, automatic=automatic, creator_opted_out=False)
        with pytest.raises(TagRefused):
            add(tags, listing_id, automatic=automatic)
    with pytest.raises(NoSuchTag):
        tags.remove(listing_id, by="creator:mia", reason="again", at=NOW)


def test_a_video_carries_a_tag_once() -> None:
    tags = video_tags()
    listing_id = uuid4()
    add(tags, listing_id)
    with pytest.raises(TagRefused, match="already"):
        add(tags, listing_id, automatic=False)


@pytest.mark.parametrize(("video", "creator"), [(True, False), (False, True), (True, True)])
def test_opting_out_refuses_automatic_tags_but_not_a_reviewers(video: bool, creator: bool) -> None:
    tags = video_tags()
    if video:
        tags.opt_out(at=NOW)

    with pytest.raises(TagRefused, match="opted out"):
        add(tags, uuid4(), creator_opted_out=creator)
    add(tags, uuid4(), automatic=False, creator_opted_out=creator)
    assert len(tags.tags) == 1


def test_a_video_opts_out_and_back_in_once_each() -> None:
    tags = video_tags()
    with pytest.raises(RuleViolated):
        tags.opt_in(at=NOW)
    tags.opt_out(at=NOW)
    with pytest.raises(RuleViolated):
        tags.opt_out(at=NOW)
    tags.opt_in(at=NOW)
    add(tags, uuid4())
    assert not tags.opted_out
    assert len(tags.tags) == 1


def test_a_video_carries_at_most_twenty_tags_at_a_time() -> None:
    tags = video_tags()
    listings = [uuid4() for _ in range(MAX_TAGS)]
    for listing_id in listings:
        add(tags, listing_id)

    for automatic in (True, False):
        with pytest.raises(TagRefused, match=str(MAX_TAGS)):
            add(tags, uuid4(), automatic=automatic)
    tags.remove(listings[0], by="creator:mia", reason="not mine", at=NOW)
    add(tags, uuid4())
    assert len(tags.tags) == MAX_TAGS


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_a_tags_confidence_lies_between_nothing_and_certainty(confidence: float) -> None:
    tags = video_tags()
    with pytest.raises(InvalidValue):
        add(tags, uuid4(), confidence=confidence)
    assert tags.tags == {}


def test_a_creator_starts_with_automatic_tags_and_no_affiliate_share() -> None:
    preferences = ShopPreferences.open("mia")
    assert preferences.id == ShopPreferences.id_for("mia") != ShopPreferences.id_for("leo")
    assert (preferences.auto_tags, preferences.affiliate) == (True, False)

    with pytest.raises(RuleViolated):
        preferences.change(auto_tags=True, affiliate=False, at=NOW)
    preferences.change(auto_tags=False, affiliate=True, at=NOW)
    assert (preferences.auto_tags, preferences.affiliate) == (False, True)


# Through the service, with a notifier that fails --------------------------------------------


class FlakyNotifier:
    """The in-app inbox behind a connection that can fail.

    While ``failures`` is above zero each notice raises: before it was delivered, or — with
    ``answer_lost`` — after it was (the inbox has it, the caller never heard back).
    ``after_delivery`` runs once after the next successful delivery (to race the caller)."""

    def __init__(self) -> None:
        self.inner: InAppNotifier | None = None
        self.failures = 0
        self.answer_lost = False
        self.attempts: list[str] = []
        self.after_delivery: list[Callable[[], object]] = []

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        assert self.inner is not None
        self.attempts.append(key)
        if self.failures:
            self.failures -= 1
            if self.answer_lost:
                self.inner.notify(recipient, subject=subject, body=body, key=key, **typed)
            raise ConnectionError("the notification service did not answer")
        notice_id = self.inner.notify(recipient, subject=subject, body=body, key=key, **typed)
        while self.after_delivery:
            self.after_delivery.pop(0)()
        return notice_id

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Notice]:
        assert self.inner is not None
        return self.inner.inbox(recipient, after=after, limit=limit, **filters)


@pytest.fixture
def notifier() -> FlakyNotifier:
    return FlakyNotifier()


@pytest.fixture
def racing_clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def shop(notifier: FlakyNotifier, racing_clock: InterleavingClock) -> Iterator[Spotlight]:
    core = bootstrap(
        Settings(
            store=parse_store("memory://"),
            data_dir=Path(tempfile.gettempdir()),
            secret=b"a-secret-only-the-tag-tests-know",
        ),
        clock=racing_clock,
        identities=SequentialIdentities(),
        engines=(),
        notifier=notifier,
    )
    notifier.inner = InAppNotifier(core._inbox, clock=racing_clock, reads=core.inbox_reads)
    yield core
    core.close()


def listed(
    core: Spotlight, title: str = "Leather handbag", *, stock: int = 5, seller: Principal = ACME
) -> UUID:
    if core._revenue.find(Seller, Seller.id_for(seller.subject)) is None:
        core.shop.register_seller(seller, name=f"{seller.subject} shop")
    return core.shop.list_product(
        seller,
        title=title,
        description="",
        price=usd(49_99),
        stock=stock,
        category="fashion",
        images=[plain_photo(title)],
    ).id


def published(core: Spotlight, creator: Principal = MIA) -> UUID:
    return (
        CatalogueDriver(core)
        .publish_video(creator, caption="my haul", hashtags=[], category="fashion")
        .id
    )


def auto_tag(core: Spotlight, video_id: UUID, listing_id: UUID, confidence: float = 0.8) -> bool:
    return core.tagging.tag(
        video_id, listing_id, confidence=confidence, evidence={"frame": 7}, by=RECOGNITION
    )


def shown(core: Spotlight, video_id: UUID) -> list[UUID]:
    return [item.listing_id for item in core.tagging.similar_items(video_id).items]


def tag_state(core: Spotlight, video_id: UUID) -> dict[UUID, bool]:
    """Every tag of the video (as its creator sees them): shown or not."""
    creator = Principal(Role.CREATOR, core.cataloguing.video(video_id).creator_id)
    return {t.listing_id: t.shown for t in core.tagging.tags_of(creator, video_id).tags}


def messages(core: Spotlight, recipient: str = "mia") -> list[Notice]:
    return core.notifier.inbox(recipient)


def test_a_tag_is_shown_once_the_creator_was_told(shop: Spotlight, notifier: FlakyNotifier) -> None:
    listing_id, video_id = listed(shop), published(shop)

    assert auto_tag(shop, video_id, listing_id)

    assert tag_state(shop, video_id) == {listing_id: True}
    assert shown(shop, video_id) == [listing_id]
    (notice,) = messages(shop)
    assert "Leather handbag" in notice.body
    assert str(video_id) in notice.body
    assert notifier.attempts == [f"product-tag:{video_id}:{listing_id}"]
    assert shop.tagging.deliver_pending_notices() == 0


def test_a_tag_stays_hidden_while_the_notifier_fails_and_is_shown_by_a_later_delivery(
    shop: Spotlight, notifier: FlakyNotifier
) -> None:
    listing_id, video_id = listed(shop), published(shop)
    shop.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
    notifier.failures = 2

    assert auto_tag(shop, video_id, listing_id)  # recorded, but hidden

    assert tag_state(shop, video_id) == {listing_id: False}
    assert shown(shop, video_id) == []
    assert messages(shop) == []
    with pytest.raises(NotAttributable):
        shop.shop.place_order(
            VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
        )

    assert shop.tagging.deliver_pending_notices() == 0  # the notifier fails once more
    assert tag_state(shop, video_id) == {listing_id: False}

    assert shop.tagging.deliver_pending_notices() == 1
    assert tag_state(shop, video_id) == {listing_id: True}
    assert shown(shop, video_id) == [listing_id]
    assert len(messages(shop)) == 1
    assert shop.tagging.deliver_pending_notices() == 0
    assert len(messages(shop)) == 1
    assert len(notifier.attempts) == 3
    order = shop.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )
    assert order.affiliate_creator == "mia"


def test_a_notice_whose_answer_was_lost_is_delivered_once_however_often_it_is_retried(
    shop: Spotlight, notifier: FlakyNotifier
) -> None:
    listing_id, video_id = listed(shop), published(shop)
    notifier.failures, notifier.answer_lost = 3, True

    auto_tag(shop, video_id, listing_id)
    for _ in range(2):
        assert shop.tagging.deliver_pending_notices() == 0

    assert tag_state(shop, video_id) == {listing_id: False}
    assert len(messages(shop)) == 1  # it went out the first time
    assert shop.tagging.deliver_pending_notices() == 1
    assert tag_state(shop, video_id) == {listing_id: True}
    assert len(notifier.attempts) == 4
    assert len(messages(shop)) == 1
    assert shop._inbox.recorder.max_notification_id() == 1


def test_a_notice_recorded_too_late_for_a_race_is_recorded_by_the_next_delivery(
    shop: Spotlight, notifier: FlakyNotifier, racing_clock: InterleavingClock
) -> None:
    listing_id, video_id = listed(shop), published(shop)
    shop.tagging.set_video_auto_tags(MIA, video_id, on=False)
    # Between the notice and its record, the creator turns automatic tags back on: the
    # record loses the race on the video's tags.
    notifier.after_delivery.append(
        lambda: racing_clock.before_next_reading(
            lambda: shop.tagging.set_video_auto_tags(MIA, video_id, on=True)
        )
    )

    shop.tagging.manual_tag(ROSA, video_id, listing_id)

    assert tag_state(shop, video_id) == {listing_id: False}
    assert not shop.tagging.tags_of(MIA, video_id).opted_out
    assert len(messages(shop)) == 1
    assert shop.tagging.deliver_pending_notices() == 1
    assert tag_state(shop, video_id) == {listing_id: True}
    assert len(messages(shop)) == 1


def test_pending_notices_reach_every_creator_once_per_tag(
    shop: Spotlight, notifier: FlakyNotifier
) -> None:
    bag, belt = listed(shop, "Leather handbag"), listed(shop, "Leather belt")
    mias, leos = published(shop, MIA), published(shop, LEO)
    notifier.failures = 4
    for video_id in (mias, leos):
        for listing_id in (bag, belt):
            assert auto_tag(shop, video_id, listing_id)

    assert shop.tagging.deliver_pending_notices() == 4
    assert shop.tagging.deliver_pending_notices() == 0

    assert tag_state(shop, mias) == tag_state(shop, leos) == {bag: True, belt: True}
    for creator, video_id in (("mia", mias), ("leo", leos)):
        bodies = sorted(notice.body for notice in messages(shop, creator))
        assert len(bodies) == 2
        assert all(str(video_id) in body for body in bodies)


def test_a_tag_removed_before_its_notice_is_never_shown_nor_announced(
    shop: Spotlight, notifier: FlakyNotifier
) -> None:
    listing_id, video_id = listed(shop), published(shop)
    notifier.failures = 1
    auto_tag(shop, video_id, listing_id)

    shop.tagging.remove_tag(MIA, video_id, listing_id, reason="not my bag")

    assert shop.tagging.deliver_pending_notices() == 0
    assert messages(shop) == []
    assert tag_state(shop, video_id) == {}
    assert shop.tagging.tags_of(MIA, video_id).removed == (listing_id,)


def test_a_removed_tag_never_comes_back_automatically_or_by_hand(shop: Spotlight) -> None:
    listing_id, video_id = listed(shop), published(shop)
    auto_tag(shop, video_id, listing_id)
    shop.tagging.remove_tag(MIA, video_id, listing_id, reason="not my bag")
    before = shop._revenue.recorder.max_notification_id()

    assert not auto_tag(shop, video_id, listing_id)
    with pytest.raises(TagRefused, match="removed"):
        shop.tagging.manual_tag(ROSA, video_id, listing_id)

    view = shop.tagging.tags_of(MIA, video_id)
    assert view.tags == ()
    assert view.removed == (listing_id,)
    assert shop._revenue.recorder.max_notification_id() == before
    assert shown(shop, video_id) == []
    assert len(messages(shop)) == 1  # the first notice only


def test_a_video_opted_out_gets_no_automatic_tags_but_a_reviewers_tag(shop: Spotlight) -> None:
    bag, belt, hat = listed(shop, "bag"), listed(shop, "belt"), listed(shop, "hat")
    video_id, other_video = published(shop), published(shop)
    assert shop.tagging.set_video_auto_tags(MIA, video_id, on=False).opted_out

    assert not auto_tag(shop, video_id, bag)
    assert auto_tag(shop, other_video, bag)  # only that video opted out
    view = shop.tagging.manual_tag(ROSA, video_id, belt)
    assert [(t.listing_id, t.shown, t.added_by) for t in view.tags] == [
        (belt, True, "reviewer:rosa")
    ]

    shop.tagging.set_video_auto_tags(MIA, video_id, on=True)
    assert auto_tag(shop, video_id, hat)
    assert set(tag_state(shop, video_id)) == {belt, hat}


def test_a_creator_opted_out_gets_no_automatic_tags_on_any_video(shop: Spotlight) -> None:
    bag, belt = listed(shop, "bag"), listed(shop, "belt")
    first, second = published(shop), published(shop)
    leos = published(shop, LEO)
    shop.tagging.set_preferences(MIA, auto_tags=False, affiliate=False)

    assert not auto_tag(shop, first, bag)
    assert not auto_tag(shop, second, bag)
    assert auto_tag(shop, leos, bag)  # Leo did not opt out
    shop.tagging.manual_tag(OPS, second, belt)

    assert tag_state(shop, first) == {}
    assert tag_state(shop, second) == {belt: True}
    shop.tagging.set_preferences(MIA, auto_tags=True, affiliate=False)
    assert auto_tag(shop, first, bag)


def test_a_creator_reads_their_own_shop_preferences_and_no_one_else_does(
    shop: Spotlight,
) -> None:
    assert shop.tagging.preferences(MIA) is None  # none set: the defaults hold

    shop.tagging.set_preferences(MIA, auto_tags=False, affiliate=True)

    mine = shop.tagging.preferences(MIA)
    assert mine is not None
    assert (mine.creator, mine.auto_tags, mine.affiliate) == ("mia", False, True)
    assert shop.tagging.preferences(LEO) is None
    for actor in (OPS, ROSA, VIC):
        with pytest.raises(NotPermitted):
            shop.tagging.preferences(actor)


def test_a_video_carries_at_most_twenty_tags(shop: Spotlight) -> None:
    listings = [listed(shop, f"item {n}") for n in range(MAX_TAGS + 2)]
    video_id = published(shop)
    for listing_id in listings[:MAX_TAGS]:
        assert auto_tag(shop, video_id, listing_id)

    assert not auto_tag(shop, video_id, listings[MAX_TAGS])
    with pytest.raises(TagRefused, match=str(MAX_TAGS)):
        shop.tagging.manual_tag(ROSA, video_id, listings[MAX_TAGS])

    assert set(tag_state(shop, video_id)) == set(listings[:MAX_TAGS])
    page = shop.tagging.similar_items(video_id, limit=15)
    rest = shop.tagging.similar_items(video_id, cursor=page.next_cursor, limit=15)
    assert (len(page.items), len(rest.items), rest.next_cursor) == (15, 5, None)
    assert {i.listing_id for i in page.items + rest.items} == set(listings[:MAX_TAGS])


def test_similar_items_page_by_confidence_at_any_size_on_the_videos_own_cursor(
    shop: Spotlight,
) -> None:
    listings = [listed(shop, f"item {n}") for n in range(7)]
    video_id, other = published(shop), published(shop)
    # Two pairs share a confidence: ties are ranked by listing id.
    for listing_id, confidence in zip(listings, (0.9, 0.5, 0.5, 0.7, 0.3, 0.7, 0.8), strict=True):
        assert auto_tag(shop, video_id, listing_id, confidence)
    auto_tag(shop, other, listings[0])
    whole = shop.tagging.similar_items(video_id).items

    assert [i.confidence for i in whole] == sorted((i.confidence for i in whole), reverse=True)
    for limit in (1, 2, 3, 6):
        assert every_page(partial(shop.tagging.similar_items, video_id, limit=limit)) == list(whole)
    cursor = shop.tagging.similar_items(video_id, limit=1).next_cursor
    with pytest.raises(InvalidValue, match="another similar items"):
        shop.tagging.similar_items(other, cursor=cursor)


def test_a_listing_not_on_sale_is_not_tagged(shop: Spotlight) -> None:
    listing_id, video_id = listed(shop), published(shop)
    shop.shop.delist(ACME, listing_id, reason="discontinued")
    before = shop._revenue.recorder.max_notification_id()

    assert not auto_tag(shop, video_id, listing_id)
    with pytest.raises(TagRefused, match="not on sale"):
        shop.tagging.manual_tag(ROSA, video_id, listing_id)

    assert shop._revenue.recorder.max_notification_id() == before
    assert messages(shop) == []


def test_a_reviewer_tagging_again_changes_nothing(shop: Spotlight) -> None:
    listing_id, video_id = listed(shop), published(shop)
    first = shop.tagging.manual_tag(ROSA, video_id, listing_id)
    before = shop._revenue.recorder.max_notification_id()

    again = shop.tagging.manual_tag(OPS, video_id, listing_id)

    assert again == first
    assert shop._revenue.recorder.max_notification_id() == before
    assert len(messages(shop)) == 1


def test_similar_items_are_what_viewers_can_buy_most_confident_first(shop: Spotlight) -> None:
    names = ("bag", "belt", "hat", "scarf", "gloves", "boots")
    bag, belt, hat, scarf, gloves, boots = (listed(shop, name, stock=1) for name in names)
    video_id = published(shop)
    for listing_id, confidence in (
        (bag, 0.5),
        (belt, 0.9),
        (hat, 0.7),
        (scarf, 0.95),
        (gloves, 0.99),
        (boots, 0.6),
    ):
        assert auto_tag(shop, video_id, listing_id, confidence)
    assert shown(shop, video_id) == [gloves, scarf, belt, hat, boots, bag]

    shop.shop.delist(ACME, gloves, reason="discontinued")
    scarf_report = shop.reports.file(VIC, scarf, reason="fake")
    shop.reports.decide(ROSA, scarf_report.id, uphold=True, reason="counterfeit")
    shop.shop.place_order(VIC, listing_id=hat, quantity=1, order_key="k-1")

    items, cursor = attrs.astuple(shop.tagging.similar_items(video_id), recurse=False)
    assert [i.listing_id for i in items] == [belt, boots, bag]
    assert cursor is None
    assert [(i.title, i.confidence, i.seller, i.price) for i in items] == [
        ("belt", 0.9, "acme", usd(49_99)),
        ("boots", 0.6, "acme", usd(49_99)),
        ("bag", 0.5, "acme", usd(49_99)),
    ]
    shop.shop.restock(ACME, hat, 2)
    assert shown(shop, video_id) == [belt, hat, boots, bag]


def test_similar_items_leave_out_a_suspended_sellers_listings(shop: Spotlight) -> None:
    bolt = Principal(Role.SELLER, "bolt")
    acmes, bolts = listed(shop, "bag"), listed(shop, "drill", seller=bolt)
    video_id = published(shop)
    auto_tag(shop, video_id, acmes, 0.5)
    auto_tag(shop, video_id, bolts, 0.9)
    assert shown(shop, video_id) == [bolts, acmes]

    for n in range(STRIKES_TO_SUSPEND):
        fake = listed(shop, f"fake {n}", seller=bolt)
        report = shop.reports.file(VIC, fake, reason="fake")
        shop.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")

    assert shop.shop.seller("bolt").suspended
    assert shown(shop, video_id) == [acmes]


def test_a_videos_tags_are_the_creators_to_manage(shop: Spotlight) -> None:
    listing_id, video_id = listed(shop), published(shop)
    auto_tag(shop, video_id, listing_id)

    for actor in (LEO, VIC, ACME):
        with pytest.raises(NotPermitted):
            shop.tagging.remove_tag(actor, video_id, listing_id, reason="mine")
        with pytest.raises(NotPermitted):
            shop.tagging.set_video_auto_tags(actor, video_id, on=False)
        with pytest.raises(NotPermitted):
            shop.tagging.tags_of(actor, video_id)
    for actor in (MIA, LEO, ACME, VIC):
        with pytest.raises(NotPermitted):
            shop.tagging.manual_tag(actor, video_id, listing_id)
    with pytest.raises(NotPermitted):
        shop.tagging.set_preferences(OPS, auto_tags=False, affiliate=False)

    assert tag_state(shop, video_id) == {listing_id: True}
    assert shop.tagging.tags_of(ROSA, video_id).tags[0].listing_id == listing_id
    assert shop.tagging.remove_tag(OPS, video_id, listing_id, reason="policy").tags == ()
