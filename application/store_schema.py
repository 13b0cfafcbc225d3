"""The versions of the store's own tables, as an operator reads them.

Every part of a store whose tables cannot be rebuilt from the logs records the version of their
shape (``adapters.projections.schema_versions``): the read models' database (the projection
store's generations and positions, the webhooks' deliveries...), each log's hash-chain table
(recorded as ``chain of <events table>``) and the key store. On PostgreSQL they share one
``schema_versions`` table; on SQLite each log and the key store keep theirs in their own file.
This use case gathers them all, each named with the part of the store it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from application.auth import Principal, Role, require_role

#: The part of the store holding the read models (and every component not named below).
READ_MODELS = "read models"
#: The part of the store holding the people's keys.
KEY_STORE = "key store"


def log_part(log: str) -> str:
    """The part of the store that is ``log``'s event log: ``catalogue log``."""
    return f"{log} log"


@attrs.frozen
class ComponentVersion:
    """One component's tables, at the version the store records for them."""

    #: The part of the store they belong to: ``read models``, ``<name> log``, ``key store``.
    part: str
    #: The component as recorded: ``projection store``, ``chain of catalogue_events``...
    component: str
    version: int


class RecordedVersions(Protocol):
    """Where a store records the versions of its own tables (``adapters.store_versions``)."""

    def recorded(self) -> Sequence[ComponentVersion]: ...


class StoreSchema:
    """The operator's read of every versioned component of the store."""

    def __init__(self, recorded: RecordedVersions, logs: Sequence[str]) -> None:
        self._recorded = recorded
        self._order = (READ_MODELS, *(log_part(log) for log in logs), KEY_STORE)

    def versions(self, actor: Principal) -> tuple[ComponentVersion, ...]:
        """Every component's recorded version, by part of the store (the read models, each
        log in order, the key store) then by name, for admins and auditors (``NotPermitted``
        otherwise). A part that has recorded nothing yet (a key store before its first key,
        the memory store's logs) is absent."""
        require_role(actor, Role.ADMIN, Role.AUDITOR, doing="reading the store's schema versions")
        order = {part: place for place, part in enumerate(self._order)}
        return tuple(
            sorted(
                self._recorded.recorded(),
                key=lambda found: (order.get(found.part, len(order)), found.part, found.component),
            )
        )
