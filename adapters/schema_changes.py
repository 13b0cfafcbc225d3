"""Schema changes on PostgreSQL take turns across processes.

Every process that opens the store (each `spotlight serve --workers N` worker, each
`spotlight worker`, each replica) creates what it needs with ``CREATE ... IF NOT EXISTS`` and
``CREATE OR REPLACE FUNCTION``. PostgreSQL does not make those safe to run at once: two
sessions replacing the same function fail one of them with "tuple concurrently updated", and
two creating the same missing schema, type or table fail one with a duplicate key in its
catalogue (``pg_namespace_nspname_index``, ``pg_type_typname_nsp_index``). A worker that
failed so died at its start, and the supervisor then spent its whole health-check wait on
it, not stopping on SIGTERM meanwhile (issue 16). With one of the statements below taken
first, the next process waits for this one's change to commit; schema changes are few and
short, so the wait is too.

Every statement that creates or alters something on PostgreSQL runs during a turn: the
store's schema (``adapters.storage``), the logs' recorders of both PostgreSQL stores (events,
chain, snapshots, tracking; ``adapters.audit``), the projection database's tables
(``adapters.projections.store``, which the webhooks' tables go through too) and the key
store's table (``adapters.keys.stores``). ``tests/integration/test_schema_changes.py`` has
the server refuse any such statement made while no session holds the turn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

_KEY = "hashtext('spotlight schema changes')"

#: Held until the end of the transaction that runs it. One key for the whole database: the
#: library's insert function is shared by every schema's logs.
TAKE_TURN_FOR_SCHEMA_CHANGES = f"SELECT pg_advisory_xact_lock({_KEY})"

#: Held until the session ends (or says otherwise), for a change made on other connections.
TAKE_TURN_FOR_SCHEMA_CHANGES_UNTIL_CLOSED = f"SELECT pg_advisory_lock({_KEY})"
GIVE_TURN_BACK = f"SELECT pg_advisory_unlock({_KEY})"

#: How long a process waits for its turn before it reports the store unavailable, rather
#: than wait for ever behind a change stuck on someone's lock: for the session, and for the
#: rest of one transaction.
SCHEMA_CHANGES_WAIT = "SET lock_timeout = '60s'"
SCHEMA_CHANGES_WAIT_IN_TRANSACTION = "SET LOCAL lock_timeout = '60s'"
SCHEMA_CHANGES_WAIT_ENDED = "RESET lock_timeout"


def take_turn(connection: Connection) -> None:
    """Wait, on PostgreSQL, for another process's schema change to commit; the turn is this
    transaction's until it ends (SQLite's writers take turns already)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(SCHEMA_CHANGES_WAIT_IN_TRANSACTION)
        connection.exec_driver_sql(TAKE_TURN_FOR_SCHEMA_CHANGES)


@contextmanager
def turn_of(engine: Engine) -> Iterator[None]:
    """A turn held, on PostgreSQL, by a connection of the engine's own while the block makes
    its changes through others (a library's code that takes its connections itself)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as turn:
        turn.exec_driver_sql(SCHEMA_CHANGES_WAIT)
        turn.exec_driver_sql(TAKE_TURN_FOR_SCHEMA_CHANGES_UNTIL_CLOSED)
        try:
            yield
        finally:
            # The connection goes back to the pool: neither the lock nor the wait go with it.
            turn.exec_driver_sql(GIVE_TURN_BACK)
            turn.exec_driver_sql(SCHEMA_CHANGES_WAIT_ENDED)
