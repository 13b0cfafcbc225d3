"""Configuration: one URL names the event store, and every mistake names the setting to fix."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from adapters.storage import FACTORIES, StoreConfigurationError, StoreKind, parse_store
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings, SettingsError
from tests.fakes import FixedClock, SequentialIdentities

A_SECRET = "a-secret-of-twenty-bytes"
UNREACHABLE_POSTGRES = "postgresql://spotlight:hunter2@127.0.0.1:5999/spotlight"


def one_line(error: pytest.ExceptionInfo[Exception]) -> str:
    message = str(error.value)
    assert "\n" not in message, f"the message should be one line: {message!r}"
    return message


# Store URLs -----------------------------------------------------------------------------------


def test_the_memory_store_needs_nothing_else() -> None:
    store = parse_store("memory://")

    assert store.kind is StoreKind.MEMORY
    assert store.env_for("catalogue") == {"PERSISTENCE_MODULE": FACTORIES[StoreKind.MEMORY]}


def test_each_application_keeps_its_sqlite_log_in_a_file_beside_the_named_one() -> None:
    store = parse_store("sqlite:////srv/spotlight/spotlight.db")

    assert store.kind is StoreKind.SQLITE
    assert store.sqlite_path == Path("/srv/spotlight/spotlight.db")
    env = store.env_for("catalogue")
    assert env["PERSISTENCE_MODULE"] == FACTORIES[StoreKind.SQLITE]
    assert env["SQLITE_DBNAME"] == "/srv/spotlight/spotlight.catalogue.db"


def test_a_relative_sqlite_path_stays_relative() -> None:
    store = parse_store("sqlite:///data/spotlight.db")

    assert store.sqlite_path == Path("data/spotlight.db")
    assert store.env_for("catalogue")["SQLITE_DBNAME"] == "data/spotlight.catalogue.db"


def test_a_postgresql_url_becomes_the_settings_of_the_postgresql_recorder() -> None:
    store = parse_store("postgresql://spotlight:s%40fe@db.internal:6432/core?schema=tenant_1")

    assert store.kind is StoreKind.POSTGRESQL
    assert store.env_for("catalogue") == {
        "PERSISTENCE_MODULE": FACTORIES[StoreKind.POSTGRESQL],
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6432",
        "POSTGRES_DBNAME": "core",
        "POSTGRES_USER": "spotlight",
        "POSTGRES_PASSWORD": "s@fe",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_SCHEMA": "tenant_1",
    }


def test_postgresql_defaults_to_its_usual_port_and_user_and_no_schema() -> None:
    env = parse_store("postgres://db.internal/core").env_for("catalogue")

    assert (env["POSTGRES_PORT"], env["POSTGRES_USER"]) == ("5432", "postgres")
    assert "POSTGRES_SCHEMA" not in env


def test_a_sqlalchemy_url_loses_only_the_schema_parameter() -> None:
    store = parse_store(
        "sqlalchemy+postgresql+psycopg://u@db.internal/core?schema=tenant_1&sslmode=require"
    )

    assert store.kind is StoreKind.SQLALCHEMY
    assert store.env_for("catalogue") == {
        "PERSISTENCE_MODULE": FACTORIES[StoreKind.SQLALCHEMY],
        "SQLALCHEMY_URL": "postgresql+psycopg://u@db.internal/core?sslmode=require",
        "SQLALCHEMY_SCHEMA": "tenant_1",
    }


def test_the_password_of_a_store_url_is_never_shown() -> None:
    store = parse_store("postgresql://spotlight:hunter2@db.internal/core")

    assert store.redacted == "postgresql://spotlight:***@db.internal/core"


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("", "expected memory://"),
        ("spotlight.db", "expected memory://"),
        ("sqlite://", "expected memory://"),
        ("sqlite:///", "names a file"),
        ("sqlite://spotlight.db", "names a file"),
        ("postgresql://", "expected memory://"),
        ("postgresql://db.internal", "needs a host and a database"),
        ("postgresql:///core", "needs a host and a database"),
        ("postgresql://db.internal:fast/core", "port is not a number"),
        ("postgresql://db.internal/core?schema=tenant-1", "not a plain SQL identifier"),
        ("postgresql://db.internal/core?schema=x;DROP TABLE y", "not a plain SQL identifier"),
        ("sqlalchemy+sqlite:///x.db?schema=1st", "not a plain SQL identifier"),
        ("mysql://db.internal/core", "unknown store scheme 'mysql'"),
    ],
)
def test_a_malformed_store_url_is_refused_naming_the_setting(url: str, complaint: str) -> None:
    with pytest.raises(StoreConfigurationError, match=complaint) as refused:
        parse_store(url)

    assert one_line(refused).startswith("SPOTLIGHT_STORE=")


def test_a_malformed_store_url_does_not_reveal_its_password() -> None:
    with pytest.raises(StoreConfigurationError, match="port is not a number") as refused:
        parse_store("postgresql://spotlight:hunter2@db.internal:fast/core")

    assert "hunter2" not in one_line(refused)
    assert "spotlight:***@db.internal" in str(refused.value)


# Settings from the environment ----------------------------------------------------------------


def test_by_default_the_store_is_a_sqlite_file_in_the_data_directory() -> None:
    settings = Settings.from_environ({})

    assert settings.data_dir == Path("data").absolute()
    assert settings.store.kind is StoreKind.SQLITE
    assert settings.store.sqlite_path == Path("data/spotlight.db").absolute()
    assert settings.secret is None


def test_the_environment_names_the_store_the_data_directory_and_the_secret(
    tmp_path: Path,
) -> None:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_STORE": "memory://",
            "SPOTLIGHT_SECRET": A_SECRET,
        }
    )

    assert (settings.data_dir, settings.store.kind) == (tmp_path, StoreKind.MEMORY)
    assert settings.signing_secret() == A_SECRET.encode()


def test_a_malformed_store_in_the_environment_names_spotlight_store() -> None:
    with pytest.raises(StoreConfigurationError) as refused:
        Settings.from_environ({"SPOTLIGHT_STORE": "postgresql://nowhere"})

    assert one_line(refused).startswith("SPOTLIGHT_STORE='postgresql://nowhere'")


def test_a_short_secret_is_refused_naming_spotlight_secret() -> None:
    with pytest.raises(SettingsError, match="SPOTLIGHT_SECRET must have at least 16 bytes"):
        Settings.from_environ({"SPOTLIGHT_SECRET": "too-short"})


def test_a_store_given_on_the_command_line_is_blamed_on_the_option() -> None:
    settings = Settings.from_environ({"SPOTLIGHT_STORE": "memory://"})

    with pytest.raises(StoreConfigurationError, match=r"^--store="):
        settings.with_store("sqlite://")
    assert settings.with_store("sqlite:///elsewhere.db").store.kind is StoreKind.SQLITE


def test_without_a_secret_one_is_made_once_and_kept_private_in_the_data_directory(
    tmp_path: Path,
) -> None:
    settings = Settings.from_environ({"SPOTLIGHT_DATA_DIR": str(tmp_path / "data")})

    made = settings.signing_secret()

    assert len(made) >= 16
    assert settings.signing_secret() == made
    kept = tmp_path / "data" / "secret"
    assert kept.read_bytes() == made
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_an_unusable_data_directory_for_the_secret_names_spotlight_secret(tmp_path: Path) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    settings = Settings.from_environ({"SPOTLIGHT_DATA_DIR": str(occupied)})

    with pytest.raises(SettingsError, match="SPOTLIGHT_SECRET is unset"):
        settings.signing_secret()


# Opening the store ----------------------------------------------------------------------------


def bootstrap_with(environ: dict[str, str]) -> None:
    settings = Settings.from_environ({"SPOTLIGHT_SECRET": A_SECRET, **environ})
    bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities()).close()


def test_an_unreachable_postgresql_is_reported_in_one_line_without_the_password() -> None:
    with pytest.raises(StoreConfigurationError, match="PostgreSQL is not reachable") as refused:
        bootstrap_with({"SPOTLIGHT_STORE": UNREACHABLE_POSTGRES})

    message = one_line(refused)
    assert message.startswith("SPOTLIGHT_STORE=postgresql://spotlight:***@127.0.0.1:5999/")
    assert "hunter2" not in message


def test_an_unreachable_database_behind_sqlalchemy_is_reported_in_one_line() -> None:
    with pytest.raises(StoreConfigurationError, match="the database is not reachable") as refused:
        bootstrap_with(
            {"SPOTLIGHT_STORE": "sqlalchemy+postgresql+psycopg://u:hunter2@127.0.0.1:5999/db"}
        )

    assert "hunter2" not in one_line(refused)


def test_a_sqlalchemy_url_of_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(StoreConfigurationError, match="not a usable SQLAlchemy URL") as refused:
        bootstrap_with({"SPOTLIGHT_STORE": "sqlalchemy+nosuchdatabase://host/db"})

    assert one_line(refused).startswith("SPOTLIGHT_STORE=")


def test_a_sqlite_store_creates_its_directory(tmp_path: Path) -> None:
    bootstrap_with({"SPOTLIGHT_STORE": f"sqlite:///{tmp_path}/deep/er/spotlight.db"})

    assert (tmp_path / "deep" / "er" / "spotlight.catalogue.db").is_file()


def test_a_sqlite_store_under_a_file_is_refused_naming_the_directory(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")

    with pytest.raises(StoreConfigurationError, match="cannot create the directory") as refused:
        bootstrap_with({"SPOTLIGHT_STORE": f"sqlite:///{tmp_path}/a-file/spotlight.db"})

    assert one_line(refused).startswith("SPOTLIGHT_STORE: ")


def test_a_sqlite_store_that_cannot_be_opened_is_reported_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "spotlight.catalogue.db").mkdir()

    with pytest.raises(StoreConfigurationError, match="could not be opened") as refused:
        bootstrap_with({"SPOTLIGHT_STORE": f"sqlite:///{tmp_path}/spotlight.db"})

    assert one_line(refused).startswith("SPOTLIGHT_STORE=sqlite:///")


def test_what_one_request_may_cost_has_defaults_and_can_be_set() -> None:
    default = Settings.from_environ({"SPOTLIGHT_STORE": "memory://"})
    tuned = Settings.from_environ(
        {
            "SPOTLIGHT_STORE": "memory://",
            "SPOTLIGHT_MAX_JSON_KB": "64",
            "SPOTLIGHT_MAX_PIXELS": "1000000",
            "SPOTLIGHT_MAX_MEDIA_SECONDS": "90",
            "SPOTLIGHT_DECODE_SLOTS": "4",
            "SPOTLIGHT_DECODE_WAIT_SECONDS": "5",
        }
    )

    assert (default.max_json_bytes, default.max_pixels, default.max_media_seconds) == (
        2**20,
        4096 * 4096,
        600.0,
    )
    assert (default.decode_slots, default.decode_wait_seconds) == (2, 30.0)
    assert (tuned.max_json_bytes, tuned.max_pixels, tuned.max_media_seconds) == (
        65_536,
        1_000_000,
        90.0,
    )
    assert (tuned.decode_slots, tuned.decode_wait_seconds) == (4, 5.0)


@pytest.mark.parametrize("value", ["0", "inf", "nan", "lots"])
def test_a_decoding_budget_that_is_not_a_positive_finite_number_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="SPOTLIGHT_DECODE_SLOTS"):
        Settings.from_environ({"SPOTLIGHT_STORE": "memory://", "SPOTLIGHT_DECODE_SLOTS": value})


def test_logging_and_metrics_settings_have_defaults_and_can_be_set() -> None:
    default = Settings.from_environ({})
    assert (default.log_format, default.log_level, default.metrics_token) == ("auto", None, None)
    chosen = Settings.from_environ(
        {
            "SPOTLIGHT_LOG_FORMAT": "JSON",
            "SPOTLIGHT_LOG_LEVEL": "debug",
            "SPOTLIGHT_METRICS_TOKEN": "scrape-" + "t" * 20,
        }
    )
    assert (chosen.log_format, chosen.log_level, chosen.metrics_token) == (
        "json",
        "debug",
        "scrape-" + "t" * 20,
    )
    assert "scrape-" not in repr(chosen)


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("LOG_FORMAT", "xml", "SPOTLIGHT_LOG_FORMAT must be one of auto, json, text"),
        ("LOG_LEVEL", "loud", "SPOTLIGHT_LOG_LEVEL must be one of critical"),
        ("METRICS_TOKEN", "short", "SPOTLIGHT_METRICS_TOKEN must have at least 16 bytes"),
    ],
)
def test_a_malformed_logging_or_metrics_setting_is_refused_naming_it(
    name: str, value: str, complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_environ({f"SPOTLIGHT_{name}": value})
