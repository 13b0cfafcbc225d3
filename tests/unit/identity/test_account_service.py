"""The accounts service with fakes for the password hasher and the throttle: what it asks
of them, and what it records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.storage import parse_store
from application.auth import InvalidToken, Principal, Role
from application.errors import NotFound, NotPermitted
from application.identity.accounts import SignInRefused, TooManyAttempts
from domain.identity.accounts import Account
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fakes import FixedClock, SequentialIdentities


class LabelledHashes:
    """A hasher whose hashes say which scheme made them; 'old:' ones need rehashing."""

    def __init__(self) -> None:
        self.scheme = "new"
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return f"{self.scheme}:{password[::-1]}"

    def verify(self, hashed: str, password: str) -> bool:
        self.verified.append(hashed)
        return hashed.split(":", 1)[1] == password[::-1]

    def needs_rehash(self, hashed: str) -> bool:
        return not hashed.startswith(f"{self.scheme}:")


class CountedFailures:
    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.failures: dict[str, int] = {}

    def retry_after(self, account: str) -> int | None:
        return 60 if self.failures.get(account, 0) >= self.allowed else None

    def failed(self, account: str) -> None:
        self.failures[account] = self.failures.get(account, 0) + 1


PASSWORD = "a long passphrase"


@pytest.fixture
def hashes() -> LabelledHashes:
    return LabelledHashes()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def core(tmp_path: Path, hashes: LabelledHashes, clock: FixedClock) -> Iterator[Spotlight]:
    settings = Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=TEST_SECRET)
    running = bootstrap(settings, clock=clock, identities=SequentialIdentities(), passwords=hashes)
    running.accounts.throttle = CountedFailures(allowed=3)
    yield running
    running.close()


def test_only_the_hash_is_recorded_and_an_old_scheme_is_rehashed_at_sign_in(
    core: Spotlight, hashes: LabelledHashes
) -> None:
    core.accounts.sign_up("ana", PASSWORD, Role.CREATOR)
    account = core._catalogue.read(Account, Account.id_for("ana"))
    assert account.password_hash == "new:" + PASSWORD[::-1]
    hashes.scheme = "newer"
    core.accounts.sign_in("ana", PASSWORD)
    rehashed = core._catalogue.read(Account, Account.id_for("ana"))
    assert rehashed.password_hash == "newer:" + PASSWORD[::-1]
    assert rehashed.version == 2


def test_an_unknown_name_costs_a_hash_check_like_a_known_one(
    core: Spotlight, hashes: LabelledHashes
) -> None:
    core.accounts.sign_up("ana", PASSWORD, Role.CREATOR)
    with pytest.raises(SignInRefused):
        core.accounts.sign_in("nobody", PASSWORD)
    with pytest.raises(SignInRefused):
        core.accounts.sign_in("ana", "wrong passphrase")
    assert len(hashes.verified) == 2


def test_failures_are_counted_per_account_and_then_refused_before_any_check(
    core: Spotlight, hashes: LabelledHashes
) -> None:
    core.accounts.sign_up("ana", PASSWORD, Role.CREATOR)
    for _ in range(3):
        with pytest.raises(SignInRefused):
            core.accounts.sign_in("ana", "wrong passphrase")
    checks = len(hashes.verified)
    with pytest.raises(TooManyAttempts) as refused:
        core.accounts.sign_in("ana", PASSWORD)
    assert refused.value.retry_after == 60
    assert len(hashes.verified) == checks
    # Another account is not held back by ana's failures.
    core.accounts.sign_up("bo", PASSWORD, Role.VIEWER)
    assert core.accounts.sign_in("bo", PASSWORD).role is Role.VIEWER


def test_access_tokens_end_with_their_session_and_after_fifteen_minutes(
    core: Spotlight, clock: FixedClock
) -> None:
    core.accounts.sign_up("ana", PASSWORD, Role.CREATOR)
    session = core.accounts.sign_in("ana", PASSWORD)
    assert core.verifier.verify(session.access_token) == Principal(Role.CREATOR, "ana")
    clock.advance(timedelta(minutes=15))
    with pytest.raises(InvalidToken, match="expired"):
        core.verifier.verify(session.access_token)
    assert session.refresh_token is not None
    fresh = core.accounts.refresh(session.refresh_token)
    assert core.verifier.verify(fresh.access_token).subject == "ana"
    clock.advance(timedelta(days=30))
    assert fresh.refresh_token is not None
    with pytest.raises(InvalidToken, match="expired"):
        core.accounts.refresh(fresh.refresh_token)


def test_only_admins_decide_and_a_person_reads_only_their_own_account(core: Spotlight) -> None:
    core.accounts.sign_up("ana", PASSWORD, Role.CREATOR)
    with pytest.raises(NotPermitted):
        core.accounts.grant(Principal(Role.REVIEWER, "rita"), "ana", Role.ADMIN, reason="x")
    with pytest.raises(NotFound):
        core.accounts.grant(Principal(Role.ADMIN, "ops"), "nobody", Role.ADMIN, reason="x")
    assert core.accounts.account(Principal(Role.CREATOR, "ana"), "ana").roles == (Role.CREATOR,)
    with pytest.raises(NotPermitted):
        core.accounts.account(Principal(Role.BRAND, "ana"), "ana")
    with pytest.raises(NotFound):
        core.accounts.take_role(Principal(Role.BRAND, "ana"), Role.SELLER)
