"""Signed bearer tokens: what one issues, the other side can check, and nobody can forge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from adapters.tokens import MAX_LIFETIME, MIN_SECRET_BYTES, InvalidToken, TokenSigner
from application.auth import Principal, Role
from domain.errors import InvalidValue
from tests.fakes import OPENING_NIGHT, FixedClock

SECRET = b"sixteen-or-more-bytes-of-secret"
ROSA = Principal(Role.REVIEWER, "rosa")
AN_HOUR = timedelta(hours=1)


@pytest.fixture
def signer(clock: FixedClock) -> TokenSigner:
    return TokenSigner(SECRET, clock)


def encoded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_by_hand(payload: str, secret: bytes = SECRET) -> str:
    """A token built from the published format, to test claims the signer never writes."""
    signature = hmac.new(secret, f"v1.{payload}".encode(), hashlib.sha256).digest()
    return f"v1.{payload}.{encoded(signature)}"


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return decoded


def test_an_issued_token_names_the_principal_it_was_issued_to(signer: TokenSigner) -> None:
    token = signer.issue(ROSA, lifetime=AN_HOUR)

    assert signer.verify(token) == ROSA


def test_a_token_carries_its_version_claims_and_signature(
    signer: TokenSigner, clock: FixedClock
) -> None:
    token = signer.issue(ROSA, lifetime=AN_HOUR)

    version, _payload, signature = token.split(".")
    assert version == "v1"
    assert signature
    issued = int(clock.now().timestamp())
    assert claims_of(token) == {
        "role": "reviewer",
        "sub": "rosa",
        "iat": issued,
        "exp": issued + 3_600,
    }


def test_a_token_is_valid_until_the_moment_it_expires(
    signer: TokenSigner, clock: FixedClock
) -> None:
    token = signer.issue(ROSA, lifetime=AN_HOUR)

    clock.advance(AN_HOUR - timedelta(seconds=1))
    assert signer.verify(token) == ROSA

    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token)


def test_an_expired_token_stays_expired(signer: TokenSigner, clock: FixedClock) -> None:
    token = signer.issue(ROSA, lifetime=AN_HOUR)

    clock.set(OPENING_NIGHT + timedelta(days=365))

    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token)


def test_a_token_checked_by_another_signer_with_the_same_secret_verifies(
    signer: TokenSigner, clock: FixedClock
) -> None:
    token = signer.issue(ROSA, lifetime=AN_HOUR)

    assert TokenSigner(SECRET, clock).verify(token) == ROSA


def test_a_token_signed_with_another_secret_is_refused(clock: FixedClock) -> None:
    forger = TokenSigner(b"a-guess-at-the-secret-1234", clock)
    token = forger.issue(Principal(Role.ADMIN, "mallory"), lifetime=AN_HOUR)

    with pytest.raises(InvalidToken, match="signature does not verify"):
        TokenSigner(SECRET, clock).verify(token)


def test_promoting_oneself_by_editing_the_claims_breaks_the_signature(
    signer: TokenSigner,
) -> None:
    version, payload, signature = signer.issue(ROSA, lifetime=AN_HOUR).split(".")
    claims = claims_of(f"{version}.{payload}.{signature}") | {"role": "admin"}
    promoted = encoded(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())

    with pytest.raises(InvalidToken, match="signature does not verify"):
        signer.verify(f"{version}.{promoted}.{signature}")


def test_extending_ones_own_token_breaks_the_signature(signer: TokenSigner) -> None:
    version, payload, signature = signer.issue(ROSA, lifetime=AN_HOUR).split(".")
    claims = claims_of(f"{version}.{payload}.{signature}")
    extended = encoded(json.dumps(claims | {"exp": 4_102_444_800}).encode())

    with pytest.raises(InvalidToken, match="signature does not verify"):
        signer.verify(f"{version}.{extended}.{signature}")


@pytest.mark.parametrize(
    "token",
    ["", "v1", "v1.", "v1..", "v1.payload", "v1..signature", "v2.payload.signature", "Bearer x"],
)
def test_something_that_is_not_a_token_is_refused(signer: TokenSigner, token: str) -> None:
    with pytest.raises(InvalidToken, match="not a Spotlight token"):
        signer.verify(token)


@pytest.mark.parametrize("signature", ["é", "sïgnature", "🔑"])
def test_a_signature_with_characters_outside_ascii_is_refused_not_crashed_on(
    signer: TokenSigner, signature: str
) -> None:
    payload = signer.issue(ROSA, lifetime=AN_HOUR).split(".")[1]

    with pytest.raises(InvalidToken, match="signature does not verify"):
        signer.verify(f"v1.{payload}.{signature}")


def test_a_payload_with_characters_outside_ascii_is_refused(signer: TokenSigner) -> None:
    with pytest.raises(InvalidToken):
        signer.verify(signed_by_hand("clàims"))


@pytest.mark.parametrize(
    "claims",
    [b"not json", b"[]", b'{"role": "reviewer"}', b'{"role": "reviewer", "sub": "r", "exp": "x"}'],
)
def test_a_correctly_signed_token_with_unreadable_claims_is_refused(
    signer: TokenSigner, claims: bytes
) -> None:
    with pytest.raises(InvalidToken, match="claims are unreadable"):
        signer.verify(signed_by_hand(encoded(claims)))


def test_a_correctly_signed_token_naming_an_unknown_role_is_refused(
    signer: TokenSigner, clock: FixedClock
) -> None:
    expires = int((clock.now() + AN_HOUR).timestamp())
    claims = json.dumps({"role": "emperor", "sub": "palpatine", "exp": expires}).encode()

    with pytest.raises(InvalidToken, match="unknown role 'emperor'"):
        signer.verify(signed_by_hand(encoded(claims)))


def test_a_signing_secret_must_be_long_enough(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match=f"at least {MIN_SECRET_BYTES} bytes"):
        TokenSigner(b"x" * (MIN_SECRET_BYTES - 1), clock)

    assert (
        TokenSigner(b"x" * MIN_SECRET_BYTES, clock).verify(
            TokenSigner(b"x" * MIN_SECRET_BYTES, clock).issue(ROSA, lifetime=AN_HOUR)
        )
        == ROSA
    )


@pytest.mark.parametrize("expires", [10**20, 2**63, 10**400, -(10**20)])
def test_a_signed_token_with_an_expiry_beyond_any_calendar_is_refused_not_crashed_on(
    signer: TokenSigner, expires: int
) -> None:
    claims = json.dumps({"role": "reviewer", "sub": "rosa", "exp": expires}).encode()

    with pytest.raises(InvalidToken):
        signer.verify(signed_by_hand(encoded(claims)))


def test_a_signed_token_that_outlives_the_longest_lifetime_is_refused(
    signer: TokenSigner, clock: FixedClock
) -> None:
    too_late = clock.now() + MAX_LIFETIME + timedelta(days=1)
    claims = json.dumps({"role": "reviewer", "sub": "rosa", "exp": int(too_late.timestamp())})

    with pytest.raises(InvalidToken, match="longer than"):
        signer.verify(signed_by_hand(encoded(claims.encode())))


@pytest.mark.parametrize("lifetime", [MAX_LIFETIME + timedelta(hours=1), timedelta(0)])
def test_a_token_is_issued_for_a_positive_lifetime_of_at_most_a_year(
    signer: TokenSigner, lifetime: timedelta
) -> None:
    with pytest.raises(InvalidValue, match="lifetime"):
        signer.issue(ROSA, lifetime=lifetime)


def test_a_token_lives_at_most_a_year(signer: TokenSigner) -> None:
    assert signer.verify(signer.issue(ROSA, lifetime=MAX_LIFETIME)) == ROSA


@pytest.mark.parametrize("subject", ["ro\u202esa", "rosa\r\nX-Admin: 1", "ro\x00sa", ""])
def test_a_signed_token_naming_a_subject_outside_the_account_characters_is_refused(
    signer: TokenSigner, clock: FixedClock, subject: str
) -> None:
    expires = int((clock.now() + AN_HOUR).timestamp())
    claims = json.dumps({"role": "reviewer", "sub": subject, "exp": expires}).encode()

    with pytest.raises(InvalidToken, match="subject"):
        signer.verify(signed_by_hand(encoded(claims)))
