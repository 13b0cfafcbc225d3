"""Every log's end read at once: on PostgreSQL, one statement over the logs' tables in
place of one round trip per log (each command's answer carries every log's position)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

LogEnds = Callable[[], dict[str, int]]


def joint_log_ends(logs: Mapping[str, Application[UUID]]) -> LogEnds | None:
    """A reader of every log's end in one statement, when the logs are tables of one
    PostgreSQL database and schema; None otherwise (each log is then asked in turn)."""
    recorders = [application.recorder for application in logs.values()]
    if not recorders or not all(isinstance(r, PostgresApplicationRecorder) for r in recorders):
        return None
    postgres = [r for r in recorders if isinstance(r, PostgresApplicationRecorder)]
    places = {_place(recorder.datastore) for recorder in postgres}
    if len(places) != 1:
        return None
    datastore = postgres[0].datastore
    schema = Identifier(datastore.schema)
    names = list(logs)
    statement: Composed = SQL("SELECT ") + SQL(", ").join(
        SQL("(SELECT MAX(notification_id) FROM {schema}.{table}) AS {name}").format(
            schema=schema,
            table=Identifier(recorder.events_table_name),
            name=Identifier(f"end_{index}"),
        )
        for index, recorder in enumerate(postgres)
    )

    def ends() -> dict[str, int]:
        with datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, prepare=True)
            row: Any = cursor.fetchone()
        return {name: int(row[f"end_{index}"] or 0) for index, name in enumerate(names)}

    return ends


def _place(datastore: PostgresDatastore) -> tuple[object, ...]:
    info = datastore.pool.conninfo
    return (info, datastore.schema)
