"""What every chained recorder shares: where the links are kept and how new ones are made.

The link function and its framing are defined once, in ``application.audit.audit`` (verification
needs them and must not import adapters); this module names the tables and turns the
records a transaction has just inserted into their links.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import IntegrityError, StoredEvent

from application.audit.audit import ChainLink, chain_links

CHAIN_SUFFIX = "_chain"

#: The version of the chain tables' shape, recorded per log in ``schema_versions`` (see
#: ``adapters.projections.schema_versions``). A change of shape adds an upgrade and raises it.
CHAIN_TABLES_VERSION = 1


def chain_table_for(events_table_name: str) -> str:
    """The links of ``catalogue_events`` are kept in ``catalogue_events_chain`` (on SQLite,
    ``stored_events_chain`` in the application's own file)."""
    return f"{events_table_name}{CHAIN_SUFFIX}"


def chain_component(events_table_name: str) -> str:
    """The name under which a log's chain table records its version."""
    return f"chain of {events_table_name}"


def links_after(
    head: ChainLink | None,
    notification_ids: Sequence[int] | None,
    stored_events: Sequence[StoredEvent],
) -> list[ChainLink]:
    """The links of records just inserted, in the order of their notification ids."""
    if notification_ids is None or len(notification_ids) != len(stored_events):
        raise IntegrityError(
            "the store did not report a notification id for every inserted record, "
            "so their hash-chain links cannot be written"
        )
    records = sorted(zip(notification_ids, stored_events, strict=True), key=lambda pair: pair[0])
    if head is not None and records and records[0][0] <= head.position:
        raise IntegrityError(
            f"new records start at position {records[0][0]}, not after the chain's head at "
            f"{head.position}: the log was changed outside the application"
        )
    return chain_links(head, records)
