"""An artist asks for the verification badge; the request joins a queue that admins work,
oldest first; an admin grants it (the badge) or declines it with a reason, and the artist is
told either way. Verifying an artist directly still gives the badge, and grants a request
that was waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.auth import Principal, Role, person_key
from application.errors import NotFound, NotPermitted
from domain.errors import InvalidValue
from domain.inbox import NoticeKind
from domain.music.artists import (
    AlreadyVerified,
    Artist,
    NoVerificationRequest,
    VerificationPending,
)
from entrypoints.bootstrap import Spotlight
from tests.fakes import OPENING_NIGHT, FixedClock

OPS = Principal(Role.ADMIN, "ops")
AUDITOR = Principal(Role.AUDITOR, "audrey")


def artist(account: str) -> Principal:
    return Principal(Role.ARTIST, account)


def registered(core: Spotlight, *accounts: str) -> None:
    for account in accounts:
        core.discovery.register_artist(artist(account), name=account.title(), region="JP")


# The aggregate --------------------------------------------------------------------------------


def aiko() -> Artist:
    return Artist.register(account="aiko", name="Aiko", region="JP", at=OPENING_NIGHT)


def test_a_request_is_granted_once_and_gives_the_badge() -> None:
    profile = aiko()
    profile.request_verification(note="  my channel  ", at=OPENING_NIGHT)
    assert (profile.verification_pending, profile.verification_note) == (True, "my channel")
    with pytest.raises(VerificationPending):
        profile.request_verification(at=OPENING_NIGHT)

    profile.grant_verification(by="admin:ops", at=OPENING_NIGHT)

    assert profile.verified
    assert not profile.verification_pending
    with pytest.raises(AlreadyVerified):
        profile.request_verification(at=OPENING_NIGHT)
    with pytest.raises(NoVerificationRequest):
        profile.grant_verification(by="admin:ops", at=OPENING_NIGHT)


def test_a_declined_request_needs_a_reason_and_the_artist_may_ask_again() -> None:
    profile = aiko()
    with pytest.raises(NoVerificationRequest):
        profile.decline_verification(by="admin:ops", reason="no", at=OPENING_NIGHT)
    profile.request_verification(at=OPENING_NIGHT)
    with pytest.raises(InvalidValue, match="cannot be empty"):
        profile.decline_verification(by="admin:ops", reason="  ", at=OPENING_NIGHT)

    profile.decline_verification(by="admin:ops", reason="Unconfirmed", at=OPENING_NIGHT)

    assert not profile.verified
    assert not profile.verification_pending
    profile.request_verification(at=OPENING_NIGHT)
    assert profile.verification_pending


def test_verifying_an_artist_directly_grants_the_pending_request() -> None:
    asked, never_asked = aiko(), aiko()
    asked.request_verification(at=OPENING_NIGHT)

    asked.verify(by="admin:ops", at=OPENING_NIGHT)
    never_asked.verify(by="admin:ops", at=OPENING_NIGHT)

    assert isinstance(asked.collect_events()[-1], Artist.VerificationGranted)
    assert isinstance(never_asked.collect_events()[-1], Artist.Verified)
    assert asked.verified
    assert never_asked.verified
    assert not asked.verification_pending


def test_a_note_is_at_most_a_thousand_characters() -> None:
    with pytest.raises(InvalidValue, match="1000"):
        aiko().request_verification(note="x" * 1001, at=OPENING_NIGHT)


# The queue and the decisions ------------------------------------------------------------------


def test_admins_work_the_queue_oldest_first_a_page_at_a_time(
    core: Spotlight, clock: FixedClock
) -> None:
    registered(core, "aiko", "bo", "chika", "dai")
    for account in ("chika", "aiko", "bo"):
        clock.advance(timedelta(minutes=5))
        core.verification.request(artist(account), note=f"{account}'s channel")

    first = core.verification.queue(OPS, limit=2)
    second = core.verification.queue(AUDITOR, limit=2, cursor=first.next_cursor)

    assert [r.account for r in first.items] == ["chika", "aiko"]
    assert [(r.account, r.note) for r in second.items] == [("bo", "bo's channel")]
    assert second.next_cursor is None
    assert first.items[0].requested_at < first.items[1].requested_at

    core.verification.grant(OPS, "aiko")
    core.verification.decline(OPS, "chika", reason="We could not confirm the channel")
    assert [r.account for r in core.verification.queue(OPS).items] == ["bo"]
    assert core.discovery.artist("aiko").verified
    assert not core.discovery.artist("chika").verified
    assert core.discovery.byline("aiko").verified, "the read model carries the badge"

    # chika asks again: she joins the end of the queue.
    clock.advance(timedelta(minutes=5))
    core.verification.request(artist("chika"))
    assert [r.account for r in core.verification.queue(OPS).items] == ["bo", "chika"]


def test_who_may_ask_read_and_decide(core: Spotlight) -> None:
    registered(core, "aiko")
    with pytest.raises(NotFound):
        core.verification.request(artist("nobody"))
    with pytest.raises(NotPermitted):
        core.verification.request(Principal(Role.VIEWER, "aiko"))
    with pytest.raises(NotFound):
        core.verification.pending(artist("aiko"))
    core.verification.request(artist("aiko"), note="press kit")
    assert core.verification.pending(artist("aiko")).note == "press kit"
    for outsider in (artist("aiko"), Principal(Role.REVIEWER, "rita")):
        with pytest.raises(NotPermitted):
            core.verification.queue(outsider)
    with pytest.raises(NotPermitted):
        core.verification.grant(AUDITOR, "aiko")
    with pytest.raises(NotPermitted):
        core.verification.decline(artist("aiko"), "aiko", reason="no")
    core.verification.decline(OPS, "aiko", reason="Unconfirmed")
    with pytest.raises(NoVerificationRequest):
        core.verification.grant(OPS, "aiko")


def test_the_artist_is_told_of_each_decision_with_the_reason(core: Spotlight) -> None:
    registered(core, "aiko", "bo")
    core.verification.request(artist("aiko"))
    core.verification.request(artist("bo"))

    core.verification.grant(OPS, "aiko")
    core.verification.decline(OPS, "bo", reason="We could not confirm the channel")

    def notices(account: str) -> list[tuple[str, str]]:
        return [(n.kind, n.reason) for n in core.notifier.inbox(person_key(artist(account)))]

    assert notices("aiko") == [(NoticeKind.VERIFICATION_GRANTED.value, "")]
    assert notices("bo") == [
        (NoticeKind.VERIFICATION_DECLINED.value, "We could not confirm the channel")
    ]
