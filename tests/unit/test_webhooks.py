"""Webhooks in the small: a subscription's rules, the signature against the Standard Webhooks
library for any message, the address guard on every kind of address, and the settings."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from adapters.webhooks.own_address import OwnAddress
from adapters.webhooks.poster import AddressGuard
from application.webhook_model import (
    RETRY_SCHEDULE,
    headers_for,
    new_secret,
    secret_bytes,
    signature,
)
from domain.errors import InvalidValue
from domain.webhooks import SubscriptionEnded, WebhookSubscription
from entrypoints.settings import Settings, SettingsError

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ID = UUID(int=7)


def subscribe(url: str = "https://hooks.example.org/x", **changes: object) -> WebhookSubscription:
    arguments: dict[str, object] = {
        "subscription_id": ID,
        "owner": "ana",
        "url": url,
        "kinds": (),
        "sealed_secret": b"sealed",
        "at": AT,
    } | changes
    return WebhookSubscription.subscribe(**arguments)  # type: ignore[arg-type]


def test_a_subscription_wants_its_kinds_until_it_ends() -> None:
    some = subscribe(kinds=["payout_sent", "payout_returned", "payout_sent"])
    assert some.kinds == ("payout_returned", "payout_sent")
    assert some.wants("payout_sent")
    assert not some.wants("track_cleared")
    assert subscribe().wants("track_cleared")  # none named: every kind
    assert some.unsubscribe(by="creator:ana", at=AT)
    assert not some.wants("payout_sent")
    assert not some.unsubscribe(by="creator:ana", at=AT)  # ended once
    with pytest.raises(SubscriptionEnded):
        some.rotate(b"other", at=AT)


def test_a_rotation_replaces_the_sealed_secret() -> None:
    subscription = subscribe()
    subscription.rotate(b"newer", at=AT + timedelta(days=1))
    assert subscription.sealed_secret == b"newer"
    assert subscription.rotated_at == AT + timedelta(days=1)
    with pytest.raises(InvalidValue, match="sealed"):
        subscription.rotate(b"", at=AT)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "1 to"),
        ("ftp://h.example/", "https://"),
        ("http://h.example/", "plain http"),
        ("https:///path", "names a host"),
        ("https://u:p@h.example/", "credentials"),
        ("https://h.example/#top", "fragment"),
        ("https://h.example:0/", "port"),
        ("https://h.example:99999/", "not a webhook address"),
        ("https://h.example/a b", "spaces"),
        ("https://" + "h" * 2_000 + ".example/", "1 to"),
    ],
)
def test_an_address_that_is_not_a_webhook_address_is_refused(url: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        subscribe(url)


def test_plain_http_is_allowed_only_where_the_operator_allows_it() -> None:
    assert subscribe("http://127.0.0.1:8080/in", allow_http=True).url == (
        "http://127.0.0.1:8080/in"
    )


def test_unknown_kinds_and_a_secret_in_clear_are_refused() -> None:
    with pytest.raises(InvalidValue, match="unknown notice kinds"):
        subscribe(kinds=["payout_sent", "lottery_won"])
    with pytest.raises(InvalidValue, match="sealed"):
        subscribe(sealed_secret=b"")


@given(
    key=st.binary(min_size=24, max_size=64),
    message_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1),
    timestamp=st.integers(min_value=0, max_value=4_000_000_000),
    body=st.text(),
)
def test_the_signature_is_the_one_the_standard_webhooks_library_makes(
    key: bytes, message_id: str, timestamp: int, body: str
) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    expected = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body)
    assert signature(secret, message_id, timestamp, body.encode()) == expected


def test_a_fresh_secret_signs_calls_the_library_verifies() -> None:
    secret = new_secret()
    assert len(secret_bytes(secret)) == 32
    assert new_secret() != secret
    body = b'{"type":"notice.message"}'
    now = int(datetime.now(tz=UTC).timestamp())
    headers = headers_for(secret, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "notice.message"}
    with pytest.raises(InvalidValue, match="whsec_"):
        secret_bytes("not-a-secret")


def resolving(*addresses: str) -> AddressGuard:
    return AddressGuard(allow_private=False, resolver=lambda _host, _port: list(addresses))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address refused, not bound)
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::5",
        "::ffff:127.0.0.1",
        "::",
    ],
)
def test_an_address_into_a_private_network_is_refused(address: str) -> None:
    with pytest.raises(InvalidValue, match="may not call"):
        resolving(address).check("https://hooks.example.org/")


def test_a_name_leading_anywhere_private_is_refused_and_public_ones_pass() -> None:
    resolving("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c").check(
        "https://hooks.example.org:8443/in"
    )
    with pytest.raises(InvalidValue, match=r"10\.0\.0\.1"):
        resolving("93.184.215.14", "10.0.0.1").check("https://hooks.example.org/")
    with pytest.raises(InvalidValue, match="does not resolve"):
        resolving().check("https://hooks.example.org/")

    def failing(_host: str, _port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(InvalidValue, match="does not resolve"):
        AddressGuard(allow_private=False, resolver=failing).check("https://nowhere.example/")
    AddressGuard(allow_private=True, resolver=failing).check("http://127.0.0.1/")


def own_guard(*, public: str | None, listen: tuple[str, int] | None) -> AddressGuard:
    """A guard allowing private targets, where names resolve as a small fixed DNS would."""
    names = {
        "api.spotlight.example": ["93.184.215.20"],
        "cdn.spotlight.example": ["93.184.215.20"],
        "hooks.example.org": ["93.184.215.14"],
        "localhost": ["127.0.0.1", "::1"],
        "box.internal": ["10.1.2.3"],
    }

    def resolver(host: str, _port: int) -> list[str]:
        return names.get(host.lower().rstrip("."), [host.strip("[]")])

    own = OwnAddress.of(public, listen, local=frozenset({"10.1.2.3"}))
    return AddressGuard(allow_private=True, resolver=resolver, own=own)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.spotlight.example/hooks",
        "https://API.Spotlight.Example.:443/",
        "https://cdn.spotlight.example/",  # another name for the same address and port
    ],
)
def test_the_services_public_address_is_refused(url: str) -> None:
    guard = own_guard(public="https://api.spotlight.example", listen=None)
    with pytest.raises(InvalidValue, match="own public address"):
        guard.check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost:8000/v1/me/webhooks",
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]:8000/",
        "http://box.internal:8000/",  # this machine's address, listened on by 0.0.0.0
        "http://10.1.2.3:8000/",
    ],
)
def test_the_port_the_service_listens_on_is_refused_on_its_own_addresses(url: str) -> None:
    guard = own_guard(public=None, listen=("0.0.0.0", 8000))  # noqa: S104 (not bound)
    with pytest.raises(InvalidValue, match="where the service itself listens"):
        guard.check(url)


def test_other_ports_and_other_hosts_are_not_the_service() -> None:
    guard = own_guard(public="https://api.spotlight.example", listen=("127.0.0.1", 8000))
    for url in (
        "https://api.spotlight.example:8443/",  # another port of the public host
        "http://127.0.0.1:8001/",  # a receiver beside the service
        "http://box.internal:8000/",  # the service listens on loopback only
        "https://hooks.example.org/",
    ):
        guard.check(url)
    strict = AddressGuard(
        allow_private=False,
        resolver=lambda _host, _port: ["93.184.215.20"],
        own=OwnAddress.of("https://api.spotlight.example", None, local=frozenset()),
    )
    with pytest.raises(InvalidValue, match="own public address"):
        strict.check("https://api.spotlight.example/")


def test_the_settings_read_the_services_own_address() -> None:
    base = {"SPOTLIGHT_DATA_DIR": "/tmp/x"}
    assert (Settings.from_environ(base).public_url, Settings.from_environ(base).listen) == (
        None,
        None,
    )
    told = Settings.from_environ(
        base | {"SPOTLIGHT_PUBLIC_URL": "https://api.example.com", "SPOTLIGHT_LISTEN": ":::8000"}
    )
    assert (told.public_url, told.listen) == ("https://api.example.com", ("::", 8000))
    for name, value in [
        ("SPOTLIGHT_PUBLIC_URL", "ftp://api.example.com"),
        ("SPOTLIGHT_PUBLIC_URL", "https://"),
        ("SPOTLIGHT_PUBLIC_URL", "https://api.example.com:99999"),
        ("SPOTLIGHT_LISTEN", "8000"),
        ("SPOTLIGHT_LISTEN", "0.0.0.0:http"),
        ("SPOTLIGHT_LISTEN", "0.0.0.0:70000"),
    ]:
        with pytest.raises(SettingsError, match=name):
            Settings.from_environ(base | {name: value})


def test_the_settings_read_the_webhook_variables() -> None:
    base = {"SPOTLIGHT_DATA_DIR": "/tmp/x"}
    default = Settings.from_environ(base)
    assert default.webhook_retries == RETRY_SCHEDULE
    assert (default.webhook_allow_private, default.webhook_timeout) == (False, 10.0)
    assert default.webhook_lease_seconds == 60.0
    tuned = Settings.from_environ(
        base
        | {
            "SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE": "1",
            "SPOTLIGHT_WEBHOOK_TIMEOUT": "30",
            "SPOTLIGHT_WEBHOOK_RETRIES": "1, 2.5,60",
        }
    )
    assert tuned.webhook_allow_private
    assert tuned.webhook_retries == (1.0, 2.5, 60.0)
    assert tuned.webhook_lease_seconds == 90.0  # three times the timeout
    for variable, value, reason in [
        ("WEBHOOK_ALLOW_PRIVATE", "maybe", "0 or 1"),
        ("WEBHOOK_RETRIES", "5,soon", "seconds separated by commas"),
        ("WEBHOOK_RETRIES", "5,-1", "0 seconds or more"),
        ("WEBHOOK_LEASE", "5", "more than"),
    ]:
        with pytest.raises(SettingsError, match=reason):
            Settings.from_environ(base | {f"SPOTLIGHT_{variable}": value})
