"""Versions of the store's own tables, and the upgrades that bring an older store's up to
date when a newer release opens it.

The read models' rows have versions of their own (a projection of a new version is rebuilt
in a new generation); the tables the store keeps for itself (the projection store's
generations and positions, the webhooks' deliveries...) cannot be rebuilt from the logs, so
they are changed in place. ``schema_versions`` holds one row per component: the version its
tables are at. A process opening the store, holding the schema-change turn
(``adapters.schema_changes``), reads the row and applies each upgrade above it in order, in
the transaction that records the new version: two processes starting at once upgrade once.

Releases before this table kept no versions; a component whose first table exists with no
row was made by one of them and is at version 1 (its upgrades must therefore accept every
shape version 1 ever had). A component with neither is new: its tables are made in their
current shape and recorded at the latest version, with nothing to upgrade."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

logger = logging.getLogger(__name__)

#: The version of a component made before versions were recorded.
UNRECORDED = 1


class NewerSchema(Exception):
    """The store was upgraded by a newer release than this one; opening it could corrupt it."""


@attrs.frozen
class Upgrade:
    """What brings a component's tables from the version before ``to`` to ``to``."""

    to: int
    does: str
    apply: Callable[[Connection], None]


@attrs.frozen
class Component:
    name: str
    #: A table every release of the component has made, to tell an older store from a new one.
    first_table: str
    upgrades: tuple[Upgrade, ...] = ()

    def __attrs_post_init__(self) -> None:
        steps = [upgrade.to for upgrade in self.upgrades]
        if steps != list(range(UNRECORDED + 1, UNRECORDED + 1 + len(steps))):
            raise ValueError(f"{self.name}: upgrades must go 2, 3, ... in order, not {steps}")

    @property
    def latest(self) -> int:
        return UNRECORDED + len(self.upgrades)


def versions_table(schema: str | None) -> sa.Table:
    return sa.Table(
        "schema_versions",
        sa.MetaData(schema=schema),
        sa.Column("component", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def recorded_versions(connection: Connection, schema: str | None) -> dict[str, int]:
    """Each component's version (none before the first process of this release opened it)."""
    table = versions_table(schema)
    if not sa.inspect(connection).has_table(table.name, schema=schema):
        return {}
    return {
        row[0]: row[1] for row in connection.execute(sa.select(table.c.component, table.c.version))
    }


def bring_up_to_date(
    connection: Connection,
    schema: str | None,
    component: Component,
    create: Callable[[Connection], None],
) -> tuple[int, ...]:
    """Create ``component``'s missing tables and apply the upgrades its version lacks; the
    caller holds the schema-change turn in the transaction of ``connection``. Returns the
    versions upgraded to (none for a new component or one up to date)."""
    table = versions_table(schema)
    connection.exec_driver_sql(_creation(table, connection.dialect))
    recorded = connection.execute(
        sa.select(table.c.version).where(table.c.component == component.name)
    ).scalar_one_or_none()
    if recorded is None:
        made_before = sa.inspect(connection).has_table(component.first_table, schema=schema)
        current = UNRECORDED if made_before else component.latest
    else:
        current = recorded
    if current > component.latest:
        raise NewerSchema(_newer(component.name, current, component.latest))
    create(connection)
    applied = []
    for upgrade in component.upgrades[current - UNRECORDED :]:
        upgrade.apply(connection)
        logger.info(
            "upgraded the %s tables to version %d: %s", component.name, upgrade.to, upgrade.does
        )
        applied.append(upgrade.to)
    if recorded is None:
        connection.execute(
            sa.insert(table).values(component=component.name, version=component.latest)
        )
    elif applied:
        connection.execute(
            sa.update(table)
            .where(table.c.component == component.name)
            .values(version=component.latest)
        )
    return tuple(applied)


_CREATION: dict[tuple[str, str | None], str] = {}


def _creation(table: sa.Table, dialect: sa.Dialect) -> str:
    """``CREATE TABLE IF NOT EXISTS``, compiled once per process (every core started runs it)."""
    key = (dialect.name, table.schema)
    if key not in _CREATION:
        _CREATION[key] = str(CreateTable(table, if_not_exists=True).compile(dialect=dialect))
    return _CREATION[key]


def has_column(connection: Connection, table: sa.Table, column: str) -> bool:
    columns = sa.inspect(connection).get_columns(table.name, schema=table.schema)
    return any(found["name"] == column for found in columns)


def record_version_by_cursor(
    cursor: Any,
    dialect: sa.Dialect,
    schema: str | None,
    component: str,
    latest: int,
) -> None:
    """What ``bring_up_to_date`` does for a component whose tables another library makes on a
    connection of its own (the event logs' hash-chain tables, made by the library's recorders
    on their DBAPI cursor, in their creation transaction and schema-change turn): record the
    version its tables are at, and refuse a store a newer release has upgraded.

    Every version up to ``latest`` must still be upgraded by the caller before this runs; a
    component whose tables predate the versions is at ``UNRECORDED``."""
    table = versions_table(schema)
    quoted = dialect.identifier_preparer.format_table(table)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    cursor.execute(_creation(table, dialect))
    cursor.execute(
        f"SELECT version FROM {quoted} WHERE component = {marker}",  # noqa: S608
        (component,),
    )
    row = cursor.fetchone()
    if row is None:
        cursor.execute(
            f"INSERT INTO {quoted} (component, version) VALUES ({marker}, {marker})",  # noqa: S608
            (component, latest),
        )
        return
    if row["version"] > latest:
        raise NewerSchema(_newer(component, row["version"], latest))


def refuse_newer(connection: Connection, schema: str | None, component: Component) -> None:
    """Raise ``NewerSchema`` when a newer release has upgraded ``component``: a reader that
    opens the tables without changing them (and so without upgrading them) checks this."""
    recorded = recorded_versions(connection, schema).get(component.name, UNRECORDED)
    if recorded > component.latest:
        raise NewerSchema(_newer(component.name, recorded, component.latest))


def _newer(component: str, found: int, latest: int) -> str:
    return (
        f"the store's {component} tables are at version {found}, made by a newer release; "
        f"this one knows versions up to {latest}"
    )
