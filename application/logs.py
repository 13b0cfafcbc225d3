"""The core's four logs: one eventsourcing ``Application`` each, and nothing else.

Use cases live in their programs' services, which are handed the logs they write and read.
Each log's ``name`` names its SQLite file (``<store>.<name>.db``) and its PostgreSQL table
(``<name>_events``): it is part of every store written, and never changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from application.domain_application import DomainApplication
from domain.revenue.ledger import LedgerAccount


class CatalogueLog(DomainApplication):
    """Titles, videos and their media, anchors' sweeps, audience batches, creators, people."""

    name = "catalogue"


#: Round aggregates are read by every ballot; the cache reads only their newer events.
MUSIC_CACHED_AGGREGATES = "2000"


class MusicLog(DomainApplication):
    """The music program's own log (artists, tracks, seasons, rounds, ballots, uses)."""

    name = "music"

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__({"AGGREGATE_CACHE_MAXSIZE": MUSIC_CACHED_AGGREGATES, **env})


#: Accounts take a snapshot every this many postings, so loading one costs at most this many
#: events after its snapshot however long it has lived.
SNAPSHOT_EVERY = 100
REVENUE_CACHED_AGGREGATES = "10000"


class RevenueLog(DomainApplication):
    """The revenue program's log: enrolments, campaigns, impressions, journal, payouts; the
    shop, studios and business, whose use cases move money or stock in one transaction."""

    name = "revenue"
    snapshotting_intervals = {LedgerAccount: SNAPSHOT_EVERY}

    def __init__(self, env: Mapping[str, str]) -> None:
        # Every batch loads a dozen accounts: the cache reads only their newer events.
        super().__init__(
            {
                "IS_SNAPSHOTTING_ENABLED": "y",
                "AGGREGATE_CACHE_MAXSIZE": REVENUE_CACHED_AGGREGATES,
                **env,
            }
        )


class InboxLog(DomainApplication):
    """The in-app inbox: notices delivered to their recipients."""

    name = "inbox"

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env)


#: Every log of a core by name, in the order the auditor's replay copies them.
LOG_NAMES = (CatalogueLog.name, MusicLog.name, RevenueLog.name, InboxLog.name)
