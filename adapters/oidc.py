"""JWTs from external identity providers (OIDC): each configured issuer names its audience,
where its public keys are (a JWKS by URL or by file), the algorithms it signs with (RS256,
ES256, EdDSA) and which claims give the role and the subject.

A token is checked against its issuer's keys by ``kid``; an unknown ``kid`` makes the key
set be read again (a provider rotating its keys), at most once per ``refetch_seconds``, so
tokens with made-up ids cannot make the service hammer the provider. Times are compared with
the injected clock and the issuer's leeway. The header's algorithm must be one of the
issuer's and the key's own (an RSA key verifies RS256 only), so ``alg: none`` and an HS256
token signed with a public key are refused before any signature is computed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import jwt

from adapters.tokens import MAX_LIFETIME, TokenSigner
from application.auth import InvalidToken, Principal, Role, TokenVerifier
from application.ports import Clock
from domain.errors import InvalidValue

log = logging.getLogger(__name__)
ASYMMETRIC = ("RS256", "ES256", "EdDSA")
MAX_JWKS_BYTES = 1 << 20
FETCH_TIMEOUT_SECONDS = 5.0


@attrs.frozen
class OidcIssuer:
    """One identity provider trusted to name who calls."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks_file: Path | None = None
    algorithms: tuple[str, ...] = ASYMMETRIC
    #: The claim holding the subject; a dotted path reads nested objects.
    subject_claim: str = "sub"
    #: The claim holding the role: a string, or a list of which exactly one value maps.
    role_claim: str = "spotlight_role"
    #: Claim values to roles; a value absent here is read as a role's own name.
    roles: Mapping[str, Role] = attrs.field(factory=dict)
    #: The role of a token whose role claim is absent (None: such a token is refused).
    default_role: Role | None = None
    leeway_seconds: int = 60
    refetch_seconds: float = 60.0

    def __attrs_post_init__(self) -> None:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError(f"issuer {self.issuer}: name its JWKS by URL or by file, not both")
        if self.jwks_url is not None and not self.jwks_url.startswith(("https://", "http://")):
            raise ValueError(f"issuer {self.issuer}: the JWKS URL must be http(s)")
        unknown = set(self.algorithms) - set(ASYMMETRIC)
        if unknown or not self.algorithms:
            raise ValueError(
                f"issuer {self.issuer}: algorithms are some of {', '.join(ASYMMETRIC)}"
            )
        if self.leeway_seconds < 0 or self.refetch_seconds < 0:
            raise ValueError(f"issuer {self.issuer}: leeway and refetch interval are >= 0")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OidcIssuer:
        """An issuer from its configuration (the JSON of ``SPOTLIGHT_OIDC_ISSUERS``)."""
        known = {field.name for field in attrs.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown issuer settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        if "jwks_file" in values:
            values["jwks_file"] = Path(values["jwks_file"])
        if "algorithms" in values:
            values["algorithms"] = tuple(values["algorithms"])
        if "roles" in values:
            values["roles"] = {str(key): Role(value) for key, value in values["roles"].items()}
        if values.get("default_role") is not None:
            values["default_role"] = Role(values["default_role"])
        return cls(**values)


def _read_url(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
        body: bytes = answer.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise ValueError(f"the key set is larger than {MAX_JWKS_BYTES} bytes")
    return body


class JwksKeys:
    """An issuer's public keys by ``kid``, read again on an unknown ``kid`` at most once per
    interval (``monotonic`` measures it). A failed read keeps the keys read before."""

    def __init__(
        self,
        issuer: OidcIssuer,
        *,
        fetch: Callable[[str], bytes] = _read_url,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._fetch = fetch
        self._monotonic = monotonic
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._read_at: float | None = None
        self._failure: str | None = None
        self._reads = 0
        self._lock = threading.Lock()

    @property
    def reads(self) -> int:
        """How many times the key set was read (tests count refetches)."""
        return self._reads

    def key(self, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            found = self._known(kid)
            if found is None and self._may_read_again():
                self._read()
                found = self._known(kid)
        if found is not None:
            return found
        if self._failure is not None:
            # The cause (an address, a parser's message) goes to the log, not to the caller.
            raise InvalidToken("the issuer's keys cannot be read just now")
        raise InvalidToken(f"the issuer has no key {kid!r}" if kid else "the token names no key")

    def _known(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    def _may_read_again(self) -> bool:
        return (
            self._read_at is None
            or self._monotonic() - self._read_at >= self._issuer.refetch_seconds
        )

    def _read(self) -> None:
        self._read_at = self._monotonic()
        self._reads += 1
        try:
            if self._issuer.jwks_url is not None:
                text = self._fetch(self._issuer.jwks_url)
            else:
                assert self._issuer.jwks_file is not None
                text = self._issuer.jwks_file.read_bytes()
            keys = jwt.PyJWKSet.from_json(text.decode()).keys
        except (OSError, ValueError, jwt.PyJWKSetError, jwt.InvalidKeyError) as error:
            self._failure = str(error) or type(error).__name__
            log.warning("the keys of issuer %s cannot be read: %s", self._issuer.issuer, error)
            return
        self._failure = None
        self._keys = {key.key_id: key for key in keys if key.algorithm_name in ASYMMETRIC}


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


class ExternalTokens:
    """Verifies JWTs from the configured issuers into principals."""

    def __init__(
        self,
        issuers: Sequence[OidcIssuer],
        clock: Clock,
        *,
        fetch: Callable[[str], bytes] = _read_url,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._issuers = {issuer.issuer: issuer for issuer in issuers}
        self._keys = {
            issuer.issuer: JwksKeys(issuer, fetch=fetch, monotonic=monotonic) for issuer in issuers
        }

    def keys(self, issuer: str) -> JwksKeys:
        return self._keys[issuer]

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise InvalidToken("the token is not a readable JWT") from None
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise InvalidToken(f"the token's issuer {unverified.get('iss')!r} is not trusted")
        algorithm = header.get("alg")
        if algorithm not in issuer.algorithms:
            raise InvalidToken(
                f"the algorithm {algorithm!r} is not accepted from {issuer.issuer} "
                f"(only {', '.join(issuer.algorithms)})"
            )
        kid = header.get("kid")
        key = self._keys[issuer.issuer].key(kid if isinstance(kid, str) else None)
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"the key {kid!r} does not sign with {algorithm}")
        claims = self._decode(token, issuer, key, algorithm)
        self._check_times(claims, issuer)
        return self._principal(claims, issuer)

    @staticmethod
    def _decode(token: str, issuer: OidcIssuer, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                audience=issuer.audience,
                issuer=issuer.issuer,
                # Times are checked against the service's clock below, not PyJWT's.
                options={
                    "require": ["exp", "iss", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise InvalidToken(f"the token is not for this service ({issuer.audience})") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token's issuer does not verify") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature does not verify") from None
        except jwt.MissingRequiredClaimError as error:
            raise InvalidToken(f"the token has no {error.claim!r} claim") from None
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the token is invalid: {error}") from None
        return claims

    def _check_times(self, claims: Mapping[str, Any], issuer: OidcIssuer) -> None:
        now = int(self._clock.now().timestamp())
        leeway = issuer.leeway_seconds
        times: dict[str, int] = {}
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidToken(f"the token's {name!r} is not a number of seconds")
            times[name] = int(value)
        if now >= times["exp"] + leeway:
            raise InvalidToken("the token has expired")
        if "nbf" in times and now + leeway < times["nbf"]:
            raise InvalidToken("the token is not valid yet")
        if "iat" in times and now + leeway < times["iat"]:
            raise InvalidToken("the token was issued in the future")
        if times["exp"] - now > MAX_LIFETIME.total_seconds():
            raise InvalidToken(f"the token lives longer than {MAX_LIFETIME.days} days")

    @staticmethod
    def _principal(claims: Mapping[str, Any], issuer: OidcIssuer) -> Principal:
        subject = _claim(claims, issuer.subject_claim)
        if not isinstance(subject, str):
            raise InvalidToken(f"the token's {issuer.subject_claim!r} claim is not text")
        role = _role(_claim(claims, issuer.role_claim), issuer)
        try:
            return Principal(role=role, subject=subject)
        except InvalidValue as error:
            raise InvalidToken(str(error)) from None


def _role(value: Any, issuer: OidcIssuer) -> Role:
    if value is None:
        if issuer.default_role is None:
            raise InvalidToken(f"the token has no {issuer.role_claim!r} claim")
        return issuer.default_role
    values = value if isinstance(value, list) else [value]
    roles = {role for item in values if (role := _mapped(item, issuer)) is not None}
    if len(roles) == 1:
        return roles.pop()
    if roles:
        names = ", ".join(sorted(role.value for role in roles))
        raise InvalidToken(f"the token names several roles ({names}); it must name one")
    raise InvalidToken(f"the token's {issuer.role_claim!r} names no Spotlight role")


def _mapped(value: Any, issuer: OidcIssuer) -> Role | None:
    if not isinstance(value, str):
        return None
    if value in issuer.roles:
        return issuer.roles[value]
    try:
        return Role(value)
    except ValueError:
        return None


def load_issuers(text: str) -> tuple[OidcIssuer, ...]:
    """Issuers from JSON text: a list of objects (``OidcIssuer.from_dict``)."""
    data = json.loads(text)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("a JSON list of issuer objects is expected")
    return tuple(OidcIssuer.from_dict(item) for item in data)


class SessionCheck(Protocol):
    def check_session(self, session: str, principal: Principal) -> None:
        """Raises ``InvalidToken`` when the session has ended or is not the principal's."""
        ...


@attrs.frozen
class BearerTokens:
    """Spotlight's own tokens ('v1.' ...) go to the signer, anything else to the external
    issuers when some are configured. An own token issued in a session (a built-in
    account's sign-in) is refused once that session has ended."""

    own: TokenSigner
    external: TokenVerifier | None = None
    sessions: SessionCheck | None = None

    def verify(self, token: str) -> Principal:
        if self.external is not None and not token.startswith("v1."):
            return self.external.verify(token)
        principal, session = self.own.verify_session(token)
        if session is not None:
            if self.sessions is None:
                raise InvalidToken("the token's session cannot be checked here")
            self.sessions.check_session(session, principal)
        return principal
