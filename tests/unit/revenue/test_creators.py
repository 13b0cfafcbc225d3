"""Creators as recorded facts: one record per account, a home region, the latest follower
count (never an older one over it) and moderation strikes; and who may record which."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from application.revenue.creators import CreatorExists
from domain.errors import InvalidValue, RuleViolated
from domain.revenue.creators import Creator, NoSuchStrike, StaleFollowerCount
from entrypoints.bootstrap import Spotlight
from tests.fakes import OPENING_NIGHT, FixedClock, SequentialIdentities

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
FIZZ = Principal(Role.BRAND, "fizz")
STRIKE = UUID("00000000-0000-0000-0000-0000000057e1")


def registered(account: str = "mia", region: str = "US") -> Creator:
    return Creator.register(account=account, region=region, at=NOW)


# The aggregate -------------------------------------------------------------------------------


def test_an_account_has_one_creator_record_in_its_home_region() -> None:
    mia = registered(region=" us ")

    assert mia.id == Creator.id_for("mia") == registered().id
    assert mia.id != Creator.id_for("leo")
    assert (mia.account, mia.region, mia.registered_at) == ("mia", "US", NOW)
    assert (mia.followers, mia.followers_counted_at, mia.has_active_strike) == (0, None, False)


@pytest.mark.parametrize(
    ("account", "region", "at"),
    [
        ("", "US", NOW),
        ("mia", "USA", NOW),
        ("mia", "", NOW),
        ("mia", "U1", NOW),
        ("mia", "US", datetime(2025, 3, 1)),  # naive on purpose
    ],
)
def test_a_creator_is_registered_by_an_account_in_a_region_at_a_known_time(
    account: str, region: str, at: datetime
) -> None:
    with pytest.raises(InvalidValue):
        Creator.register(account=account, region=region, at=at)


def test_the_latest_follower_count_is_the_one_that_counts() -> None:
    mia = registered()
    mia.count_followers(250_000, at=NOW + timedelta(days=1), by="admin:ops")
    mia.count_followers(90_000, at=NOW + timedelta(days=2), by="admin:ops")
    mia.count_followers(90_500, at=NOW + timedelta(days=2), by="admin:ops")  # same moment: fine

    assert (mia.followers, mia.followers_counted_at) == (90_500, NOW + timedelta(days=2))
    assert mia.version == 4


def test_a_count_older_than_the_recorded_one_does_not_rewrite_the_present() -> None:
    mia = registered()
    mia.count_followers(250_000, at=NOW + timedelta(days=2), by="admin:ops")

    with pytest.raises(StaleFollowerCount, match="already recorded"):
        mia.count_followers(1_000_000, at=NOW + timedelta(days=1), by="admin:ops")
    assert (mia.followers, mia.version) == (250_000, 2)


@pytest.mark.parametrize("followers", [-1, 1.5, 100_000.0, True, "100000"])
def test_a_follower_count_is_a_whole_number_from_zero(followers: object) -> None:
    mia = registered()
    with pytest.raises(InvalidValue, match="whole number"):
        mia.count_followers(followers, at=NOW, by="admin:ops")  # type: ignore[arg-type]
    assert mia.version == 1


def test_strikes_are_issued_once_and_lifted_with_a_reason() -> None:
    mia = registered()
    strike = mia.issue_strike(
        STRIKE, reason=" spam links ", policy="cg/4.2", by="reviewer:rosa", at=NOW
    )

    assert mia.has_active_strike
    assert (strike.reason, strike.policy, strike.issued_by) == (
        "spam links",
        "cg/4.2",
        "reviewer:rosa",
    )
    with pytest.raises(RuleViolated, match="already active"):
        mia.issue_strike(STRIKE, reason="again", policy="cg/4.2", by="reviewer:rosa", at=NOW)
    with pytest.raises(InvalidValue, match="reason"):
        mia.lift_strike(STRIKE, reason="  ", by="reviewer:rosa", at=NOW)
    assert mia.has_active_strike

    mia.lift_strike(STRIKE, reason="appeal upheld", by="reviewer:rosa", at=NOW)
    assert not mia.has_active_strike
    with pytest.raises(NoSuchStrike):
        mia.lift_strike(STRIKE, reason="twice", by="reviewer:rosa", at=NOW)


@pytest.mark.parametrize(("reason", "policy"), [("", "cg/4.2"), ("spam", " "), ("x" * 1_001, "p")])
def test_a_strike_names_its_reason_and_policy(reason: str, policy: str) -> None:
    mia = registered()
    with pytest.raises(InvalidValue):
        mia.issue_strike(STRIKE, reason=reason, policy=policy, by="reviewer:rosa", at=NOW)
    assert not mia.has_active_strike


# The service ---------------------------------------------------------------------------------


def test_a_creator_registers_once(core: Spotlight) -> None:
    view = core.creators.register(MIA, region="us")

    assert (view.account, view.region, view.version, view.followers) == ("mia", "US", 1, 0)
    with pytest.raises(CreatorExists):
        core.creators.register(MIA, region="CA")
    with pytest.raises(CreatorExists):
        core.creators.register(OPS, region="CA", account="mia")
    assert core.creators.creator(MIA, "mia").region == "US"


def test_an_admin_registers_a_named_creator_and_a_creator_only_themself(core: Spotlight) -> None:
    assert core.creators.register(OPS, region="CA", account="leo").account == "leo"
    with pytest.raises(InvalidValue, match="must name the creator"):
        core.creators.register(OPS, region="CA")
    with pytest.raises(NotPermitted):
        core.creators.register(MIA, region="US", account="ana")
    with pytest.raises(NotPermitted):
        core.creators.register(FIZZ, region="US")


def test_follower_counts_come_from_the_platform_never_from_the_creator(
    core: Spotlight, clock: FixedClock
) -> None:
    core.creators.register(MIA, region="US")

    with pytest.raises(NotPermitted):
        core.creators.count_followers(MIA, "mia", 10_000_000)
    with pytest.raises(NotPermitted):
        core.creators.count_followers(ROSA, "mia", 10_000_000)
    counted = core.creators.count_followers(OPS, "mia", 120_000)

    assert (counted.followers, counted.followers_counted_at, counted.version) == (120_000, NOW, 2)
    with pytest.raises(StaleFollowerCount):
        core.creators.count_followers(OPS, "mia", 1, counted_at=NOW - timedelta(hours=1))
    with pytest.raises(NotFound):
        core.creators.count_followers(OPS, "nobody", 1)
    clock.advance(timedelta(days=1))
    assert core.creators.count_followers(OPS, "mia", 99_000).followers_counted_at == clock.now()


def test_reviewers_issue_and_lift_strikes(
    core: Spotlight, identities: SequentialIdentities
) -> None:
    core.creators.register(MIA, region="US")
    strike_id = identities.peek()

    with pytest.raises(NotPermitted):
        core.creators.issue_strike(MIA, "mia", reason="self-inflicted", policy="cg/1")
    struck = core.creators.issue_strike(ROSA, "mia", reason="spam links", policy="cg/4.2")

    assert [(s.strike_id, s.issued_by) for s in struck.strikes] == [(strike_id, "reviewer:rosa")]
    with pytest.raises(NotPermitted):
        core.creators.lift_strike(MIA, "mia", strike_id, reason="I say so")
    lifted = core.creators.lift_strike(OPS, "mia", strike_id, reason="appeal upheld")
    assert (lifted.strikes, lifted.version) == ((), 3)


def test_a_creators_record_is_read_by_them_and_by_the_platform(core: Spotlight) -> None:
    core.creators.register(MIA, region="US")

    for reader in (MIA, OPS, ROSA, FIZZ, Principal(Role.AUDITOR, "kpmg")):
        assert core.creators.creator(reader, "mia").account == "mia"
    with pytest.raises(NotPermitted):
        core.creators.creator(LEO, "mia")
    with pytest.raises(NotFound):
        core.creators.creator(OPS, "leo")
