"""Configuration from the environment. Every setting starts with SPOTLIGHT_.

SPOTLIGHT_DATA_DIR   where the embedded store and the generated secret live (default ./data)
SPOTLIGHT_STORE      the event store URL (default sqlite:///<data dir>/spotlight.db);
                     see adapters.storage for the accepted forms
SPOTLIGHT_SECRET     the token signing secret (at least 16 bytes); when unset, a random
                     one is generated once and kept in <data dir>/secret
SPOTLIGHT_PULSE_REGIONS  the regions where Pulse is launched, comma-separated (default US)
SPOTLIGHT_AUDIT_KEY  base64 of the 32-byte Ed25519 seed that signs audit checkpoints; when
                     unset, a random one is generated once and kept in <data dir>/audit-key
SPOTLIGHT_CLICK_WINDOW  seconds in which a viewer's repeated click on one video counts once
SPOTLIGHT_RATE_LIMIT_STORAGE  where request counts are kept: memory:// (this process) or a
                     redis://host:port/db shared by every process of the service
SPOTLIGHT_RATE_LIMITS  per-flow limits overriding the defaults, e.g.
                     clicks=30/minute,votes=5/minute;50/day (a flow=none is not limited)
SPOTLIGHT_PROJECTIONS  who brings the persisted read models up to date: inline (default: the
                     request that reads one, and the service's worker thread) or worker
                     (only `spotlight worker`; requests read what the tables hold)
SPOTLIGHT_INDEX_DIR  where the matching indexes' snapshots are kept (default <data dir>/indexes),
                     one directory per store below it
SPOTLIGHT_INDEX_SNAPSHOT_EVENTS  index events after which the background work writes a new
                     snapshot of a matching index (anchors, music, products; default 1000)
SPOTLIGHT_PROJECTION_POOL  connections each process keeps to PostgreSQL for the read
                     models (default 4, plus as many again at a peak)
SPOTLIGHT_READ_WAIT_MS  how long a read sent with Spotlight-After waits for the read models
                     to pass those positions before it answers anyway (default 2000)
SPOTLIGHT_OIDC_ISSUERS  external identity providers whose JWTs are accepted: a JSON list of
                     issuer objects, or @<path> of a file holding it (see adapters.oidc)
SPOTLIGHT_LOG_FORMAT  json (a JSON object a line), text (readable lines) or auto (default: json
                     unless stderr is a terminal)
SPOTLIGHT_LOG_LEVEL  debug, info, warning, error or critical (default: info for serve and
                     worker, warning for the other commands; --log-level overrides it)
SPOTLIGHT_METRICS_TOKEN  when set, GET /metrics needs `Authorization: Bearer <it>`; when
                     unset, /metrics answers loopback clients only
SPOTLIGHT_MAX_UPLOAD_MB, SPOTLIGHT_MAX_JSON_KB, SPOTLIGHT_MAX_PIXELS,
SPOTLIGHT_MAX_MEDIA_SECONDS, SPOTLIGHT_DECODE_SLOTS, SPOTLIGHT_DECODE_WAIT_SECONDS
                     what one request may cost: see README's configuration table
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import attrs
from limits import parse_many
from limits.storage import Storage, storage_from_string

from adapters.media.budget import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_SECONDS,
    DEFAULT_SLOTS,
    DEFAULT_WAIT_SECONDS,
)
from adapters.oidc import OidcIssuer, load_issuers
from adapters.storage import Store, parse_store
from adapters.tokens import MIN_SECRET_BYTES

PREFIX = "SPOTLIGHT_"
AUDIT_KEY_BYTES = 32
AUDIT_KEY_FILE = "audit-key"


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
SIGN_IN_FAILURES = "sign-in-failures"
NO_LIMIT = "none"


class SettingsError(Exception):
    """A setting is malformed; the message names it."""


@attrs.frozen
class Settings:
    store: Store
    data_dir: Path
    secret: bytes | None = None
    max_upload_bytes: int = 200 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_media_seconds: float = DEFAULT_MAX_SECONDS
    decode_slots: int = DEFAULT_SLOTS
    decode_wait_seconds: float = DEFAULT_WAIT_SECONDS
    sweep_interval_seconds: float = 2.0
    pulse_regions: tuple[str, ...] = ("US",)
    audit_key: bytes | None = None
    click_window_seconds: float = 3600.0
    rate_limit_storage: str = "memory://"
    rate_limits: dict[str, str] = attrs.field(factory=lambda: dict(DEFAULT_RATE_LIMITS), hash=False)
    # Keys of one deployment in a shared Redis; tests give each run its own.
    rate_limit_prefix: str = "spotlight"
    projections: str = "inline"
    projection_pool: int = 4
    read_wait_seconds: float = 2.0
    #: Snapshots of the matching indexes; None: ``data_dir / "indexes"``.
    index_dir: Path | None = None
    index_snapshot_events: int = 1000
    #: External identity providers whose JWTs name callers (none: Spotlight's tokens only).
    oidc_issuers: tuple[OidcIssuer, ...] = ()
    log_format: str = "auto"
    #: None: the command's own default (info for serve and worker, warning for the others).
    log_level: str | None = None
    metrics_token: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        data_dir = Path(environ.get(f"{PREFIX}DATA_DIR", "data"))
        store_url = environ.get(f"{PREFIX}STORE") or f"sqlite:///{data_dir / 'spotlight.db'}"
        secret_text = environ.get(f"{PREFIX}SECRET")
        secret = secret_text.encode() if secret_text else None
        if secret is not None and len(secret) < MIN_SECRET_BYTES:
            raise SettingsError(f"{PREFIX}SECRET must have at least {MIN_SECRET_BYTES} bytes")
        return cls(
            store=parse_store(store_url, setting=f"{PREFIX}STORE"),
            data_dir=data_dir,
            secret=secret,
            max_upload_bytes=int(_number(environ, "MAX_UPLOAD_MB", 200, minimum=0.001) * 2**20),
            max_json_bytes=int(_number(environ, "MAX_JSON_KB", 1024, minimum=1) * 1024),
            max_pixels=int(_number(environ, "MAX_PIXELS", DEFAULT_MAX_PIXELS, minimum=1)),
            max_media_seconds=_number(
                environ, "MAX_MEDIA_SECONDS", DEFAULT_MAX_SECONDS, minimum=1.0
            ),
            decode_slots=int(_number(environ, "DECODE_SLOTS", DEFAULT_SLOTS, minimum=1)),
            decode_wait_seconds=_number(
                environ, "DECODE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS, minimum=0.0
            ),
            sweep_interval_seconds=_number(environ, "SWEEP_INTERVAL", 2.0, minimum=0.0),
            pulse_regions=_regions(environ.get(f"{PREFIX}PULSE_REGIONS", "US")),
            audit_key=_audit_key(environ.get(f"{PREFIX}AUDIT_KEY"), f"{PREFIX}AUDIT_KEY"),
            click_window_seconds=_number(environ, "CLICK_WINDOW", 3600.0, minimum=1.0),
            rate_limit_storage=_rate_limit_storage(
                environ.get(f"{PREFIX}RATE_LIMIT_STORAGE") or "memory://"
            ),
            rate_limits=_rate_limits(environ.get(f"{PREFIX}RATE_LIMITS", "")),
            projections=_projections_mode(environ.get(f"{PREFIX}PROJECTIONS", "inline")),
            projection_pool=int(_number(environ, "PROJECTION_POOL", 4, minimum=1)),
            read_wait_seconds=_number(environ, "READ_WAIT_MS", 2000, minimum=0.0) / 1000,
            index_dir=Path(environ[f"{PREFIX}INDEX_DIR"])
            if environ.get(f"{PREFIX}INDEX_DIR")
            else None,
            index_snapshot_events=int(_number(environ, "INDEX_SNAPSHOT_EVENTS", 1000, minimum=1)),
            oidc_issuers=_oidc_issuers(environ.get(f"{PREFIX}OIDC_ISSUERS", "")),
            log_format=_choice(environ, "LOG_FORMAT", LOG_FORMATS) or "auto",
            log_level=_choice(environ, "LOG_LEVEL", LOG_LEVELS),
            metrics_token=_metrics_token(environ.get(f"{PREFIX}METRICS_TOKEN")),
        )

    @property
    def index_root(self) -> Path:
        """Where the matching indexes' snapshots are kept."""
        return self.index_dir if self.index_dir is not None else self.data_dir / "indexes"

    @property
    def click_window(self) -> timedelta:
        return timedelta(seconds=self.click_window_seconds)

    def limits_storage(self) -> Storage:
        """Where the rate limits and sign-in failures are counted."""
        options = (
            {}
            if self.rate_limit_storage.startswith("memory:")
            else {"key_prefix": self.rate_limit_prefix}
        )
        storage = storage_from_string(self.rate_limit_storage, **options)
        # Settings accept memory:// and redis:// only, whose storages are synchronous.
        assert isinstance(storage, Storage)
        return storage

    def with_store(self, url: str) -> Settings:
        return attrs.evolve(self, store=parse_store(url, setting="--store"))

    def signing_secret(self) -> bytes:
        """The configured secret, or the one kept in the data directory (made on first use)."""
        if self.secret is not None:
            return self.secret
        path = self.data_dir / "secret"
        try:
            if path.exists():
                return path.read_bytes().strip()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            secret = secrets.token_urlsafe(48).encode()
            path.touch(mode=0o600)
            path.write_bytes(secret)
        except OSError as error:
            raise SettingsError(
                f"{PREFIX}SECRET is unset and {path} cannot be used: {error.strerror}"
            ) from None
        return secret

    def audit_seed(self) -> bytes:
        """The seed of the key that signs audit checkpoints: configured, or the one kept in
        the data directory (made on first use, readable by its owner only)."""
        existing = self.existing_audit_seed()
        if existing is not None:
            return existing
        path = self.data_dir / AUDIT_KEY_FILE
        seed = secrets.token_bytes(AUDIT_KEY_BYTES)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(base64.b64encode(seed).decode() + "\n")
        except OSError as error:
            raise SettingsError(
                f"{PREFIX}AUDIT_KEY is unset and {path} cannot be used: {error.strerror}"
            ) from None
        return seed

    def existing_audit_seed(self) -> bytes | None:
        """The audit key if one is configured or was generated before; never makes one."""
        if self.audit_key is not None:
            return self.audit_key
        path = self.data_dir / AUDIT_KEY_FILE
        try:
            if not path.exists():
                return None
            text = path.read_text()
        except OSError as error:
            raise SettingsError(f"{path} cannot be read: {error.strerror}") from None
        seed = _audit_key(text, str(path))
        if seed is None:
            raise SettingsError(f"{path} is empty: remove it or set {PREFIX}AUDIT_KEY")
        return seed


def _audit_key(text: str | None, where: str) -> bytes | None:
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


def _rate_limit_storage(url: str) -> str:
    setting = f"{PREFIX}RATE_LIMIT_STORAGE"
    if not url.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise SettingsError(f"{setting}={url!r} must be memory:// or a redis:// URL")
    try:
        storage_from_string(url)  # checks the form; connects only when first used
    except Exception as error:  # the library raises several kinds for a malformed URL
        raise SettingsError(f"{setting}={url!r} is not usable: {error}") from None
    return url


def _rate_limits(text: str) -> dict[str, str]:
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


def _regions(text: str) -> tuple[str, ...]:
    regions = tuple(dict.fromkeys(part.strip().upper() for part in text.split(",") if part.strip()))
    if not regions or any(len(r) != 2 or not r.isalpha() for r in regions):
        raise SettingsError(
            f"{PREFIX}PULSE_REGIONS={text!r} must list two-letter country codes, e.g. US,CA"
        )
    return regions


def _number(environ: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    text = environ.get(f"{PREFIX}{name}")
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise SettingsError(f"{PREFIX}{name}={text!r} must be a finite number")
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}={text!r} must be at least {minimum}")
    return value


LOG_FORMATS = ("auto", "json", "text")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    text = environ.get(f"{PREFIX}{name}", "").strip().lower()
    if not text:
        return None
    if text not in choices:
        raise SettingsError(f"{PREFIX}{name} must be one of {', '.join(choices)}, not {text!r}")
    return text


def _metrics_token(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text.strip()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{PREFIX}METRICS_TOKEN must have at least {MIN_SECRET_BYTES} bytes")
    return text.strip()


PROJECTION_MODES = ("inline", "worker")


def _projections_mode(text: str) -> str:
    mode = text.strip().lower()
    if mode not in PROJECTION_MODES:
        raise SettingsError(
            f"{PREFIX}PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}, not {text!r}"
        )
    return mode


def _oidc_issuers(text: str) -> tuple[OidcIssuer, ...]:
    name = f"{PREFIX}OIDC_ISSUERS"
    if not text.strip():
        return ()
    try:
        if text.startswith("@"):
            text = Path(text[1:]).read_text()
        return load_issuers(text)
    except OSError as error:
        raise SettingsError(f"{name}: {text[1:]} cannot be read: {error.strerror}") from None
    except (ValueError, TypeError) as error:
        raise SettingsError(f"{name}: {error}") from None
