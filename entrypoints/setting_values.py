"""How each setting's text becomes its value, and the one-line message when it cannot.

Every parser takes the text an operator wrote (an environment variable, or a value of the
settings file turned into text) and names the variable in its complaint, so that the same
message points at the fix wherever the value came from."""

from __future__ import annotations

import base64
import binascii
import math
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import storage_from_string

from adapters.oidc import OidcIssuer, load_issuers
from adapters.tokens import MIN_SECRET_BYTES

PREFIX = "SPOTLIGHT_"
AUDIT_KEY_BYTES = 32

#: Requests allowed per flow (the limits library's notation: "N/period", several joined by
#: ';'). "principal" and "address" apply to every request, by the caller's token or, without
#: a valid one, by the client address; "bad-tokens" counts answers 401 per address, and an
#: address that used them up is refused everything (429) until the window lets it in again.
DEFAULT_RATE_LIMITS: dict[str, str] = {
    "principal": "600/minute",
    "address": "1200/minute",
    "bad-tokens": "30/10 minutes",
    "clicks": "60/minute",
    "call-to-action-clicks": "60/minute",
    "engagement": "120/minute",
    "impressions": "120/minute",
    "votes": "10/minute",
    "counterfeit-reports": "30/minute;200/day",
    # Sign-in attempts per address, and failed sign-ins per account.
    "sign-in": "20/minute;200/hour",
    "sign-in-failures": "10/15 minutes;50/day",
}
NO_LIMIT = "none"

LOG_FORMATS = ("auto", "json", "text")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
PROJECTION_MODES = ("inline", "worker")
ENVIRONMENTS = ("development", "production")
PAYMENT_PROVIDERS = ("sandbox",)


class SettingsError(Exception):
    """A setting is malformed; the message names it."""


def number(name: str, text: str, *, minimum: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise SettingsError(f"{PREFIX}{name}={text!r} must be a finite number")
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}={text!r} must be at least {minimum}")
    return value


def choice(name: str, text: str, choices: tuple[str, ...]) -> str:
    chosen = text.strip().lower()
    if chosen not in choices:
        raise SettingsError(f"{PREFIX}{name} must be one of {', '.join(choices)}, not {chosen!r}")
    return chosen


def secret(name: str, text: str) -> str:
    if len(text.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{PREFIX}{name} must have at least {MIN_SECRET_BYTES} bytes")
    return text


def audit_key(text: str | None, where: str) -> bytes | None:
    if text is None or not text.strip():
        return None
    try:
        seed = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{where} is not base64") from None
    if len(seed) != AUDIT_KEY_BYTES:
        raise SettingsError(
            f"{where} must be base64 of {AUDIT_KEY_BYTES} bytes (an Ed25519 seed), "
            f"not {len(seed)} bytes"
        )
    return seed


def rate_limit_storage(url: str) -> str:
    setting = f"{PREFIX}RATE_LIMIT_STORAGE"
    if not url.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise SettingsError(f"{setting}={url!r} must be memory:// or a redis:// URL")
    try:
        storage_from_string(url)  # checks the form; connects only when first used
    except Exception as error:  # the library raises several kinds for a malformed URL
        raise SettingsError(f"{setting}={url!r} is not usable: {error}") from None
    return url


def rate_limits(text: str) -> dict[str, str]:
    """The defaults with ``flow=limit`` pairs of ``text`` (comma-separated) put over them."""
    chosen = dict(DEFAULT_RATE_LIMITS)
    for pair in filter(None, (part.strip() for part in text.split(","))):
        flow, _, limit = (part.strip() for part in pair.partition("="))
        if flow not in DEFAULT_RATE_LIMITS:
            known = ", ".join(DEFAULT_RATE_LIMITS)
            raise SettingsError(f"{PREFIX}RATE_LIMITS: unknown flow {flow!r}; flows: {known}")
        if limit != NO_LIMIT:
            try:
                parse_many(limit)
            except ValueError:
                raise SettingsError(
                    f"{PREFIX}RATE_LIMITS: {flow}={limit!r} is not a limit like 60/minute"
                ) from None
        chosen[flow] = limit
    return chosen


def regions(text: str) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(part.strip().upper() for part in text.split(",") if part.strip()))
    if not found or any(len(r) != 2 or not r.isalpha() for r in found):
        raise SettingsError(
            f"{PREFIX}PULSE_REGIONS={text!r} must list two-letter country codes, e.g. US,CA"
        )
    return found


def public_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{PREFIX}PUBLIC_URL must be an http(s) URL with a host, not {text!r}")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise SettingsError(f"{PREFIX}PUBLIC_URL has a bad port: {text!r}") from None
    return text.strip()


def listen(text: str) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{PREFIX}LISTEN must be host:port, not {text!r}")
    return host.strip("[]"), int(port)


def yes_or_no(name: str, text: str) -> bool:
    allow = text.strip().lower()
    if allow not in ("0", "1", "true", "false", "yes", "no", ""):
        raise SettingsError(f"{PREFIX}{name} must be 0 or 1, not {allow!r}")
    return allow in ("1", "true", "yes")


def waits(text: str) -> tuple[float, ...]:
    try:
        retries = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise SettingsError(
            f"{PREFIX}WEBHOOK_RETRIES={text!r} is not seconds separated by commas"
        ) from None
    if any(not math.isfinite(wait) or wait < 0 for wait in retries) or len(retries) > 20:
        raise SettingsError(f"{PREFIX}WEBHOOK_RETRIES: up to 20 waits of 0 seconds or more")
    return retries


def projections_mode(text: str) -> str:
    mode = text.strip().lower()
    if mode not in PROJECTION_MODES:
        raise SettingsError(
            f"{PREFIX}PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}, not {text!r}"
        )
    return mode


def oidc_issuers(text: str) -> tuple[OidcIssuer, ...]:
    name = f"{PREFIX}OIDC_ISSUERS"
    try:
        if text.startswith("@"):
            text = Path(text[1:]).read_text()
        return load_issuers(text)
    except OSError as error:
        raise SettingsError(f"{name}: {text[1:]} cannot be read: {error.strerror}") from None
    except (ValueError, TypeError) as error:
        raise SettingsError(f"{name}: {error}") from None


def media_store(value: str) -> str:
    if value and not value.startswith("s3://"):
        raise SettingsError(
            f"{PREFIX}MEDIA_STORE is empty (files under the data directory) or s3://bucket"
        )
    return value


def directory(text: str) -> Path:
    """A directory named once, absolute: a command run from elsewhere finds the same one."""
    return Path(text).expanduser().absolute()
