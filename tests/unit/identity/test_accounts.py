"""Built-in accounts and sessions as aggregates: who signs up in what, who grants the
powerful roles, and how a session's refresh tokens rotate and what a reused one does."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.identity.accounts import (
    GRANTED_ROLES,
    SELF_SERVICE_ROLES,
    Account,
    RoleHeld,
    RoleNotHeld,
    Verification,
)
from domain.identity.sessions import Session, SessionEnded, SessionKind, UnknownSecret
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
ADMIN = "admin:ops"


def ana(role: str = "creator") -> Account:
    return Account.sign_up("ana", password_hash="$argon2id$hash", role=role, at=NOW)


def replayed(account: Account) -> Account:
    events = account.collect_events()
    rebuilt = None
    for recorded in events:
        rebuilt = recorded.mutate(rebuilt)
    assert isinstance(rebuilt, Account)
    return rebuilt


@pytest.mark.parametrize("role", SELF_SERVICE_ROLES)
def test_anyone_signs_up_in_a_role_anyone_may_take(role: str) -> None:
    account = ana(role)
    assert account.roles == (role,)
    assert account.id == Account.id_for("ana")


@pytest.mark.parametrize("role", GRANTED_ROLES)
def test_nobody_signs_up_as_a_powerful_role(role: str) -> None:
    with pytest.raises(InvalidValue, match="granted by an admin"):
        ana(role)


def test_a_name_outside_the_account_characters_and_an_unknown_role_are_refused() -> None:
    with pytest.raises(InvalidValue, match="account's name"):
        Account.sign_up("ana lima", password_hash="h", role="viewer", at=NOW)
    with pytest.raises(InvalidValue, match="not one of"):
        ana("emperor")


def test_a_person_takes_more_roles_anyone_may_take_but_not_a_powerful_one() -> None:
    account = ana()
    account.take_role("brand", at=NOW)
    assert account.roles == ("creator", "brand")
    with pytest.raises(RoleHeld):
        account.take_role("brand", at=NOW)
    with pytest.raises(RoleNotHeld, match="granted by an admin only"):
        account.take_role("reviewer", at=NOW)


def test_an_admin_grants_and_revokes_roles_and_verifies_identities_on_the_record() -> None:
    account = ana("studio")
    account.grant("reviewer", by=ADMIN, reason="trust team", at=NOW)
    account.verify(Verification.TITLE_OWNER, "title Dune", by=ADMIN, reason="contract seen", at=NOW)
    account.revoke("reviewer", by=ADMIN, reason="left the team", at=NOW)
    with pytest.raises(RoleNotHeld):
        account.revoke("reviewer", by=ADMIN, reason="again", at=NOW)
    rebuilt = replayed(account)
    assert rebuilt.roles == ("studio",)
    assert rebuilt.verified == (("title-owner", "title Dune"),)
    with pytest.raises(InvalidValue, match="reason"):
        account.grant("admin", by=ADMIN, reason="two\nlines", at=NOW)


def test_a_role_is_held_throughout_only_since_its_latest_grant() -> None:
    account = ana("viewer")
    account.grant("reviewer", by=ADMIN, reason="trust team", at=NOW)
    later = NOW + timedelta(hours=1)
    assert account.held_throughout("reviewer", later)
    assert account.held_throughout("viewer", NOW)
    assert not account.held_throughout("reviewer", NOW - timedelta(seconds=1))

    account.revoke("reviewer", by=ADMIN, reason="left the team", at=later)
    account.grant("reviewer", by=ADMIN, reason="came back", at=later + timedelta(hours=1))

    rebuilt = replayed(account)
    # A session started under the first grant acted in a grant that was revoked meanwhile.
    assert not rebuilt.held_throughout("reviewer", later)
    assert rebuilt.held_throughout("reviewer", later + timedelta(hours=2))
    assert not rebuilt.held_throughout("admin", later + timedelta(hours=2))


def test_the_password_is_kept_only_as_its_hash() -> None:
    account = ana()
    account.change_password("$argon2id$new", at=NOW)
    assert account.password_hash == "$argon2id$new"
    with pytest.raises(InvalidValue):
        account.change_password("", at=NOW)


def session(kind: SessionKind = SessionKind.BEARER) -> Session:
    return Session.start(
        UUID(int=1),
        account="ana",
        role="creator",
        kind=kind,
        secret_digest="d0",
        at=NOW,
        lifetime=timedelta(days=30),
    )


def test_a_refresh_token_is_exchanged_once_and_a_reused_one_revokes_the_session() -> None:
    live = session()
    live.refresh("d0", "d1", at=NOW)
    live.refresh("d1", "d2", at=NOW)
    assert live.live(NOW)
    live.refresh("d0", "d9", at=NOW)  # a copy of the first token comes back
    assert live.ended == "revoked (a refresh token was used twice)"
    assert not live.live(NOW)
    with pytest.raises(SessionEnded, match="revoked"):
        live.refresh("d2", "d3", at=NOW)


def test_an_unknown_refresh_token_is_refused_and_changes_nothing() -> None:
    live = session()
    with pytest.raises(UnknownSecret):
        live.refresh("forged", "d1", at=NOW)
    assert live.live(NOW)
    assert live.secret_digest == "d0"


def test_a_session_ends_when_signed_out_or_expired() -> None:
    live = session()
    assert live.sign_out(at=NOW)
    assert not live.sign_out(at=NOW)
    with pytest.raises(SessionEnded, match="signed out"):
        live.check("d0", at=NOW)
    old = session()
    with pytest.raises(SessionEnded, match="expired"):
        old.refresh("d0", "d1", at=NOW + timedelta(days=30))


def test_a_cookie_session_is_checked_but_never_refreshed() -> None:
    cookie = session(SessionKind.COOKIE)
    cookie.check("d0", at=NOW)
    with pytest.raises(UnknownSecret):
        cookie.check("d1", at=NOW)
    with pytest.raises(InvalidValue, match="not refreshed"):
        cookie.refresh("d0", "d1", at=NOW)


@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_only_the_latest_refresh_token_continues_a_session(replays: list[bool]) -> None:
    """Whatever the order of honest refreshes and replays of spent tokens, the session is
    live until a spent token comes back, and revoked for good from then on."""
    live = session()
    current, spent, revoked = "d0", list[str](), False
    for step, replay in enumerate(replays, start=1):
        if revoked:
            with pytest.raises(SessionEnded):
                live.refresh(current, f"d{step}", at=NOW)
        elif replay and spent:
            live.refresh(spent[-1], f"d{step}", at=NOW)
            revoked = True
        else:
            live.refresh(current, f"d{step}", at=NOW)
            spent.append(current)
            current = f"d{step}"
    assert live.live(NOW) is not revoked
    assert live.secret_digest == current
