"""Every setting, declared once: its variable, its default, what it means, how it is read.

A setting is read from the environment (``SPOTLIGHT_<NAME>``) or, when
``SPOTLIGHT_CONFIG`` names one, from a TOML file whose keys are the names without the prefix
in lower case (``data_dir = "/srv/spotlight"``); the environment wins over the file, the file
over the default. An empty variable counts as unset. Each value goes through the parser of
``entrypoints.setting_values``, whose one-line message names the variable to fix."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import attrs
from pydantic import BeforeValidator, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from adapters.media.budget import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_SECONDS,
    DEFAULT_SLOTS,
    DEFAULT_WAIT_SECONDS,
)
from adapters.oidc import OidcIssuer
from application.webhook_model import RETRY_SCHEDULE
from domain.trust.video_reports import DEFAULT_REPORTS_PER_DAY
from entrypoints import setting_values as values
from entrypoints.setting_values import PREFIX, SettingsError

#: The variable naming the settings file.
CONFIG_FILE = f"{PREFIX}CONFIG"

Source = Literal["default", "environment", "file"]


def _text(value: object) -> str:
    """A value of the settings file as the text its variable would hold."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        return ",".join(f"{key}={_text(item)}" for key, item in value.items())
    return str(value)


def _read(parse: Callable[[str], object]) -> BeforeValidator:
    """The field is given as text (or a TOML value, turned into text) and parsed so."""
    return BeforeValidator(lambda given: parse(_text(given)))


def _number(name: str, minimum: float) -> BeforeValidator:
    return _read(lambda text: values.number(name, text, minimum=minimum))


def _whole(name: str) -> BeforeValidator:
    """A count of at least one (a fraction is cut, as the variables always were)."""
    return _read(lambda text: int(values.number(name, text, minimum=1)))


def _choice(name: str, choices: tuple[str, ...]) -> BeforeValidator:
    return _read(lambda text: values.choice(name, text, choices))


def _secret(description: str) -> Any:
    """A field whose value ``spotlight config`` never shows."""
    return Field(default=None, description=description, json_schema_extra={"secret": True})


class DeclaredSettings(BaseSettings):
    """The settings as an operator gives them, in the units they are given in (MB, ms)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        extra="ignore",
        # Values reach the parsers as text: "US,CA" is a list of regions, not JSON.
        enable_decoding=False,
        arbitrary_types_allowed=True,
        frozen=True,
        # Defaults are values already; only what an operator wrote is parsed.
        validate_default=False,
    )

    data_dir: Annotated[Path, _read(values.directory)] = Field(
        default_factory=lambda: values.directory("data"),
        description="where the embedded store and the generated secret live (made absolute "
        "once, so every command finds the same directory wherever it runs from)",
    )
    store: Annotated[str | None, _read(str.strip)] = Field(
        default=None,
        description="the event store URL (default sqlite:///<data dir>/spotlight.db)",
    )
    store_pool: Annotated[int | None, _whole("STORE_POOL")] = Field(
        default=None,
        description="connections each process keeps to PostgreSQL for each event log (four "
        "logs), as many again at a peak (default: the library's 5, plus 10 at a peak)",
    )
    secret: Annotated[str | None, _read(lambda text: values.secret("SECRET", text))] = _secret(
        "the token signing secret (at least 16 bytes); when unset, a random one is generated "
        "once and kept in <data dir>/secret"
    )
    max_upload_mb: Annotated[float, _number("MAX_UPLOAD_MB", 0.001)] = Field(
        default=200, description="the largest upload, in MB"
    )
    max_json_kb: Annotated[float, _number("MAX_JSON_KB", 1)] = Field(
        default=1024, description="the largest JSON body, in KB"
    )
    max_pixels: Annotated[float, _number("MAX_PIXELS", 1)] = Field(
        default=DEFAULT_MAX_PIXELS, description="the most pixels of one decoded frame"
    )
    max_media_seconds: Annotated[float, _number("MAX_MEDIA_SECONDS", 1.0)] = Field(
        default=DEFAULT_MAX_SECONDS, description="the longest media decoded, in seconds"
    )
    decode_slots: Annotated[float, _number("DECODE_SLOTS", 1)] = Field(
        default=DEFAULT_SLOTS, description="decodings one process runs at once"
    )
    decode_wait_seconds: Annotated[float, _number("DECODE_WAIT_SECONDS", 0.0)] = Field(
        default=DEFAULT_WAIT_SECONDS, description="how long a request waits for a decoding slot"
    )
    sweep_interval: Annotated[float, _number("SWEEP_INTERVAL", 0.0)] = Field(
        default=2.0, description="seconds between two passes of the background work"
    )
    pulse_regions: Annotated[tuple[str, ...], _read(values.regions)] = Field(
        default=("US",), description="the regions where Pulse is launched, comma-separated"
    )
    audit_key: Annotated[
        bytes | None, _read(lambda t: values.audit_key(t, f"{PREFIX}AUDIT_KEY"))
    ] = _secret(
        "base64 of the 32-byte Ed25519 seed that signs audit checkpoints; when unset, a random "
        "one is generated once and kept in <data dir>/audit-key"
    )
    click_window: Annotated[float, _number("CLICK_WINDOW", 1.0)] = Field(
        default=3600.0,
        description="seconds in which a viewer's repeated click on one video counts once",
    )
    rate_limit_storage: Annotated[str, _read(values.rate_limit_storage)] = Field(
        default="memory://",
        description="where request counts are kept: memory:// (this process) or a "
        "redis://host:port/db shared by every process of the service",
    )
    rate_limits: Annotated[dict[str, str], _read(values.rate_limits)] = Field(
        default_factory=lambda: dict(values.DEFAULT_RATE_LIMITS),
        description="per-flow limits overriding the defaults, e.g. "
        "clicks=30/minute,votes=5/minute;50/day (a flow=none is not limited)",
    )
    projections: Annotated[str, _read(values.projections_mode)] = Field(
        default="inline",
        description="who brings the read models up to date: inline (the request that reads "
        "one, and the service's worker thread) or worker (only `spotlight worker`)",
    )
    projection_pool: Annotated[int, _whole("PROJECTION_POOL")] = Field(
        default=4,
        description="connections each process keeps to PostgreSQL for the read models (plus "
        "as many again at a peak)",
    )
    read_wait_ms: Annotated[float, _number("READ_WAIT_MS", 0.0)] = Field(
        default=2000,
        description="how long a read sent with Spotlight-After waits for the read models",
    )
    index_dir: Annotated[Path | None, _read(values.directory)] = Field(
        default=None,
        description="where the matching indexes' snapshots are kept (default <data "
        "dir>/indexes), one directory per store below it",
    )
    index_snapshot_events: Annotated[int, _whole("INDEX_SNAPSHOT_EVENTS")] = Field(
        default=1000,
        description="index events after which a new snapshot of a matching index is written",
    )
    oidc_issuers: Annotated[tuple[OidcIssuer, ...], _read(values.oidc_issuers)] = Field(
        default=(),
        description="external identity providers whose JWTs are accepted: a JSON list of "
        "issuer objects, or @<path> of a file holding it",
    )
    log_format: Annotated[str, _choice("LOG_FORMAT", values.LOG_FORMATS)] = Field(
        default="auto",
        description="json, text or auto (json unless stderr is a terminal)",
    )
    log_level: Annotated[str | None, _choice("LOG_LEVEL", values.LOG_LEVELS)] = Field(
        default=None,
        description="debug, info, warning, error or critical (default: info for serve and "
        "worker, warning for the other commands)",
    )
    metrics_token: Annotated[
        str | None, _read(lambda text: values.secret("METRICS_TOKEN", text.strip()))
    ] = _secret("when set, GET /metrics needs `Authorization: Bearer <it>`")
    webhook_allow_private: Annotated[
        bool, _read(lambda text: values.yes_or_no("WEBHOOK_ALLOW_PRIVATE", text))
    ] = Field(
        default=False,
        description="1 lets webhooks call private addresses and plain http://",
    )
    webhook_timeout: Annotated[float, _number("WEBHOOK_TIMEOUT", 0.1)] = Field(
        default=10.0, description="seconds a receiver has to answer one webhook call"
    )
    webhook_retries: Annotated[tuple[float, ...], _read(values.waits)] = Field(
        default=RETRY_SCHEDULE,
        description="seconds to wait after each failed webhook call, comma-separated",
    )
    webhook_lease: Annotated[float | None, _number("WEBHOOK_LEASE", 1.0)] = Field(
        default=None,
        description="seconds a process holds a delivery it sends (default: 60, or three "
        "times the timeout when more; always more than the timeout)",
    )
    media_store: Annotated[str, _read(values.media_store)] = Field(
        default="",
        description="where uploads are kept: empty (files under the data directory) or "
        "s3://bucket[/prefix]?endpoint=URL&region=R",
    )
    media_grace_hours: Annotated[float, _number("MEDIA_GRACE_HOURS", 0.0)] = Field(
        default=24.0,
        description="hours an unheld blob of the media store is kept before `spotlight media "
        "gc` collects it (an upload in flight has stored its blob but not yet named it)",
    )
    max_photo_mb: Annotated[float, _number("MAX_PHOTO_MB", 0.001)] = Field(
        default=10.0,
        description="megabytes a listing photo may weigh (and never more than MAX_UPLOAD_MB)",
    )
    environment: Annotated[str, _choice("ENVIRONMENT", values.ENVIRONMENTS)] = Field(
        default="development",
        description="development or production: production refuses every sandbox",
    )
    payments: Annotated[str, _choice("PAYMENTS", values.PAYMENT_PROVIDERS)] = Field(
        default="sandbox", description="the payment provider"
    )
    public_url: Annotated[str | None, _read(values.public_url)] = Field(
        default=None,
        description="the base URL the service is reached at: webhooks may not call it",
    )
    listen: Annotated[tuple[str, int] | None, _read(values.listen)] = Field(
        default=None,
        description="host:port the service listens on (`spotlight serve` sets it)",
    )
    video_reports_per_day: Annotated[int, _whole("VIDEO_REPORTS_PER_DAY")] = Field(
        default=DEFAULT_REPORTS_PER_DAY,
        description="videos one person may report a UTC day; past it a report is refused",
    )

    @property
    def lease_seconds(self) -> float:
        """The lease of a delivery: as set, or 60 seconds or three timeouts if more."""
        if self.webhook_lease is not None:
            return self.webhook_lease
        return max(60.0, 3 * self.webhook_timeout)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, given: Any) -> Any:
        if isinstance(given, dict):
            return {
                key: value
                for key, value in given.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return given

    @model_validator(mode="after")
    def _consistent(self) -> DeclaredSettings:
        if self.lease_seconds <= self.webhook_timeout:
            raise SettingsError(
                f"{PREFIX}WEBHOOK_LEASE ({self.lease_seconds:g}) must be more than "
                f"{PREFIX}WEBHOOK_TIMEOUT ({self.webhook_timeout:g}): a delivery is held "
                "while it is sent"
            )
        if self.environment == "production" and self.payments == "sandbox":
            raise SettingsError(
                f"{PREFIX}ENVIRONMENT=production refuses the sandbox payment provider (no "
                f"money would move): set {PREFIX}PAYMENTS to a real provider"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # ``read`` hands over the environment and the file as the first source.
        return (init_settings,)

    # Reading ---------------------------------------------------------------------------------

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Declared:
        """The settings of ``environ`` (default: this process's) and of the file it names."""
        environ = os.environ if environ is None else environ
        from_environment = _EnvironmentSource(cls, environ)()
        path = environ.get(CONFIG_FILE, "").strip()
        from_file = _file(cls, Path(path)) if path else {}
        given = {**from_file, **from_environment}
        sources: dict[str, Source] = {
            name: ("environment" if name in from_environment else "file")
            for name, value in given.items()
            if not (isinstance(value, str) and not value.strip())
        }
        try:
            declared = cls(**given)
        except ValidationError as error:  # a value no parser saw (a parser raises SettingsError)
            first = error.errors()[0]
            where = cls.variable(str(first["loc"][0])) if first["loc"] else CONFIG_FILE
            raise SettingsError(f"{where}: {first['msg']}") from None
        return Declared(declared, sources, Path(path).absolute() if path else None)

    @classmethod
    def variable(cls, name: str) -> str:
        return f"{PREFIX}{name.upper()}"

    @classmethod
    def is_secret(cls, field: FieldInfo) -> bool:
        extra = field.json_schema_extra
        return isinstance(extra, dict) and extra.get("secret") is True


@attrs.frozen
class Declared:
    """The settings read, where each came from, and the file read (if any)."""

    values: DeclaredSettings
    sources: Mapping[str, Source]
    file: Path | None

    def source(self, name: str) -> Source:
        return self.sources.get(name, "default")


class _EnvironmentSource(EnvSettingsSource):
    """The library's reading of ``SPOTLIGHT_*`` variables, from a given mapping (tests and
    ``spotlight config`` read one that is not the process's)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _file(settings_cls: type[DeclaredSettings], path: Path) -> dict[str, Any]:
    where = f"{CONFIG_FILE}={str(path)!r}"
    if not path.is_file():
        raise SettingsError(f"{where}: no such file")
    try:
        given = TomlConfigSettingsSource(settings_cls, toml_file=path)()
    except OSError as error:
        raise SettingsError(f"{where}: cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{where}: not TOML: {error}") from None
    unknown = sorted(set(given) - set(settings_cls.model_fields))
    if unknown:
        raise SettingsError(
            f"{where}: unknown settings {', '.join(unknown)} (keys are the variables' names "
            f"without {PREFIX}, in lower case)"
        )
    return dict(given)
