"""Accounts and subjects are written in one character set; anything else is refused before a
single event is written, from the Python API as from HTTP."""

from __future__ import annotations

import pytest

from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.errors import InvalidValue
from domain.identifiers import MAX_ACCOUNT, checked_account, is_account
from domain.music.artists import Artist
from domain.revenue.creators import Creator
from domain.shop.listings import Seller
from entrypoints.bootstrap import Spotlight
from tests.fakes import OPENING_NIGHT

ADMIN = Principal(Role.ADMIN, "ops")

#: Accounts people really have: the ids the tests and the README use, e-mail-like names.
GOOD = [
    "fan-1",
    "legendary",
    "mia",
    "c1",
    "team:maya",
    "aozora.records",
    "ren_2",
    "a@b.example",
    "7",
]

#: Control characters, bidirectional overrides, zero-width and look-alike characters,
#: separators, what does not fit and what is not there.
BAD = [
    "",
    " ",
    "mia ",
    "mi\u202ea",
    "mi\u200ba",
    "mi\x00a",
    "mi\r\na",
    "mia\n",
    "mi\ta",
    "mi/a",
    "mi%2Fa",
    "\u043cia",  # a Cyrillic em
    "Ærø",
    "-mia",
    ".mia",
    "a" * (MAX_ACCOUNT + 1),
    "\ud800",
]


@pytest.mark.parametrize("account", GOOD)
def test_the_accounts_in_use_are_accounts(account: str) -> None:
    assert is_account(account)
    assert checked_account(account) == account


def test_an_account_has_at_most_128_characters() -> None:
    assert is_account("a" * MAX_ACCOUNT)


@pytest.mark.parametrize("account", BAD)
def test_anything_else_is_refused_naming_the_character_set(account: str) -> None:
    with pytest.raises(InvalidValue, match=r"A-Z a-z 0-9 \. _ @ : -"):
        checked_account(account, "a creator's account")


@pytest.mark.parametrize("value", [None, 7, b"mia", ["mia"]])
def test_only_text_is_an_account(value: object) -> None:
    assert not is_account(value)


@pytest.mark.parametrize("subject", BAD)
def test_a_principal_acts_under_an_account(subject: str) -> None:
    with pytest.raises(InvalidValue):
        Principal(Role.CREATOR, subject)


@pytest.mark.parametrize("account", BAD)
def test_artists_creators_and_sellers_are_registered_under_an_account(account: str) -> None:
    with pytest.raises(InvalidValue):
        Artist.register(account=account, name="Mina", region="KR", at=OPENING_NIGHT)
    with pytest.raises(InvalidValue):
        Creator.register(account=account, region="US", at=OPENING_NIGHT)
    with pytest.raises(InvalidValue):
        Seller.register(account=account, name="Acme", at=OPENING_NIGHT)


@pytest.mark.parametrize("account", ["mi\r\na", "mi\u202ea", "Ærø", "mi/a"])
def test_an_admin_cannot_register_someone_under_a_malformed_account(
    core: Spotlight, account: str
) -> None:
    head = core._catalogue.recorder.max_notification_id()
    music_head = core._music.recorder.max_notification_id()

    with pytest.raises(InvalidValue):
        core.creators.register(ADMIN, region="US", account=account)
    with pytest.raises(InvalidValue):
        core.discovery.register_artist(ADMIN, name="Mina", region="KR", account=account)

    assert core._catalogue.recorder.max_notification_id() == head
    assert core._music.recorder.max_notification_id() == music_head


def test_one_acting_for_oneself_may_still_not_name_another(core: Spotlight) -> None:
    with pytest.raises(NotPermitted):
        core.creators.register(Principal(Role.CREATOR, "mia"), region="US", account="ren")
