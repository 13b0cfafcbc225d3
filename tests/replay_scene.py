"""A small platform for the replay tests: a scene set through the application services (titles,
videos, anchors, audience, creators and Pulse, a campaign billed, a shop with orders, a
season whose round is open for ballots), and commands a test can apply to it in any order.

Commands are what users do; a command the domain refuses is simply refused (nothing is
recorded), as it would be for a user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

import attrs

from application.auth import Principal, Role
from application.errors import ApplicationError
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.errors import DomainError
from domain.money import Money
from domain.music.artists import Artist
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.photos import plain_photo

ADMIN = Principal(Role.ADMIN, "ops")
AD_SERVER = Principal(Role.ADMIN, "ad-server")
BRAND = Principal(Role.BRAND, "fizz")
STUDIO = Principal(Role.STUDIO, "legendary")
CREATORS = ("mia", "leo", "ana")
SELLERS = ("acme", "bolt")
BUYERS = (Principal(Role.VIEWER, "sol"), Principal(Role.VIEWER, "eun"))
VOTERS = tuple(Principal(Role.VIEWER, f"voter-{n}") for n in range(6))
ARTISTS = ("aoi", "ren", "yui")
REGION = "US"
CATEGORY = "gaming"


@attrs.define
class Scene:
    titles: list[UUID] = attrs.Factory(list)
    videos: list[UUID] = attrs.Factory(list)
    listings: list[UUID] = attrs.Factory(list)
    tracks: list[UUID] = attrs.Factory(list)
    round_id: UUID | None = None
    campaign_id: UUID | None = None
    brand_campaign: UUID | None = None
    orders: int = 0
    batches: int = 0


def set_scene(core: Spotlight) -> Scene:
    """One of everything, through the services (and the music aggregates directly: no audio
    is decoded in these tests)."""
    scene = Scene()
    now = core.clock.now()
    for account in CREATORS:
        creator = Principal(Role.CREATOR, account)
        core.creators.register(creator, region=REGION)
        core.creators.count_followers(ADMIN, account, 250_000)
        core.pulse.apply(creator)
        core.pulse.decide(ADMIN, account, approve=True, reason="eligible")
    add_title(core, scene, 0)
    for n in range(3):
        publish(core, scene, n)
    anchor(core, scene, 0, 0)
    engagement(core, scene, 0, 5_000)
    scene.campaign_id = (
        core.pulse.launch_campaign(
            BRAND,
            name="Fizz launch",
            category=CATEGORY,
            budget=Money(1_000_000, "USD"),
            cpm=Money(700, "USD"),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=60),
        )
    ).id
    impressions(core, scene, 0, 3_000)
    for account in SELLERS:
        core.shop.register_seller(Principal(Role.SELLER, account), name=account.title())
    list_product(core, scene, 0, 5)
    tag(core, scene, 0, 0)
    order(core, scene, 0, 0, 2)
    book_studio(core)
    set_round(core, scene)
    ballot(core, scene, 0, 0)
    report_video(core, scene, 1, 0)
    declare_sound(core, scene, 2, 0)
    return scene


def set_round(core: Spotlight, scene: Scene) -> None:
    now = core.clock.now()
    music: list[Artist | Track] = []
    for n, account in enumerate(ARTISTS):
        artist = Artist.register(account=account, name=account.title(), region="JP", at=now)
        track = Track.submit(
            uuid4(),
            artist_account=account,
            title=f"Song {n}",
            digest=hashlib.sha256(account.encode()).hexdigest(),
            duration_seconds=120.0,
            at=now,
        )
        track.record_originality((), engine_version="test", at=now)
        track.clear(by="reviewer:rosa", reason="original", at=now)
        music += [artist, track]
        scene.tracks.append(track.id)
    core._music.commit(*music)
    season = core.competition.announce_season(
        ADMIN,
        name="Tokyo Sounds",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge("ren-judge", "Aozora Records")],
        rounds=[
            RoundPlan("Open call", 2, now, now + timedelta(days=7)),
            RoundPlan("Final", 1, now + timedelta(days=8), now + timedelta(days=9)),
        ],
    )
    for account, track_id in zip(ARTISTS, scene.tracks, strict=True):
        core.competition.enter(Principal(Role.ARTIST, account), season.id, track_id)
    scene.round_id = season.round_ids[0]
    core.competition.open_round(ADMIN, scene.round_id)
    # Requests for verification: one granted, one declined, the rest waiting in the queue.
    for account in ARTISTS:
        core.verification.request(Principal(Role.ARTIST, account), note=f"{account}'s channel")
    core.verification.grant(ADMIN, ARTISTS[0])
    core.verification.decline(ADMIN, ARTISTS[1], reason="unconfirmed")


# Commands ------------------------------------------------------------------------------------


def add_title(core: Spotlight, scene: Scene, n: int) -> None:
    view = CatalogueDriver(core).register_title(STUDIO, name=f"Dune {n}", kind=TitleKind.MOVIE)
    scene.titles.append(view.id)


def publish(core: Spotlight, scene: Scene, n: int) -> None:
    creator = Principal(Role.CREATOR, CREATORS[n % len(CREATORS)])
    view = CatalogueDriver(core).publish_video(
        creator, caption=f"clip {n}", hashtags=["#dune", f"#take{n % 3}"], category=CATEGORY
    )
    scene.videos.append(view.id)


def anchor(core: Spotlight, scene: Scene, video: int, title: int) -> None:
    core.cataloguing.attach_anchor(
        ADMIN, scene.videos[video % len(scene.videos)], scene.titles[title % len(scene.titles)]
    )


def revoke(core: Spotlight, scene: Scene, video: int) -> None:
    core.cataloguing.revoke_anchor(ADMIN, scene.videos[video % len(scene.videos)], reason="wrong")


def engagement(core: Spotlight, scene: Scene, video: int, views: int) -> None:
    video_id = scene.videos[video % len(scene.videos)]
    added = Engagement(views=views, likes=views // 10, shares=views // 100, comments=3)
    core.audience.record_engagement(ADMIN, f"batch-{uuid4()}", [(video_id, added)])


def clicks(core: Spotlight, scene: Scene, video: int) -> None:
    core.audience.record_clicks(
        BUYERS[0],
        f"clicks-{uuid4()}",
        [(scene.videos[video % len(scene.videos)], ClickTarget.TICKETS)],
    )


def followers(core: Spotlight, _scene: Scene, creator: int, count: int) -> None:
    core.creators.count_followers(ADMIN, CREATORS[creator % len(CREATORS)], count)


def impressions(core: Spotlight, scene: Scene, video: int, count: int) -> None:
    assert scene.campaign_id is not None
    scene.batches += 1
    core.pulse.record_impressions(
        AD_SERVER,
        batch_key=f"impressions-{scene.batches}",
        campaign_id=scene.campaign_id,
        placements=[(scene.videos[video % len(scene.videos)], count)],
    )


def list_product(core: Spotlight, scene: Scene, seller: int, stock: int) -> None:
    account = SELLERS[seller % len(SELLERS)]
    view = core.shop.list_product(
        Principal(Role.SELLER, account),
        title=f"Sand walker boots {len(scene.listings)}",
        description="Boots for long walks on dunes",
        price=Money(4_500, "USD"),
        stock=stock,
        category="fashion",
        images=[plain_photo(f"listing {len(scene.listings)}")],
    )
    scene.listings.append(view.id)


def restock(core: Spotlight, scene: Scene, listing: int, added: int) -> None:
    listing_id = scene.listings[listing % len(scene.listings)]
    seller = core.shop.listing(listing_id).seller
    core.shop.restock(Principal(Role.SELLER, seller), listing_id, added)


def order(core: Spotlight, scene: Scene, listing: int, buyer: int, quantity: int) -> None:
    scene.orders += 1
    core.shop.place_order(
        BUYERS[buyer % len(BUYERS)],
        listing_id=scene.listings[listing % len(scene.listings)],
        quantity=quantity,
        order_key=f"order-{scene.orders}",
    )


def book_studio(core: Spotlight) -> None:
    """A live-stream studio opened, and one of its slots booked for tomorrow."""
    studio = core.studios.open_studio(
        ADMIN,
        city="Paris",
        name="Live Loft",
        rooms=["A", "B"],
        opens_hour=9,
        closes_hour=21,
        price=Money(150_00, "USD"),
    )
    tomorrow = (core.clock.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    core.studios.book(
        ADMIN, studio.id, room="A", starts_at=tomorrow.replace(microsecond=0), creator=CREATORS[0]
    )


def tag(core: Spotlight, scene: Scene, video: int, listing: int) -> None:
    core.tagging.manual_tag(
        ADMIN,
        scene.videos[video % len(scene.videos)],
        scene.listings[listing % len(scene.listings)],
    )


def ballot(core: Spotlight, scene: Scene, voter: int, track: int) -> None:
    assert scene.round_id is not None
    core.competition.cast_ballot(
        VOTERS[voter % len(VOTERS)], scene.round_id, scene.tracks[track % len(scene.tracks)]
    )


def declare_sound(core: Spotlight, scene: Scene, video: int, track: int) -> None:
    """A video's creator declares a cleared track (no media here: it stays unchecked)."""
    video_id = scene.videos[video % len(scene.videos)]
    creator = core.cataloguing.video(video_id).creator_id
    core.sounds.declare(
        Principal(Role.CREATOR, creator), video_id, scene.tracks[track % len(scene.tracks)]
    )


def close_round(core: Spotlight, scene: Scene) -> None:
    assert scene.round_id is not None
    core.competition.close_round(ADMIN, scene.round_id, reason="ahead of the plan")


# Business and moderation ------------------------------------------------------------------

REVIEWER = Principal(Role.REVIEWER, "rita")
BANDS = ("18+", "16-17", "13-15", "18+")
DECISIONS = ("clear", "age-restricted", "removed")


def age_band(core: Spotlight, _scene: Scene, creator: int, band: int) -> None:
    account = CREATORS[creator % len(CREATORS)]
    core.moderation.record_age_band(
        ADMIN, account, BANDS[band % len(BANDS)], reason="age checked against an ID"
    )


def moderate(core: Spotlight, scene: Scene, video: int, decision: int) -> None:
    core.moderation.decide(
        REVIEWER,
        scene.videos[video % len(scene.videos)],
        DECISIONS[decision % len(DECISIONS)],
        reason="checked",
        policy="guidelines/1",
    )


OUTCOMES = ("dismiss", "age-restrict", "remove")


def report_video(core: Spotlight, scene: Scene, video: int, reporter: int) -> None:
    core.video_reports.report(
        VOTERS[reporter % len(VOTERS)], scene.videos[video % len(scene.videos)], reason="spam"
    )


def decide_report(core: Spotlight, _scene: Scene, decision: int, appeal: int) -> None:
    """The oldest open report decided; an upheld one appealed, and the appeal decided when
    ``appeal`` is odd."""
    queued = core.video_reports.queue(REVIEWER, limit=1).items
    if not queued:
        return
    decided = core.video_reports.decide(
        REVIEWER, queued[0].id, OUTCOMES[decision % len(OUTCOMES)], reason="checked"
    )
    if decided.outcome == "dismiss":
        return
    creator = Principal(Role.CREATOR, decided.creator)
    core.video_reports.appeal(creator, decided.id, text="please look again")
    if appeal % 2:
        core.video_reports.decide_appeal(REVIEWER, decided.id, "uphold", reason="it stands")


def invite(core: Spotlight, scene: Scene, creator: int, fee: int) -> None:
    """A brand campaign (launched on first use) invites a creator, who accepts at once."""
    today = core.clock.now().date()
    if scene.brand_campaign is None:
        scene.brand_campaign = core.campaigns.launch(
            BRAND,
            name="Fizz creators",
            objective="engagement",
            budget=Money(300_000, "USD"),
            starts_on=today,
            ends_on=today + timedelta(days=30),
            categories=[CATEGORY],
            regions=[REGION],
            kpis=[KpiTarget(Kpi.VIEWS, 10_000)],
            hashtag="#dune",
        ).id
    sent = core.campaigns.invite(
        BRAND,
        scene.brand_campaign,
        creator=CREATORS[creator % len(CREATORS)],
        terms=Terms(Money(fee, "USD"), "a video", today + timedelta(days=10)),
    )
    core.campaigns.accept(Principal(Role.CREATOR, sent.creator), sent.id)


def call_to_action(core: Spotlight, scene: Scene, video: int) -> None:
    core.audience.record_call_to_action_clicks(
        BUYERS[1], f"cta-{uuid4()}", [scene.videos[video % len(scene.videos)]]
    )


Command = Callable[..., None]


def attempt(command: Command, core: Spotlight, scene: Scene, *arguments: int) -> bool:
    """Apply a command; a refusal by the domain or the application is no failure."""
    try:
        command(core, scene, *arguments)
    except (DomainError, ApplicationError):
        return False
    return True
