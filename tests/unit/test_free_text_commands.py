"""What people write reaches the domain by any road (a JSON body, a multipart form, the CLI, the
Python API), so every command that takes free text refuses the characters meant to fool a
reader (``domain.text``), and every name is one line. Events recorded before the rule still
load as they were recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from domain.business.campaigns import Campaign, Kpi, KpiTarget
from domain.business.effects import BrandedEffect
from domain.business.invitations import Invitation, Terms
from domain.business.studios import Studio
from domain.errors import InvalidValue
from domain.money import Money
from domain.music.artists import Artist
from domain.music.rounds import Judge, Prize
from domain.music.seasons import RoundPlan, Season
from domain.music.tracks import Track
from domain.revenue.creators import Creator
from domain.revenue.pulse import PulseCampaign
from domain.shop.counterfeit import CounterfeitReport
from domain.shop.listings import Listing, Seller
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
USD = Money(1_000, "USD")

#: Characters no free text may hold: NUL, ESC, a right-to-left override, a zero-width space,
#: a lone surrogate.
UNSAFE = {
    "nul": "Dune\x00",
    "escape": "Dune \x1b[31m",
    "rtl-override": "Dune \u202egnp.exe",
    "zero-width": "Du\u200bne",
    "lone-surrogate": "Dune \ud800",
}
#: Line breaks inside a name.
BREAKS = {"crlf": "Dune\r\nX-Admin: 1", "lf": "Dune\nPart Two", "line-separator": "Dune\u2028Two"}


NO_PORTAL = Portal()


def title(name: str = "Dune", portal: Portal = NO_PORTAL) -> Title:
    return Title.register(
        uuid4(), studio_id="legendary", name=name, kind=TitleKind.MOVIE, portal=portal, at=NOW
    )


def portal_with(text: str, where: str) -> Portal:
    link = Link(label=text if where == "label" else "Tickets", url="https://tickets.example/d")
    bio = text if where == "bio" else ""
    member = CastMember(name=text if where == "cast" else "Zendaya", role="Chani", bio=bio)
    return Portal(tickets=[link], cast=[member])


def video(caption: str = "worm ride") -> Video:
    return Video.publish(
        uuid4(), creator_id="mia", caption=caption, hashtags=[], category="pets", at=NOW
    )


def artist(name: str = "Aiko", bio: str = "", affiliations: tuple[str, ...] = ()) -> Artist:
    return Artist.register(
        account="aiko", name=name, region="JP", affiliations=affiliations, bio=bio, at=NOW
    )


def track(name: str) -> Track:
    return Track.submit(
        uuid4(), artist_account="aiko", title=name, digest="0" * 64, duration_seconds=9, at=NOW
    )


def seller(name: str = "Acme") -> Seller:
    return Seller.register(account="acme", name=name, at=NOW)


def listing(title: str = "Apron", description: str = "Linen", attribute: str = "red") -> Listing:
    return Listing.list(
        uuid4(),
        seller=seller(),
        title=title,
        description=description,
        price=USD,
        stock=3,
        category="cooking",
        images=["a" * 64],
        attributes={"colour": attribute},
        at=NOW,
    )


def campaign(name: str = "Glow") -> Campaign:
    return Campaign.launch(
        uuid4(),
        brand="glow",
        name=name,
        objective="engagement",
        budget=Money(100_000, "USD"),
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=30),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000)],
        hashtag="#glow",
        at=NOW,
    )


def pulse_campaign(name: str) -> PulseCampaign:
    return PulseCampaign.launch(
        uuid4(),
        brand="fizz",
        name=name,
        category="dance",
        budget=USD,
        cpm=USD,
        starts_at=NOW,
        ends_at=NOW + timedelta(days=3),
        at=NOW,
    )


def season(name: str = "Seoul Sounds", partner: str = "Hybe", prize: str = "A single") -> Season:
    announced, _rounds = Season.announce(
        uuid4(),
        name=name,
        region="KR",
        partners=[partner],
        judges=[Judge(judge_id="ana", partner=partner)],
        rounds=[RoundPlan("Final", 1, NOW, NOW + timedelta(days=7))],
        prizes=[Prize(1, prize)],
        by="ops",
        at=NOW,
    )
    return announced


def studio(name: str = "Lumiere", city: str = "Paris", room: str = "A") -> Studio:
    return Studio.open(
        uuid4(),
        city=city,
        name=name,
        rooms=[room],
        opens_hour=9,
        closes_hour=21,
        price=USD,
        by="ops",
        at=NOW,
    )


def invitation() -> Invitation:
    return Invitation.send(
        uuid4(),
        brand="glow",
        creator="mia",
        terms=Terms(fee=USD, deliverables="one video", deadline=NOW.date()),
        currency="USD",
        last_day=NOW.date() + timedelta(days=30),
        at=NOW,
    )


def creator() -> Creator:
    return Creator.register(account="mia", region="US", at=NOW)


Command = Callable[[str], object]

#: Names: one line of free text.
NAMES: dict[str, Command] = {
    "a title's name": lambda text: title(name=text),
    "a link label in a portal": lambda text: title(portal=portal_with(text, "label")),
    "a cast member in a portal": lambda text: title(portal=portal_with(text, "cast")),
    "a new portal's link label": lambda text: title().update_portal(
        portal_with(text, "label"), by="legendary", at=NOW
    ),
    "a match keyword": lambda text: title().set_match_words(
        hashtags=[], keywords=[text], by="legendary", at=NOW
    ),
    "an artist's name": lambda text: artist(name=text),
    "an artist's name when edited": lambda text: artist().update_profile(
        name=text, region="JP", affiliations=(), bio="", by="aiko", at=NOW
    ),
    "an artist's affiliation": lambda text: artist(affiliations=(text,)),
    "a track's title": track,
    "a seller's name": seller,
    "a listing's title": lambda text: listing(title=text),
    "a listing's title when edited": lambda text: listing().edit(
        title=text,
        description="",
        price=USD,
        category="cooking",
        attributes={},
        by="acme",
        at=NOW,
    ),
    "a listing's attribute": lambda text: listing(attribute=text),
    "a campaign's name": campaign,
    "a Pulse campaign's name": pulse_campaign,
    "an effect's name": lambda text: BrandedEffect.register(
        uuid4(), brand="glow", campaign_id=uuid4(), name=text, asset="assets://g.glb", at=NOW
    ),
    "a season's name": lambda text: season(name=text),
    "a season's partner": lambda text: season(partner=text),
    "a season's prize": lambda text: season(prize=text),
    "a studio's name": lambda text: studio(name=text),
    "a studio's city": lambda text: studio(city=text),
    "a studio's room": lambda text: studio(room=text),
}

#: Free text that may run over several lines: captions, bios, descriptions, reasons.
TEXTS: dict[str, Command] = {
    "a caption": video,
    "a cast member's bio": lambda text: title(portal=portal_with(text, "bio")),
    "an artist's bio": lambda text: artist(bio=text),
    "a listing's description": lambda text: listing(description=text),
    "a delisting's reason": lambda text: listing().delist(by="acme", reason=text, at=NOW),
    "a counterfeit report": lambda text: CounterfeitReport.file(
        uuid4(), listing_id=uuid4(), seller="acme", reporter="bob", reason=text, at=NOW
    ),
    "a strike's reason": lambda text: creator().issue_strike(
        uuid4(), reason=text, policy="guidelines/4.2", by="rosa", at=NOW
    ),
    "the reason a campaign ends": lambda text: campaign().end(by="glow", reason=text, at=NOW),
    "an invitation's decline": lambda text: invitation().decline(
        by="mia", creator=True, reason=text, at=NOW
    ),
    "a counter-offer's deliverables": lambda text: invitation().counter(
        Terms(fee=USD, deliverables=text, deadline=NOW.date()),
        note="",
        currency="USD",
        last_day=NOW.date() + timedelta(days=30),
        at=NOW,
    ),
}


@pytest.mark.parametrize("unsafe", UNSAFE.values(), ids=UNSAFE.keys())
@pytest.mark.parametrize("command", [*NAMES.values(), *TEXTS.values()], ids=[*NAMES, *TEXTS])
def test_free_text_holding_a_character_meant_to_fool_a_reader_is_refused(
    command: Command, unsafe: str
) -> None:
    with pytest.raises(InvalidValue, match="holds the character U\\+"):
        command(unsafe)


@pytest.mark.parametrize("text", BREAKS.values(), ids=BREAKS.keys())
@pytest.mark.parametrize("command", NAMES.values(), ids=NAMES.keys())
def test_a_name_with_a_line_break_inside_is_refused(command: Command, text: str) -> None:
    with pytest.raises(InvalidValue, match="is one line"):
        command(text)


@pytest.mark.parametrize("command", TEXTS.values(), ids=TEXTS.keys())
def test_free_text_may_run_over_several_lines(command: Command) -> None:
    command("Linen apron,\r\nwashed twice.\n\tMade in Porto \u4e2d \U0001f468\u200d\U0001f373")


def test_a_name_is_trimmed_of_the_line_break_a_form_leaves_after_it() -> None:
    assert title(name="Dune: Part Two\r\n").name == "Dune: Part Two"
    assert artist(name="Aiko \u00c6r\u00f8 \u4e2d\n").name == "Aiko \u00c6r\u00f8 \u4e2d"


def test_a_title_recorded_before_the_rule_still_loads_as_it_was_recorded(
    catalogue: CatalogueDriver,
) -> None:
    # The event's own constructor, as a store written before the rule holds it.
    old = Title(
        id=UUID(int=7),
        studio_id="legendary",
        name="Dune\r\n\u202eowt trap",
        kind=TitleKind.MOVIE,
        portal=portal_with("Zendaya\x00", "bio"),
        registered_at=NOW,
    )
    catalogue.save(old)

    loaded = catalogue.load(Title, UUID(int=7))

    assert loaded.name == "Dune\r\n\u202eowt trap"
    assert loaded.portal.cast[0].bio == "Zendaya\x00"
