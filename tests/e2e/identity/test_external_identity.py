"""JWTs of an external identity provider over HTTP: keys generated here, their JWKS served by
a real HTTP server on loopback, the service configured as an embedder would configure it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from adapters.oidc import ExternalTokens, OidcIssuer
from application.auth import InvalidToken, Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings, SettingsError
from tests.e2e.conftest import e2e_settings

ISSUER = "https://id.example.test"
AUDIENCE = "spotlight-api"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class SigningKey:
    """A provider's key pair with its id and algorithm, as the provider publishes it."""

    def __init__(self, kid: str, algorithm: str) -> None:
        self.kid, self.algorithm = kid, algorithm
        self.private: PrivateKey
        if algorithm == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk: Any = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        elif algorithm == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ed25519.Ed25519PrivateKey.generate()
            jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk: dict[str, Any] = {**jwk, "kid": kid, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "ana",
            "roles": ["creator"],
            "iat": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self.private, algorithm=self.algorithm, headers={"kid": self.kid})


class KeyServer:
    """The provider's JWKS endpoint: the keys it publishes can change (rotation)."""

    def __init__(self) -> None:
        self.published: list[SigningKey] = []
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps({"keys": [key.jwk for key in server.published]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join()


@pytest.fixture
def keys() -> Iterator[KeyServer]:
    server = KeyServer()
    yield server
    server.close()


def issuer_settings(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks_url": url,
        "role_claim": "roles",
        "roles": {"platform-admins": "admin"},
        "default_role": "viewer",
        "leeway_seconds": 60,
        "refetch_seconds": 0,
        **extra,
    }


@pytest.fixture
def core(tmp_path: Path, keys: KeyServer) -> Iterator[Spotlight]:
    running = bootstrap(
        e2e_settings(tmp_path, OIDC_ISSUERS=json.dumps([issuer_settings(keys.url)]))
    )
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core))


def me(client: TestClient, token: str) -> tuple[int, dict[str, Any]]:
    """The status and who ``GET /v1/me`` says calls (role, subject, principal)."""
    answer = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    body = answer.json()
    if answer.status_code == 200:
        body = {name: body[name] for name in ("role", "subject", "principal")}
    return answer.status_code, body


def refused(client: TestClient, token: str) -> str:
    status, body = me(client, token)
    assert status == 401, body
    assert body["type"].endswith("unauthenticated")
    return str(body["detail"])


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_a_providers_token_names_the_caller_by_its_claims(
    client: TestClient, keys: KeyServer, algorithm: str
) -> None:
    key = SigningKey("k1", algorithm)
    keys.published = [key]
    assert me(client, key.token()) == (
        200,
        {"role": "creator", "subject": "ana", "principal": "creator:ana"},
    )
    # Claim values map to roles by configuration; an absent role claim is the default role.
    assert me(client, key.token(roles=["platform-admins", "staff"]))[1]["role"] == "admin"
    assert me(client, key.token(roles=None))[1]["role"] == "viewer"


def test_the_operators_own_tokens_still_work_beside_the_providers(
    client: TestClient, core: Spotlight
) -> None:
    token = core.tokens.issue(Principal(Role.STUDIO, "s1"), lifetime=timedelta(hours=1))
    assert me(client, token) == (200, {"role": "studio", "subject": "s1", "principal": "studio:s1"})


def test_a_rotated_key_is_fetched_when_a_token_names_it(
    client: TestClient, keys: KeyServer
) -> None:
    old, new = SigningKey("2026-11", "RS256"), SigningKey("2026-12", "ES256")
    keys.published = [old]
    assert me(client, old.token())[0] == 200
    keys.published = [old, new]
    assert me(client, new.token())[0] == 200
    keys.published = [new]
    # Tokens of a retired key verify no more once the set is read again.
    assert me(client, SigningKey("2026-13", "RS256").token())[0] == 401
    assert refused(client, old.token()) == "the issuer has no key '2026-11'"


def test_tokens_a_provider_did_not_issue_for_this_service_are_refused_with_a_reason(
    client: TestClient, keys: KeyServer
) -> None:
    key = SigningKey("k1", "RS256")
    keys.published = [key]
    now = int(time.time())
    assert "not for this service" in refused(client, key.token(aud="another-api"))
    assert "'https://evil.example.test' is not trusted" in refused(
        client, key.token(iss="https://evil.example.test")
    )
    assert refused(client, key.token(exp=now - 120, iat=now - 700)) == "the token has expired"
    assert refused(client, key.token(nbf=now + 600)) == "the token is not valid yet"
    assert "no 'exp' claim" in refused(client, key.token(exp=None))
    assert "names several roles" in refused(client, key.token(roles=["creator", "brand"]))
    assert "names no Spotlight role" in refused(client, key.token(roles=["staff"]))
    assert "'auth0|1 2' does not" in refused(client, key.token(sub="auth0|1 2"))
    forger = SigningKey("k1", "RS256")
    assert refused(client, forger.token()) == "the token's signature does not verify"
    assert refused(client, "not-a-token") == "the token is not a readable JWT"


def test_clock_leeway_accepts_a_token_just_expired(client: TestClient, keys: KeyServer) -> None:
    key = SigningKey("k1", "EdDSA")
    keys.published = [key]
    now = int(time.time())
    assert me(client, key.token(exp=now - 20, iat=now - 600))[0] == 200


def _unsigned(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(claims)}"
    if secret is None:
        return f"{signing_input}."
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_alg_none_and_an_hmac_token_keyed_with_the_public_key_are_refused(
    client: TestClient, keys: KeyServer
) -> None:
    key = SigningKey("k1", "RS256")
    keys.published = [key]
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "roles": "admin", "exp": now + 60}
    none = _unsigned({"alg": "none", "typ": "JWT", "kid": "k1"}, claims, None)
    assert "algorithm 'none' is not accepted" in refused(client, none)
    # Algorithm confusion: the attacker signs HS256 with the public key the JWKS publishes.
    confused = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims, key.public_pem())
    assert "algorithm 'HS256' is not accepted" in refused(client, confused)
    # A key of one type never verifies another type's algorithm.
    es = SigningKey("k1", "ES256")
    assert refused(client, es.token()) == "the key 'k1' does not sign with ES256"


class Clock:
    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def now(self) -> datetime:
        return self.moment


def test_unknown_key_ids_read_the_key_set_again_at_most_once_per_interval(
    keys: KeyServer,
) -> None:
    seconds = [0.0]
    key = SigningKey("k1", "RS256")
    keys.published = [key]
    tokens = ExternalTokens(
        [OidcIssuer.from_dict(issuer_settings(keys.url, refetch_seconds=60))],
        Clock(),
        monotonic=lambda: seconds[0],
    )
    assert tokens.verify(key.token()) == Principal(Role.CREATOR, "ana")
    for kid in ("made-up-1", "made-up-2", "made-up-3"):
        with pytest.raises(InvalidToken, match="has no key"):
            tokens.verify(SigningKey(kid, "RS256").token())
    assert keys.requests == 1
    seconds[0] = 61.0
    rotated = SigningKey("k2", "RS256")
    keys.published = [key, rotated]
    assert tokens.verify(rotated.token()).subject == "ana"
    assert keys.requests == 2


def test_a_key_set_kept_in_a_file_and_an_unreachable_one(tmp_path: Path) -> None:
    key = SigningKey("k1", "ES256")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [key.jwk]}))
    settings = {**issuer_settings("unused"), "jwks_file": str(path)}
    del settings["jwks_url"]
    from_file = ExternalTokens([OidcIssuer.from_dict(settings)], Clock())
    assert from_file.verify(key.token(roles="artist")) == Principal(Role.ARTIST, "ana")
    gone = ExternalTokens(
        [OidcIssuer.from_dict(issuer_settings("http://127.0.0.1:9/jwks.json"))], Clock()
    )
    with pytest.raises(InvalidToken, match="the issuer's keys cannot be read"):
        gone.verify(key.token())


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        json.dumps([{"issuer": ISSUER, "audience": AUDIENCE}]),
        json.dumps([{**issuer_settings("ftp://x/jwks")}]),
        json.dumps([{**issuer_settings("http://x/jwks"), "algorithms": ["HS256"]}]),
        json.dumps([{**issuer_settings("http://x/jwks"), "colour": "blue"}]),
        json.dumps([{**issuer_settings("http://x/jwks"), "default_role": "king"}]),
        "@/nonexistent/issuers.json",
    ],
)
def test_a_malformed_issuer_setting_stops_the_start_naming_it(value: str) -> None:
    with pytest.raises(SettingsError, match="SPOTLIGHT_OIDC_ISSUERS"):
        Settings.from_environ({"SPOTLIGHT_OIDC_ISSUERS": value})


def test_keys_read_before_still_verify_while_the_provider_is_down() -> None:
    server = KeyServer()
    key = SigningKey("k1", "ES256")
    server.published = [key]
    tokens = ExternalTokens([OidcIssuer.from_dict(issuer_settings(server.url))], Clock())
    assert tokens.verify(key.token()).subject == "ana"
    server.close()
    with pytest.raises(InvalidToken, match="cannot be read just now"):
        tokens.verify(SigningKey("k2", "ES256").token())
    assert tokens.verify(key.token()).subject == "ana"
