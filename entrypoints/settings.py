"""The settings one process runs with (``Settings``), read from the environment and the
settings file by ``entrypoints.settings_declared``, which declares every ``SPOTLIGHT_*``
variable: its default, what it means and how it is checked. ``spotlight config`` lists them
with their values and where each came from; README's configuration table describes them.

SPOTLIGHT_CONFIG     a TOML file of settings (keys: the variables' names without SPOTLIGHT_, in
                     lower case); the environment wins over it
SPOTLIGHT_DATA_DIR   where the embedded store and the generated secret live (default ./data,
                     made absolute once when the settings are read)
SPOTLIGHT_STORE      the event store URL (default sqlite:///<data dir>/spotlight.db);
                     see adapters.storage for the accepted forms
SPOTLIGHT_STORE_POOL  connections each process keeps to PostgreSQL for each event log
SPOTLIGHT_PROJECTION_POOL  connections each process keeps to PostgreSQL for the read models
... and the others of ``DeclaredSettings``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import attrs
from limits.storage import Storage, storage_from_string

from adapters.media.budget import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_SECONDS,
    DEFAULT_SLOTS,
    DEFAULT_WAIT_SECONDS,
)
from adapters.oidc import OidcIssuer
from adapters.storage import Store, parse_store
from application.webhook_model import RETRY_SCHEDULE
from domain.trust.video_reports import DEFAULT_REPORTS_PER_DAY
from entrypoints.setting_values import (
    AUDIT_KEY_BYTES,
    DEFAULT_RATE_LIMITS,
    ENVIRONMENTS,
    LOG_FORMATS,
    LOG_LEVELS,
    NO_LIMIT,
    PAYMENT_PROVIDERS,
    PREFIX,
    PROJECTION_MODES,
    SettingsError,
    audit_key,
)
from entrypoints.settings_declared import DeclaredSettings

__all__ = [
    "AUDIT_KEY_BYTES",
    "AUDIT_KEY_FILE",
    "DEFAULT_RATE_LIMITS",
    "ENVIRONMENTS",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "NO_LIMIT",
    "PAYMENT_PROVIDERS",
    "PREFIX",
    "PROJECTION_MODES",
    "SIGN_IN_FAILURES",
    "Settings",
    "SettingsError",
]

AUDIT_KEY_FILE = "audit-key"
SIGN_IN_FAILURES = "sign-in-failures"


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
    #: Connections to PostgreSQL for each event log (None: the library's 5, 10 more at a peak).
    store_pool: int | None = None
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
    #: Webhooks (``application.webhook_delivery``): private targets and plain http allowed,
    #: the receiver's time to answer, the waits between attempts, a sending process's lease.
    webhook_allow_private: bool = False
    webhook_timeout: float = 10.0
    webhook_retries: tuple[float, ...] = RETRY_SCHEDULE
    webhook_lease_seconds: float = 60.0
    #: Where uploads are kept: "" for files under ``data_dir/media`` (memory for the memory
    #: store), or ``s3://bucket[/prefix]?endpoint=URL&region=R`` (the ``s3`` extra).
    media_store: str = ""
    #: Hours an unheld blob is kept before the media collector deletes it.
    media_grace_hours: float = 24.0
    #: Bytes a listing photo may weigh (``SPOTLIGHT_MAX_PHOTO_MB``).
    max_photo_bytes: int = 10 * 2**20
    #: ``production`` refuses every sandbox (``entrypoints.payments``).
    environment: str = "development"
    #: The payment provider (only ``sandbox`` is built in).
    payments: str = "sandbox"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    #: The service's own address, which webhooks may not call (``adapters.webhooks.own_address``).
    public_url: str | None = None
    listen: tuple[str, int] | None = None
    #: Videos one person may report a UTC day (``domain.trust.video_reports``).
    video_reports_per_day: int = DEFAULT_REPORTS_PER_DAY

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``environ`` (default: this process's) and of its settings file."""
        return cls.of(DeclaredSettings.read(environ).values)

    @classmethod
    def of(cls, declared: DeclaredSettings) -> Settings:
        """The settings in the units the code uses (bytes, seconds), defaults filled in."""
        store_url = declared.store or f"sqlite:///{declared.data_dir / 'spotlight.db'}"
        return cls(
            store=parse_store(store_url, setting=f"{PREFIX}STORE").pooled(declared.store_pool),
            store_pool=declared.store_pool,
            data_dir=declared.data_dir,
            secret=declared.secret.encode() if declared.secret is not None else None,
            max_upload_bytes=int(declared.max_upload_mb * 2**20),
            max_json_bytes=int(declared.max_json_kb * 1024),
            max_pixels=int(declared.max_pixels),
            max_media_seconds=declared.max_media_seconds,
            decode_slots=int(declared.decode_slots),
            decode_wait_seconds=declared.decode_wait_seconds,
            sweep_interval_seconds=declared.sweep_interval,
            pulse_regions=declared.pulse_regions,
            audit_key=declared.audit_key,
            click_window_seconds=declared.click_window,
            rate_limit_storage=declared.rate_limit_storage,
            rate_limits=dict(declared.rate_limits),
            projections=declared.projections,
            projection_pool=declared.projection_pool,
            read_wait_seconds=declared.read_wait_ms / 1000,
            index_dir=declared.index_dir,
            index_snapshot_events=declared.index_snapshot_events,
            oidc_issuers=declared.oidc_issuers,
            log_format=declared.log_format,
            log_level=declared.log_level,
            metrics_token=declared.metrics_token,
            webhook_allow_private=declared.webhook_allow_private,
            webhook_timeout=declared.webhook_timeout,
            webhook_retries=declared.webhook_retries,
            webhook_lease_seconds=declared.lease_seconds,
            media_store=declared.media_store,
            media_grace_hours=declared.media_grace_hours,
            max_photo_bytes=int(declared.max_photo_mb * 2**20),
            environment=declared.environment,
            payments=declared.payments,
            public_url=declared.public_url,
            listen=declared.listen,
            video_reports_per_day=declared.video_reports_per_day,
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
        store = parse_store(url, setting="--store").pooled(self.store_pool)
        return attrs.evolve(self, store=store)

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
        seed = audit_key(text, str(path))
        if seed is None:
            raise SettingsError(f"{path} is empty: remove it or set {PREFIX}AUDIT_KEY")
        return seed
