"""The demo's data set, made through the same use cases as every client (no event is forged).

Four weeks of a small platform, dated backwards from the moment the demo runs: three titles
with portals and reference sound, fans' clips cut from those references (attached by their
sound) and clips that only name a title in their hashtags (sent to review), engagement and
clicks day by day, artists with tracks and a season with ballots and judges' scores, a shop
with orders, a Pulse campaign and a business campaign with invitations. Each person has a
built-in account with the demo's password, so the web pages can be signed in to as anyone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from uuid import UUID

import attrs

from application.anchors.anchoring import PublishedVideo
from application.auth import Principal, Role
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import TitleKind
from domain.business.campaigns import KpiTarget, Objective
from domain.business.invitations import Terms
from domain.money import Money
from domain.music.rounds import Judge, Prize
from domain.music.seasons import RoundPlan
from entrypoints.bootstrap import Spotlight
from entrypoints.demo.media import Samples, excerpt, melody, product_picture, wav

DAYS = 28
OPERATOR = Principal(Role.ADMIN, "demo-operator")


@attrs.define
class DemoClock:
    """The demo's time: it starts four weeks ago and is moved on as the story goes."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@attrs.frozen
class Person:
    name: str
    role: Role
    #: What the person does in the demo, shown next to the account.
    part: str

    @property
    def principal(self) -> Principal:
        return Principal(self.role, self.name)


STUDIO = Person("legendary-pictures", Role.STUDIO, "a studio with three titles")
REVIEWER = Person("rita-reviews", Role.REVIEWER, "works the anchor and track queues")
JUDGE = Person("jo-judges", Role.JUDGE, "scores the season for Aozora Records")
BRAND = Person("glow-cosmetics", Role.BRAND, "runs a business and a Pulse campaign")
SELLER = Person("retro-goods", Role.SELLER, "sells in the shop")
AUDITOR = Person("audrey-audits", Role.AUDITOR, "verifies the logs")
ADMIN = Person("ada-admin", Role.ADMIN, "decides Pulse applications, closes rounds")
CREATORS = tuple(
    Person(name, Role.CREATOR, "posts fan clips")
    for name in ("ana-films", "bo-edits", "cy-reacts", "dee-dances", "eli-vlogs")
)
ARTISTS = tuple(
    Person(name, Role.ARTIST, "submits an original track")
    for name in ("mika-sound", "noor-beats", "oli-strings", "pia-voice", "quinn-synth")
)
VIEWERS = tuple(Person(f"viewer-{n}", Role.VIEWER, "votes and buys") for n in range(1, 13))
PEOPLE = (STUDIO, REVIEWER, JUDGE, BRAND, SELLER, AUDITOR, ADMIN, *CREATORS, *ARTISTS, *VIEWERS)


@attrs.frozen
class TitlePlan:
    name: str
    kind: TitleKind
    hashtag: str
    keywords: tuple[str, ...]
    seed: int


TITLES = (
    TitlePlan("Dune: Part Two", TitleKind.MOVIE, "#dune", ("arrakis", "sandworm"), 11),
    TitlePlan(
        "The Lighthouse Keepers", TitleKind.SHOW, "#lighthousekeepers", ("lighthouse", "keeper"), 12
    ),
    TitlePlan("Midnight Orchard", TitleKind.MOVIE, "#midnightorchard", ("orchard",), 13),
)


@attrs.frozen
class DemoReport:
    password: str
    people: tuple[Person, ...]
    titles: int
    videos: int
    anchored: int
    in_review: int
    tracks: int
    ballots: int
    listings: int
    orders: int
    invitations: int

    def counts(self) -> dict[str, int]:
        return {
            "titles": self.titles,
            "videos": self.videos,
            "anchored": self.anchored,
            "in_review": self.in_review,
            "tracks": self.tracks,
            "ballots": self.ballots,
            "listings": self.listings,
            "orders": self.orders,
            "invitations": self.invitations,
        }

    def lines(self) -> list[str]:
        return [
            f"{self.titles} titles, {self.videos} fan videos ({self.anchored} anchored, by their "
            f"sound or a reviewer; {self.in_review} waiting for review), {self.tracks} tracks, "
            f"{self.ballots} ballots, {self.listings} listings, {self.orders} orders, "
            f"{self.invitations} campaign invitations.",
            f"Sign in as any of these with the password {self.password!r}:",
            *(f"  {p.name:<20} {p.role.value:<9} {p.part}" for p in self.people),
        ]


def load_demo(
    core: Spotlight,
    clock: DemoClock,
    *,
    password: str,
    progress: Callable[[str], None] = lambda _message: None,
) -> DemoReport:
    """Tell four weeks of the platform's story into an empty store, through its use cases."""
    rng = random.Random(2027)  # noqa: S311 - a story told the same way each time, no secret
    start = clock.at
    progress("accounts")
    for person in PEOPLE:
        _account(core, person, password)

    progress("titles and fan videos")
    titles, references = _titles(core)
    videos: list[tuple[UUID, str]] = []
    anchored: list[UUID] = []
    in_review: list[tuple[UUID, UUID]] = []
    for day in range(DAYS):
        clock.at = start + timedelta(days=day, hours=rng.randrange(8, 20))
        for creator in rng.sample(CREATORS, 2):
            posted = _fan_video(core, creator, titles, references, rng)
            videos.append((posted.video.id, creator.name))
            for title_id, decision in posted.decisions.items():
                if decision.value == "attach":
                    anchored.append(posted.video.id)
                else:
                    in_review.append((posted.video.id, title_id))
        _audience(core, day, [video for video, _creator in videos], anchored, rng)

    progress("reviews")
    clock.at = start + timedelta(days=DAYS - 1, hours=21)
    for video_id, title_id in in_review[: len(in_review) // 2]:
        core.anchoring.decide(
            REVIEWER.principal,
            video_id,
            title_id,
            attach=True,
            reason="the clip shows the title's scenes",
        )
    waiting = len(in_review) - len(in_review) // 2

    progress("music")
    clock.at = start
    tracks, ballots = _music(core, clock, start, rng)

    progress("shop")
    clock.at = start + timedelta(days=2)
    listings, orders = _shop(core, clock, rng)

    progress("business and Pulse")
    invitations = _business(core, clock, start, videos)
    _pulse(core, clock, start, videos)
    clock.at = start + timedelta(days=DAYS)
    return DemoReport(
        password=password,
        people=PEOPLE,
        titles=len(titles),
        videos=len(videos),
        anchored=len(anchored) + len(in_review) // 2,
        in_review=waiting,
        tracks=tracks,
        ballots=ballots,
        listings=listings,
        orders=orders,
        invitations=invitations,
    )


def _account(core: Spotlight, person: Person, password: str) -> None:
    if person.role in (Role.ADMIN, Role.REVIEWER, Role.JUDGE, Role.AUDITOR):
        # Powerful roles are granted by an admin, never chosen at sign-up.
        core.accounts.sign_up(person.name, password, Role.VIEWER)
        core.accounts.grant(OPERATOR, person.name, person.role, reason="the demo's staff")
    else:
        core.accounts.sign_up(person.name, password, person.role)
    if person.role is Role.CREATOR:
        core.creators.register(person.principal, region="US")
        followers = 40_000 + 60_000 * CREATORS.index(person)
        core.creators.count_followers(OPERATOR, person.name, followers)


def _titles(core: Spotlight) -> tuple[list[UUID], dict[UUID, Samples]]:
    studio = STUDIO.principal
    titles: list[UUID] = []
    references: dict[UUID, Samples] = {}
    for plan in TITLES:
        slug = plan.hashtag.removeprefix("#")
        portal = Portal(
            tickets=[Link("Tickets", f"https://tickets.example/{slug}")],
            streaming=[Link("Stream it", f"https://stream.example/{slug}")],
            cast=[
                CastMember("Ana Lima", "Lead", "Ana grew up by the sea and trained in Lisbon."),
                CastMember("Sam Okafor", "The rival", "Sam's third feature role."),
            ],
            official=[Link("Official site", f"https://{slug}.example")],
        )
        title = core.anchoring.register_title(studio, name=plan.name, kind=plan.kind, portal=portal)
        core.anchoring.set_match_words(
            studio, title.id, hashtags=[plan.hashtag], keywords=list(plan.keywords)
        )
        sound = melody(plan.seed, 40)
        core.anchoring.add_reference(studio, title.id, label="Official trailer", media=wav(sound))
        titles.append(title.id)
        references[title.id] = sound
    return titles, references


def _fan_video(
    core: Spotlight,
    creator: Person,
    titles: list[UUID],
    references: dict[UUID, Samples],
    rng: random.Random,
) -> PublishedVideo:
    which = rng.randrange(len(TITLES))
    plan, title_id = TITLES[which], titles[which]
    kind = rng.random()
    if kind < 0.6:  # a cut of the trailer's sound: matched by audio
        media = wav(excerpt(references[title_id], rng.uniform(0, 30), 8, rng.randrange(10**6)))
        return core.anchoring.publish_video(
            creator.principal,
            caption=f"my favourite scene of {plan.name}",
            hashtags=["#fyp", "#movies"],
            category="film-and-tv",
            media=media,
        )
    if kind < 0.8:  # names the title, shows something else: the policy sends it to review
        return core.anchoring.publish_video(
            creator.principal,
            caption=f"theory: what the {plan.keywords[0]} means",
            hashtags=[plan.hashtag, "#fyp"],
            category="film-and-tv",
        )
    return core.anchoring.publish_video(  # nothing to do with any title
        creator.principal,
        caption="morning routine",
        hashtags=["#routine"],
        category="travel",
        media=wav(melody(10_000 + rng.randrange(10**6), 8)),
    )


def _audience(
    core: Spotlight, day: int, videos: list[UUID], anchored: list[UUID], rng: random.Random
) -> None:
    counts = [
        (
            video,
            Engagement(
                views=(views := rng.randrange(200, 5_000)),
                likes=views // rng.randrange(8, 20),
                shares=views // rng.randrange(60, 200),
                comments=views // rng.randrange(40, 120),
            ),
        )
        for video in videos
    ]
    core.audience.record_engagement(OPERATOR, f"demo-day-{day}", counts)
    for n, viewer in enumerate(VIEWERS):
        if not anchored or rng.random() < 0.4:
            continue
        clicks = [
            (rng.choice(anchored), rng.choice(list(ClickTarget)))
            for _ in range(rng.randrange(1, 4))
        ]
        core.audience.record_clicks(viewer.principal, f"demo-day-{day}-{n}", clicks)


def _music(
    core: Spotlight, clock: DemoClock, start: datetime, rng: random.Random
) -> tuple[int, int]:
    reviewer = REVIEWER.principal
    tracks: list[tuple[Person, UUID]] = []
    for n, artist in enumerate(ARTISTS):
        core.discovery.register_artist(
            artist.principal,
            name=artist.name.replace("-", " ").title(),
            region="US",
            bio="Writes and records at home.",
        )
        clock.at += timedelta(hours=3)
        track = core.discovery.submit_track(
            artist.principal, title=f"Song number {n + 1}", media=wav(melody(500 + n, 20))
        )
        core.discovery.clear_track(reviewer, track.id, reason="original and well mixed")
        tracks.append((artist, track.id))
    core.discovery.verify_artist(ADMIN.principal, ARTISTS[0].name)
    admin = ADMIN.principal
    season = core.competition.announce_season(
        admin,
        name="Spring Sounds",
        region="US",
        partners=["Aozora Records"],
        judges=[Judge(JUDGE.name, "Aozora Records")],
        rounds=[
            RoundPlan("Top 100", 100, start + timedelta(days=1), start + timedelta(days=60)),
            RoundPlan("Top 18", 18, start + timedelta(days=61), start + timedelta(days=80)),
            RoundPlan("Final", 5, start + timedelta(days=81), start + timedelta(days=90)),
        ],
        prizes=[Prize(1, "A single released by Aozora Records")],
    )
    first = season.round_ids[0]
    for artist, track_id in tracks:
        core.competition.enter(artist.principal, season.id, track_id)
    clock.at = start + timedelta(days=1)
    core.competition.open_round(admin, first)
    ballots = 0
    for n, viewer in enumerate(VIEWERS):
        clock.at = start + timedelta(days=2 + n)
        _artist, track_id = rng.choice(tracks)
        core.competition.cast_ballot(viewer.principal, first, track_id, idempotency_key=f"demo-{n}")
        ballots += 1
    for n, (_artist, track_id) in enumerate(tracks):
        core.competition.give_score(JUDGE.principal, first, track_id, 5 + (3 * n) % 6)
    return len(tracks), ballots


def _shop(core: Spotlight, clock: DemoClock, rng: random.Random) -> tuple[int, int]:
    seller = SELLER.principal
    core.shop.register_seller(seller, name="Retro Goods")
    products = (
        ("Desert scarf", "A light scarf in sand colours.", 2_400, "fashion"),
        ("Lighthouse lamp", "A desk lamp shaped like a lighthouse.", 4_900, "film-and-tv"),
        ("Orchard tote", "A canvas bag with an apple print.", 1_800, "fashion"),
        ("Synth keychain", "A tiny keyboard that lights up.", 900, "music"),
    )
    listings: list[UUID] = []
    for n, (title, description, cents, category) in enumerate(products):
        listing = core.shop.list_product(
            seller,
            title=title,
            description=description,
            price=Money(cents, "USD"),
            stock=50,
            category=category,
            images=[product_picture(700 + n)],
        )
        listings.append(listing.id)
    orders = 0
    for n, viewer in enumerate(VIEWERS[:8]):
        clock.at += timedelta(days=2)
        core.shop.place_order(
            viewer.principal,
            listing_id=rng.choice(listings),
            quantity=1 + n % 2,
            order_key=f"demo-order-{n}",
        )
        orders += 1
    return len(listings), orders


def _business(
    core: Spotlight, clock: DemoClock, start: datetime, videos: list[tuple[UUID, str]]
) -> int:
    brand = BRAND.principal
    clock.at = start
    campaign = core.campaigns.launch(
        brand,
        name="Glow up spring",
        objective=Objective.AWARENESS,
        budget=Money(500_000, "USD"),
        starts_on=date(start.year, start.month, start.day),
        ends_on=(start + timedelta(days=60)).date(),
        categories=["film-and-tv", "beauty"],
        regions=["US"],
        kpis=[KpiTarget("views", 50_000)],
        hashtag="#glowup",
    )
    invited = 0
    for n, creator in enumerate(CREATORS[:3]):
        terms = Terms(
            fee=Money(25_000 + 5_000 * n, "USD"),
            deliverables="One 30-second clip with #glowup",
            deadline=(start + timedelta(days=45)).date(),
        )
        invitation = core.campaigns.invite(brand, campaign.id, creator=creator.name, terms=terms)
        invited += 1
        if n == 0:
            core.campaigns.accept(creator.principal, invitation.id)
            clock.at = start + timedelta(days=5)
            clip = core.anchoring.publish_video(
                creator.principal,
                caption="my spring glow routine",
                hashtags=["#glowup"],
                category="beauty",
            )
            core.campaigns.link_video(creator.principal, campaign.id, clip.video.id)
            core.campaigns.deliver(creator.principal, invitation.id, clip.video.id)
            core.campaigns.approve_delivery(brand, invitation.id)
            core.audience.record_engagement(
                OPERATOR,
                "demo-glowup",
                [(clip.video.id, Engagement(views=18_000, likes=2_100, shares=340, comments=90))],
            )
        elif n == 1:
            core.campaigns.decline(creator.principal, invitation.id, reason="booked that month")
    return invited


def _pulse(
    core: Spotlight, clock: DemoClock, start: datetime, videos: list[tuple[UUID, str]]
) -> None:
    """Creators past 100,000 followers enrol; the brand's ads run beside the top videos."""
    clock.at = start + timedelta(days=3)
    enrolled = set()
    for creator in CREATORS[2:]:
        core.pulse.apply(creator.principal)
        core.pulse.decide(ADMIN.principal, creator.name, approve=True, reason="meets the rules")
        enrolled.add(creator.name)
    campaign = core.pulse.launch_campaign(
        BRAND.principal,
        name="Glow in film",
        category="film-and-tv",
        budget=Money(200_000, "USD"),
        cpm=Money(800, "USD"),
        starts_at=start + timedelta(days=3),
        ends_at=start + timedelta(days=60),
    )
    clock.at = start + timedelta(days=DAYS - 1)
    top = [standing.video_id for standing in core.pulse.inventory("film-and-tv", limit=5)]
    placements = [(video_id, 1_000 * (n + 1)) for n, video_id in enumerate(top)]
    core.pulse.record_impressions(
        OPERATOR, batch_key="demo-impressions", campaign_id=campaign.id, placements=placements
    )
