"""Built-in accounts in a real store (SQLite files, PostgreSQL): they outlive the process,
a reused refresh token stays revoked after a restart, and nothing stored holds a password
or a token, only their hashes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from adapters.storage import parse_store
from application.auth import InvalidToken, Principal, Role, TokenVerifier
from application.identity.accounts import SignInRefused
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fakes import FixedClock

PASSWORD = "a long and secret passphrase"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'spotlight.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    schema: Callable[[str], str] = request.getfixturevalue("postgres_schema")
    yield f"{url}?schema={schema('accounts')}"


def opened(url: str, tmp_path: Path) -> Spotlight:
    settings = Settings(store=parse_store(url), data_dir=tmp_path / "data", secret=TEST_SECRET)
    return bootstrap(settings, clock=FixedClock())


def stored_bytes(url: str, tmp_path: Path) -> bytes:
    if url.startswith("sqlite"):
        folder = tmp_path / "store"
        return b"".join(f.read_bytes() for f in folder.iterdir() if f.is_file())
    base, schema = url.split("?schema=")
    dump = b""
    with psycopg.connect(base) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            for row in connection.execute(query).fetchall():
                for value in row:
                    is_bytes = isinstance(value, bytes | memoryview)
                    dump += bytes(value) if is_bytes else str(value).encode()
    return dump


def verify(core: Spotlight, token: str) -> Principal:
    verifier: TokenVerifier = core.verifier
    return verifier.verify(token)


def test_accounts_and_sessions_are_kept_with_hashes_only(store_url: str, tmp_path: Path) -> None:
    core = opened(store_url, tmp_path)
    core.accounts.sign_up("ana", PASSWORD, Role.ARTIST)
    first = core.accounts.sign_in("ana", PASSWORD)
    assert first.refresh_token is not None
    second = core.accounts.refresh(first.refresh_token)
    assert second.refresh_token is not None
    core.close()

    dump = stored_bytes(store_url, tmp_path)
    assert b"AccountSignedUp" in dump  # the events are there
    secrets = [PASSWORD, first.refresh_token, second.refresh_token, second.access_token]
    for secret in secrets:
        assert secret.encode() not in dump
        assert secret.rsplit(".", 1)[-1].encode() not in dump

    reopened = opened(store_url, tmp_path)
    try:
        assert verify(reopened, second.access_token) == Principal(Role.ARTIST, "ana")
        with pytest.raises(InvalidToken, match="used already"):
            reopened.accounts.refresh(first.refresh_token)
        with pytest.raises(InvalidToken, match="has ended"):
            verify(reopened, second.access_token)
        with pytest.raises(SignInRefused):
            reopened.accounts.sign_in("ana", "not the passphrase")
        assert reopened.accounts.sign_in("ana", PASSWORD).role is Role.ARTIST
    finally:
        reopened.close()
    # Sessions ended in one process are refused by the next one too.
    last = opened(store_url, tmp_path)
    try:
        with pytest.raises(InvalidToken):
            last.accounts.refresh(second.refresh_token)
    finally:
        last.close()
