"""The baseline: the eventsourcing library used as plainly as possible.

These aggregates carry the same fields as the project's Video and Title, so the stored
events have the same shape and size; everything the project adds on top (authorisation,
validation, normalisation, explicit topics, views, custom transcodings) is left out.
They live in their own module so that their event topics resolve when read back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from adapters.storage import Store, StoreKind


class RawVideo(Aggregate):
    @event("Published")
    def __init__(
        self,
        creator_id: str,
        caption: str,
        hashtags: tuple[str, ...],
        category: str,
        published_at: datetime,
    ) -> None:
        self.creator_id = creator_id
        self.caption = caption
        self.hashtags = hashtags
        self.category = category
        self.published_at = published_at
        self.anchored_to: UUID | None = None

    @event("AnchorAttached")
    def attach_anchor(
        self, title_id: UUID, attached_by: str, attached_at: datetime, note: str
    ) -> None:
        self.anchored_to = title_id


class RawTitle(Aggregate):
    @event("Registered")
    def __init__(
        self,
        studio_id: str,
        name: str,
        kind: str,
        portal: dict[str, list[Any]],
        registered_at: datetime,
    ) -> None:
        self.studio_id = studio_id
        self.name = name
        self.kind = kind
        self.portal = portal
        self.registered_at = registered_at


class RawApplication(Application[UUID]):
    name = "rawbench"


#: The library's own recorders for each kind of store: no hash chain, nothing of the project.
PLAIN_FACTORIES = {
    StoreKind.MEMORY: "eventsourcing.popo",
    StoreKind.SQLITE: "eventsourcing.sqlite",
    StoreKind.POSTGRESQL: "eventsourcing.postgres",
    StoreKind.SQLALCHEMY: "eventsourcing_sqlalchemy",
}


def plain_env(store: Store, application_name: str) -> dict[str, str]:
    """The settings the store gives an application, with the plain library's recorders in
    place of the project's hash-chained ones: the baseline the project is measured against
    (the chained writer's own cost is measured apart, as the "raw, chained" side)."""
    return {**store.env_for(application_name), "PERSISTENCE_MODULE": PLAIN_FACTORIES[store.kind]}
