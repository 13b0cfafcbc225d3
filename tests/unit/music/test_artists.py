"""Independent artists register a profile in a region, declare the partners they are signed
to, and may carry a verification badge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import InvalidValue
from domain.music.artists import (
    MAX_AFFILIATIONS,
    MAX_BIO,
    MAX_NAME,
    AlreadyVerified,
    Artist,
    NotVerified,
    checked_region,
    partner_key,
)

REGISTERED = datetime(2025, 2, 1, 10, 0, tzinfo=UTC)
LATER = REGISTERED + timedelta(days=3)
NAIVE = datetime(2025, 2, 1, 10, 0)
ADMIN = "admin:ops"


def register_mina(
    *,
    account: str = "mina",
    name: str = "Mina Park",
    region: str = "KR",
    affiliations: tuple[str, ...] | list[str] = ("Hybe Labels",),
    bio: str = "Seoul synth-pop",
    at: datetime = REGISTERED,
) -> Artist:
    return Artist.register(
        account=account, name=name, region=region, affiliations=affiliations, bio=bio, at=at
    )


def replayed(artist: Artist) -> Artist:
    """The artist rebuilt from nothing but the events it collected."""
    copy: Artist | None = None
    for domain_event in artist.collect_events():
        copy = domain_event.mutate(copy)
    assert copy is not None
    return copy


# Registration -------------------------------------------------------------------------------


def test_an_artist_registers_a_profile_in_a_region() -> None:
    mina = register_mina()

    assert mina.account == "mina"
    assert mina.name == "Mina Park"
    assert mina.region == "KR"
    assert mina.affiliations == ("Hybe Labels",)
    assert mina.bio == "Seoul synth-pop"
    assert mina.registered_at == REGISTERED
    assert not mina.verified
    assert mina.version == 1


def test_an_account_has_one_artist_profile_whose_id_is_derived_from_it() -> None:
    mina = register_mina(account="mina")
    again = register_mina(account="mina", name="Someone Else", region="JP")

    assert mina.id == Artist.id_for("mina") == again.id
    assert Artist.id_for("joon") != mina.id


def test_an_artist_is_registered_by_an_account() -> None:
    with pytest.raises(InvalidValue, match="account must have 1 to 128"):
        register_mina(account="")


@pytest.mark.parametrize("region", ["kr", " kr ", "Kr", "KR"])
def test_a_region_is_written_as_a_capitalised_two_letter_code(region: str) -> None:
    assert register_mina(region=region).region == "KR"
    assert checked_region(region) == "KR"


@pytest.mark.parametrize("region", ["", "  ", "K", "KOR", "Korea", "K1", "12", "K R", "한국"])
def test_a_region_that_is_not_a_two_letter_country_code_is_refused(region: str) -> None:
    with pytest.raises(InvalidValue, match="two-letter country code"):
        register_mina(region=region)


@pytest.mark.parametrize("name", ["", "   ", "n" * (MAX_NAME + 1)])
def test_an_artist_needs_a_name_of_reasonable_length(name: str) -> None:
    with pytest.raises(InvalidValue, match="name"):
        register_mina(name=name)


def test_names_and_bios_are_trimmed_and_a_bio_is_optional() -> None:
    mina = register_mina(name="  Mina Park ", bio="   ")

    assert mina.name == "Mina Park"
    assert mina.bio == ""
    assert register_mina(name="n" * MAX_NAME).name == "n" * MAX_NAME


def test_a_bio_has_a_limit() -> None:
    assert len(register_mina(bio="b" * MAX_BIO).bio) == MAX_BIO
    with pytest.raises(InvalidValue, match="bio"):
        register_mina(bio="b" * (MAX_BIO + 1))


def test_registration_takes_a_timezone_aware_time() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        register_mina(at=NAIVE)


# Affiliations and conflicts of interest -----------------------------------------------------


def test_affiliations_are_tidied_blank_ones_dropped_and_repeats_kept_once() -> None:
    mina = register_mina(
        affiliations=["  Hybe   Labels ", "", "   ", "Hybe Labels", "Big Hit\tMusic"]
    )

    assert mina.affiliations == ("Hybe Labels", "Big Hit Music")


def test_an_artist_declares_at_most_ten_affiliations_of_reasonable_length() -> None:
    enough = [f"Label {n}" for n in range(MAX_AFFILIATIONS)]
    assert len(register_mina(affiliations=enough).affiliations) == MAX_AFFILIATIONS

    with pytest.raises(InvalidValue, match="at most"):
        register_mina(affiliations=[*enough, "One Label Too Many"])
    with pytest.raises(InvalidValue, match="at most"):
        register_mina(affiliations=["L" * (MAX_NAME + 1)])


@pytest.mark.parametrize(
    "partner", ["Hybe Labels", "hybe labels", "  HYBE   LABELS  ", "Hybe\tLabels", "hYbE lAbElS"]
)
def test_affiliation_with_a_partner_ignores_case_and_spacing(partner: str) -> None:
    mina = register_mina(affiliations=["Hybe  Labels"])

    assert mina.is_affiliated_with(partner)


@pytest.mark.parametrize("partner", ["Hybe", "Hybe Labels Japan", "HybeLabels", "JYP", ""])
def test_an_artist_is_not_affiliated_with_a_partner_that_merely_looks_alike(
    partner: str,
) -> None:
    mina = register_mina(affiliations=["Hybe Labels"])

    assert not mina.is_affiliated_with(partner)


def test_an_artist_without_affiliations_has_no_conflicts() -> None:
    indie = register_mina(affiliations=())

    assert indie.affiliations == ()
    assert not indie.is_affiliated_with("Hybe Labels")


def test_partner_names_compare_by_one_key() -> None:
    assert partner_key("  Big   Hit\nMusic ") == partner_key("big hit music") == "big hit music"
    assert partner_key("Straße") == partner_key("STRASSE")


# Profile updates ----------------------------------------------------------------------------


def test_an_artist_updates_the_profile() -> None:
    mina = register_mina()

    mina.update_profile(
        name=" Mina ",
        region="jp",
        affiliations=["JYP  Entertainment"],
        bio="Now in Tokyo",
        by="artist:mina",
        at=LATER,
    )

    assert (mina.name, mina.region, mina.affiliations, mina.bio) == (
        "Mina",
        "JP",
        ("JYP Entertainment",),
        "Now in Tokyo",
    )
    assert mina.is_affiliated_with("jyp entertainment")
    assert not mina.is_affiliated_with("Hybe Labels")
    assert mina.version == 2


@pytest.mark.parametrize(
    ("name", "region", "affiliations"),
    [
        ("", "KR", ()),
        ("Mina", "Korea", ()),
        ("Mina", "KR", tuple(f"L{n}" for n in range(MAX_AFFILIATIONS + 1))),
    ],
)
def test_a_profile_update_is_checked_like_a_registration_and_refusals_record_nothing(
    name: str, region: str, affiliations: tuple[str, ...]
) -> None:
    mina = register_mina()

    with pytest.raises(InvalidValue):
        mina.update_profile(
            name=name, region=region, affiliations=affiliations, bio="", by="x", at=LATER
        )

    assert mina.version == 1
    assert (mina.name, mina.region) == ("Mina Park", "KR")


# Badge ----------------------------------------------------------------------------------------


def test_an_admin_verifies_an_artist() -> None:
    mina = register_mina()

    mina.verify(by=ADMIN, at=LATER)

    assert mina.verified
    assert mina.version == 2


def test_an_artist_is_verified_once() -> None:
    mina = register_mina()
    mina.verify(by=ADMIN, at=LATER)

    with pytest.raises(AlreadyVerified):
        mina.verify(by=ADMIN, at=LATER)
    assert mina.version == 2


def test_a_badge_is_withdrawn_with_a_reason() -> None:
    mina = register_mina()
    mina.verify(by=ADMIN, at=LATER)

    mina.withdraw_badge(by=ADMIN, reason="  impersonation report upheld ", at=LATER)

    assert not mina.verified
    withdrawn = mina.collect_events()[-1]
    assert isinstance(withdrawn, Artist.BadgeWithdrawn)
    assert withdrawn.reason == "impersonation report upheld"
    assert withdrawn.withdrawn_by == ADMIN


def test_there_is_no_badge_to_withdraw_from_an_unverified_artist() -> None:
    mina = register_mina()

    with pytest.raises(NotVerified):
        mina.withdraw_badge(by=ADMIN, reason="spam", at=LATER)
    assert mina.version == 1


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_withdrawing_a_badge_needs_a_reason(reason: str) -> None:
    mina = register_mina()
    mina.verify(by=ADMIN, at=LATER)

    with pytest.raises(InvalidValue, match="reason"):
        mina.withdraw_badge(by=ADMIN, reason=reason, at=LATER)
    assert mina.verified
    assert mina.version == 2


def test_an_artist_may_be_verified_again_after_a_withdrawal() -> None:
    mina = register_mina()
    mina.verify(by=ADMIN, at=LATER)
    mina.withdraw_badge(by=ADMIN, reason="expired documents", at=LATER)

    mina.verify(by=ADMIN, at=LATER + timedelta(days=1))

    assert mina.verified
    assert mina.version == 4


def test_badge_times_must_be_timezone_aware() -> None:
    mina = register_mina()
    with pytest.raises(InvalidValue):
        mina.verify(by=ADMIN, at=NAIVE)
    mina.verify(by=ADMIN, at=LATER)
    with pytest.raises(InvalidValue):
        mina.withdraw_badge(by=ADMIN, reason="x", at=NAIVE)
    assert mina.version == 2


# Events ---------------------------------------------------------------------------------------


def test_artist_events_carry_their_stable_topics() -> None:
    mina = register_mina()
    mina.update_profile(name="Mina", region="KR", affiliations=(), bio="", by="me", at=LATER)
    mina.verify(by=ADMIN, at=LATER)
    mina.withdraw_badge(by=ADMIN, reason="expired", at=LATER)

    events = mina.collect_events()

    assert [get_topic(type(e)) for e in events] == [
        "spotlight.artists:ArtistRegistered",
        "spotlight.artists:ArtistProfileUpdated",
        "spotlight.artists:ArtistVerified",
        "spotlight.artists:ArtistBadgeWithdrawn",
    ]
    assert get_topic(Artist) == "spotlight.artists:Artist"
    assert isinstance(events[0], Artist.Registered)
    assert events[0].originator_topic == "spotlight.artists:Artist"
    for domain_event in events:
        assert resolve_topic(get_topic(type(domain_event))) is type(domain_event)


def test_replaying_an_artists_events_gives_the_same_artist() -> None:
    mina = register_mina(affiliations=["Hybe Labels", "Big Hit Music"])
    mina.verify(by=ADMIN, at=LATER)
    mina.update_profile(
        name="Mina P.", region="jp", affiliations=["Avex"], bio="Tokyo", by="me", at=LATER
    )
    mina.withdraw_badge(by=ADMIN, reason="expired", at=LATER)
    mina.verify(by=ADMIN, at=LATER)
    live = dict(vars(mina))

    copy = replayed(mina)

    assert vars(copy) == vars(mina) == {**live, "_pending_events": []}
    assert copy.is_affiliated_with("avex")
