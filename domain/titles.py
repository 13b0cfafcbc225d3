"""A movie or show registered by a studio, with the portal its anchors lead to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidValue, RuleViolated
from domain.portal import MAX_TEXT, Portal
from domain.time import checked_instant


class TitleKind(StrEnum):
    MOVIE = "movie"
    SHOW = "show"


class PortalUnchanged(RuleViolated):
    """The offered portal is identical to the current one, so nothing would be recorded."""


def _checked_name(name: str) -> str:
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_TEXT:
        raise InvalidValue(f"a title's name must have 1 to {MAX_TEXT} characters")
    return stripped


class Title(Aggregate):
    TOPIC = "spotlight.titles:Title"
    # Every event of this aggregate carries an explicit topic; the library would otherwise
    # derive an inherited "Created" event without one. TitleRegistered is the creation event.
    Created = None  # type: ignore[assignment]

    class Registered(Aggregate.Created):
        TOPIC = "spotlight.titles:TitleRegistered"
        studio_id: str
        name: str
        kind: TitleKind
        portal: Portal
        registered_at: datetime

    class PortalUpdated(Aggregate.Event):
        TOPIC = "spotlight.titles:PortalUpdated"
        portal: Portal
        updated_by: str
        updated_at: datetime

    @classmethod
    def register(
        cls,
        title_id: UUID,
        *,
        studio_id: str,
        name: str,
        kind: TitleKind,
        portal: Portal,
        at: datetime,
    ) -> Title:
        if not studio_id:
            raise InvalidValue("a title belongs to a studio")
        return cls(
            id=title_id,
            studio_id=studio_id,
            name=_checked_name(name),
            kind=TitleKind(kind),
            portal=portal,
            registered_at=checked_instant(at),
        )

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        studio_id: str,
        name: str,
        kind: TitleKind,
        portal: Portal,
        registered_at: datetime,
    ) -> None:
        self.studio_id = studio_id
        self.name = name
        self.kind = TitleKind(kind)  # stored as its plain string value
        self.portal = portal
        self.registered_at = registered_at

    def is_owned_by(self, studio_id: str) -> bool:
        return self.studio_id == studio_id

    def update_portal(self, portal: Portal, *, by: str, at: datetime) -> None:
        if portal == self.portal:
            raise PortalUnchanged("the portal already has exactly this content")
        self._portal_updated(portal=portal, updated_by=by, updated_at=checked_instant(at))

    @event(PortalUpdated)
    def _portal_updated(self, portal: Portal, updated_by: str, updated_at: datetime) -> None:
        self.portal = portal
