"""Webhooks' rows (``application.webhook_model.WebhookTables``) in the projection store.

- ``webhook_subscriptions_g<n>``: the subscriptions in force, a generation of the fan-out;
- ``webhook_deliveries``: one row per notice and subscription (its primary key is the
  message id derived from both, so a second fan-out of a notice adds nothing), with its
  state, its schedule and the lease of the process sending it;
- ``webhook_attempts``: every attempt of every delivery.

The deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that processes
sending at once take different rows without waiting on each other; SQLite has one writer at
a time (its writers begin IMMEDIATE), which serialises the claims. Either way a claim only
takes rows whose lease has run out, so two processes never send one delivery at once."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adapters.projections.keyset import MAX_POSITION, rows_after
from adapters.projections.schema_versions import Component
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch
from application.webhook_model import Attempt, Delivery, DeliveryState, Settlement, Subscription

#: The deliveries and their attempts (the subscriptions are a fan-out's generations).
WEBHOOK_TABLES = Component(name="webhooks", first_table="webhook_deliveries")


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"webhook_subscriptions{suffix}",
        metadata,
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kinds", sa.Text, nullable=False),  # a JSON list; [] for every kind
        sa.Column("subscribed_at", sa.String(40), nullable=False),
        sa.Column("rotated_at", sa.String(40), nullable=True),
        sa.Index(f"webhook_subscriptions_owner{suffix}", "owner", "position"),
        sa.Index(f"webhook_subscriptions_position{suffix}", "position"),
    )


@attrs.frozen
class _Tables:
    subscriptions: sa.Table


class SqlWebhookTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "webhook_", _Tables)
        self._dialect = store.database.writer.dialect.name
        metadata = sa.MetaData(schema=store.metadata.schema)
        self.deliveries_table = sa.Table(
            "webhook_deliveries",
            metadata,
            sa.Column("delivery_id", sa.String(36), primary_key=True),
            sa.Column("subscription_id", sa.String(36), nullable=False),
            sa.Column("owner", sa.Text, nullable=False),
            sa.Column("notice_id", sa.String(36), nullable=False),
            sa.Column("kind", sa.String(64), nullable=False),
            sa.Column("position", sa.BigInteger, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("tries", sa.Integer, nullable=False),
            sa.Column("next_attempt_at", sa.Float, nullable=True),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("last_status", sa.Integer, nullable=True),
            sa.Column("last_error", sa.Text, nullable=False),
            sa.Column("lease_holder", sa.String(40), nullable=True),
            sa.Column("lease_until", sa.Float, nullable=True),
            sa.Index("webhook_deliveries_due", "state", "next_attempt_at"),
            sa.Index("webhook_deliveries_subscription", "subscription_id", "position"),
        )
        self.attempts_table = sa.Table(
            "webhook_attempts",
            metadata,
            sa.Column("delivery_id", sa.String(36), primary_key=True),
            sa.Column("number", sa.Integer, primary_key=True),
            sa.Column("at", sa.Float, nullable=False),
            sa.Column("status", sa.Integer, nullable=True),
            sa.Column("latency_ms", sa.Float, nullable=False),
            sa.Column("error", sa.Text, nullable=False),
        )
        store.create_tables(metadata, component=WEBHOOK_TABLES)

    # The fan-out's generations ----------------------------------------------------------

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    def subscribed(self, batch: Batch, subscription: Subscription) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.subscriptions.insert().values(
                subscription_id=subscription.subscription_id,
                owner=subscription.owner,
                position=subscription.position,
                url=subscription.url,
                kinds=json.dumps(list(subscription.kinds)),
                subscribed_at=subscription.subscribed_at.isoformat(),
                rotated_at=None,
            )
        )

    def rotated(self, batch: Batch, subscription_id: str, at: datetime) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.subscriptions.update()
            .where(t.subscriptions.c.subscription_id == subscription_id)
            .values(rotated_at=at.isoformat())
        )

    def unsubscribed(self, batch: Batch, subscription_id: str, at: float) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.subscriptions.delete().where(t.subscriptions.c.subscription_id == subscription_id)
        )
        d = self.deliveries_table
        connection.execute(
            d.update()
            .where(d.c.subscription_id == subscription_id, d.c.state == DeliveryState.PENDING)
            .values(state=DeliveryState.CANCELLED.value, next_attempt_at=None)
        )

    def subscribers(self, batch: Batch, owner: str) -> list[Subscription]:
        connection, t = self._tables.of(batch)
        rows = connection.execute(
            sa.select(t.subscriptions)
            .where(t.subscriptions.c.owner == owner)
            .order_by(t.subscriptions.c.position)
        ).mappings()
        return [_subscription(row) for row in rows]

    def add_deliveries(self, batch: Batch, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        connection, _ = self._tables.of(batch)
        rows = [
            {
                "delivery_id": d.delivery_id,
                "subscription_id": d.subscription_id,
                "owner": d.owner,
                "notice_id": d.notice_id,
                "kind": d.kind,
                "position": d.position,
                "body": d.body,
                "state": d.state.value,
                "attempts": d.attempts,
                "tries": d.tries,
                "next_attempt_at": d.next_attempt_at,
                "created_at": d.created_at,
                "last_status": None,
                "last_error": "",
                "lease_holder": None,
                "lease_until": None,
            }
            for d in deliveries
        ]
        insert: Any
        if self._dialect == "postgresql":
            insert = postgresql.insert(self.deliveries_table).on_conflict_do_nothing()
        else:
            insert = sqlite.insert(self.deliveries_table).on_conflict_do_nothing()
        return int(connection.execute(insert, rows).rowcount or 0)

    # Reads --------------------------------------------------------------------------------

    def subscriptions(
        self, generation: int, owner: str | None, *, after: int, limit: int
    ) -> list[Subscription]:
        if after >= MAX_POSITION or limit <= 0:
            return []
        t = self._tables[generation].subscriptions
        query = sa.select(t).where(t.c.position > after)
        if owner is not None:
            query = query.where(t.c.owner == owner)
        with self.store.reading() as connection:
            rows = connection.execute(query.order_by(t.c.position).limit(limit)).mappings()
            return [_subscription(row) for row in rows]

    def subscription(self, generation: int, subscription_id: str) -> Subscription | None:
        t = self._tables[generation].subscriptions
        row = self._one(sa.select(t).where(t.c.subscription_id == subscription_id))
        return None if row is None else _subscription(row)

    def deliveries(
        self,
        subscription_id: str,
        *,
        after: int,
        limit: int,
        state: DeliveryState | None = None,
    ) -> list[Delivery]:
        d = self.deliveries_table
        query = sa.select(d).where(d.c.subscription_id == subscription_id)
        if state is not None:
            query = query.where(d.c.state == state.value)
        rows = rows_after(self.store, query, d.c.position, after=after, limit=limit)
        return [_delivery(row._mapping) for row in rows]

    def delivery(self, delivery_id: str) -> Delivery | None:
        d = self.deliveries_table
        row = self._one(sa.select(d).where(d.c.delivery_id == delivery_id))
        return None if row is None else _delivery(row)

    def _one(self, query: sa.Select[Any]) -> sa.RowMapping | None:
        with self.store.reading() as connection:
            return connection.execute(query).mappings().first()

    def attempts(self, delivery_id: str) -> list[Attempt]:
        a = self.attempts_table
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.number)
            ).mappings()
            return [
                Attempt(
                    delivery_id=row["delivery_id"],
                    number=row["number"],
                    at=row["at"],
                    status=row["status"],
                    latency_ms=row["latency_ms"],
                    error=row["error"],
                )
                for row in rows
            ]

    def counts(self) -> Mapping[str, int]:
        d = self.deliveries_table
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(d.c.state, sa.func.count()).group_by(d.c.state)
            ).all()
        found = {state.value: 0 for state in DeliveryState}
        found.update({str(state): int(count) for state, count in rows})
        return found

    def due(self, now: float) -> int:
        d = self.deliveries_table
        with self.store.reading() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count()).where(
                        d.c.state == DeliveryState.PENDING.value, d.c.next_attempt_at <= now
                    )
                ).scalar_one()
            )

    # Sending ------------------------------------------------------------------------------

    def claim(self, *, now: float, limit: int, holder: str, lease_until: float) -> list[Delivery]:
        d = self.deliveries_table
        free = sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now)
        due = (
            sa.select(d.c.delivery_id)
            .where(d.c.state == DeliveryState.PENDING.value, d.c.next_attempt_at <= now, free)
            .order_by(d.c.next_attempt_at, d.c.position)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # One statement: the due rows nobody holds, locked (skipping those another claim
        # has locked) and taken. The lease is checked again on the row itself.
        taking = (
            d.update()
            .where(d.c.delivery_id.in_(due.scalar_subquery()), free)
            .values(lease_holder=holder, lease_until=lease_until)
            .returning(*d.c)
        )
        with self.store.database.writer.begin() as connection:
            rows = connection.execute(taking).mappings().all()
        return sorted((_delivery(row) for row in rows), key=lambda d: d.position)

    def settle(self, holder: str, settlements: Sequence[Settlement]) -> list[str]:
        if not settlements:
            return []
        d, a = self.deliveries_table, self.attempts_table
        ids = [s.delivery_id for s in settlements]
        with self.store.database.writer.begin() as connection:
            held = set(
                connection.execute(
                    sa.select(d.c.delivery_id)
                    .where(d.c.delivery_id.in_(ids), d.c.lease_holder == holder)
                    .with_for_update()
                ).scalars()
            )
            kept = [s for s in settlements if s.delivery_id in held]
            tried = [s for s in kept if s.attempt is not None]
            untried = [s for s in kept if s.attempt is None]
            if tried:
                connection.execute(
                    d.update()
                    .where(d.c.delivery_id == sa.bindparam("b_id"))
                    .values(
                        state=sa.bindparam("b_state"),
                        next_attempt_at=sa.bindparam("b_next"),
                        lease_holder=None,
                        lease_until=None,
                        attempts=d.c.attempts + 1,
                        tries=d.c.tries + 1,
                        last_status=sa.bindparam("b_status"),
                        last_error=sa.bindparam("b_error"),
                    ),
                    [
                        {
                            "b_id": s.delivery_id,
                            "b_state": s.state.value,
                            "b_next": s.next_attempt_at,
                            "b_status": s.attempt.status if s.attempt else None,
                            "b_error": s.attempt.error if s.attempt else "",
                        }
                        for s in tried
                    ],
                )
                connection.execute(
                    a.insert(),
                    [attrs.asdict(s.attempt) for s in tried if s.attempt is not None],
                )
            if untried:
                connection.execute(
                    d.update()
                    .where(d.c.delivery_id == sa.bindparam("b_id"))
                    .values(
                        state=sa.bindparam("b_state"),
                        next_attempt_at=sa.bindparam("b_next"),
                        lease_holder=None,
                        lease_until=None,
                    ),
                    [
                        {"b_id": s.delivery_id, "b_state": s.state.value, "b_next": None}
                        for s in untried
                    ],
                )
        return [s.delivery_id for s in kept]

    def requeue(self, delivery_id: str, *, now: float) -> Delivery | None:
        d = self.deliveries_table
        with self.store.database.writer.begin() as connection:
            connection.execute(
                d.update()
                .where(d.c.delivery_id == delivery_id, d.c.state != DeliveryState.PENDING.value)
                .values(state=DeliveryState.PENDING.value, tries=0, next_attempt_at=now)
            )
            row = (
                connection.execute(sa.select(d).where(d.c.delivery_id == delivery_id))
                .mappings()
                .first()
            )
        return None if row is None else _delivery(row)


def _subscription(row: sa.RowMapping) -> Subscription:
    return Subscription(
        subscription_id=row["subscription_id"],
        owner=row["owner"],
        url=row["url"],
        kinds=tuple(json.loads(row["kinds"])),
        subscribed_at=datetime.fromisoformat(row["subscribed_at"]),
        position=row["position"],
        rotated_at=datetime.fromisoformat(row["rotated_at"]) if row["rotated_at"] else None,
    )


def _delivery(row: sa.RowMapping) -> Delivery:
    return Delivery(
        delivery_id=row["delivery_id"],
        subscription_id=row["subscription_id"],
        owner=row["owner"],
        notice_id=row["notice_id"],
        kind=row["kind"],
        position=row["position"],
        body=row["body"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        tries=row["tries"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
    )
