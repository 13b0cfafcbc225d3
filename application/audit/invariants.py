"""The domain's invariants, recomputed from the logs alone (the auditor's second opinion).

Nothing here reads a read model or an aggregate's current state: every rule is checked by
walking the log in order and recomputing what it says, so a record written past the
application (straight into the store) is found, with the log and position that break it.

- ``ledger`` (revenue log), by ``application.audit.ledger_audit``: every journal entry balanced,
  every account's balance the sum of its postings, no limited account ever below zero;
- ``one-ballot-per-voter`` (music log): no voter's second ballot in a round, and every
  ballot's id is ``uuid5(round, voter)``;
- ``published-formula`` (music log), by ``application.audit.recount``: every recorded result (the
  advancing entries and every standing) equals the published formula's;
- ``stock-never-negative`` (revenue log): each listing's stock, followed through its
  events, never goes below zero;
- ``readable`` (every log, by ``readability_violations``, which the replay runs): every
  event record decodes.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs
import numpy as np
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import TopicError

from application.audit.ledger_audit import audit_log
from application.audit.recount import recount_round
from application.auth import Principal, Role, require_role
from application.errors import NotFound
from domain.music.ballots import Ballot
from domain.music.rounds import CompetitionRound
from domain.shop.listings import Listing

PAGE = 1000

LEDGER = "ledger"
ONE_BALLOT = "one-ballot-per-voter"
FORMULA = "published-formula"
STOCK = "stock-never-negative"
READABLE = "readable"

_POSITION = re.compile(r"\bposition (\d+)")


@attrs.frozen
class Violation:
    """One place where the log breaks a rule of the domain."""

    log: str
    position: int | None  # None: about the log as a whole (e.g. the journal's totals)
    rule: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.log} log" + (f" at position {self.position}" if self.position else "")
        return f"{where}: {self.rule}: {self.detail}"


Progress = Callable[[str], None]


def check_invariants(
    logs: Mapping[str, Application[UUID]], *, progress: Progress | None = None
) -> tuple[Violation, ...]:
    """Every violation of every rule, log by log, in log order within each rule.

    ``logs`` maps log names to the applications whose recorder and mapper read them; the
    ``music`` and ``revenue`` logs are checked when present."""
    found: list[Violation] = []
    music = logs.get("music")
    revenue = logs.get("revenue")
    if revenue is not None:
        if progress:
            progress("checking the ledger (revenue log)")
        found += ledger_violations(revenue)
        if progress:
            progress("checking stock (revenue log)")
        found += stock_violations(revenue)
    if music is not None:
        if progress:
            progress("checking ballots and results (music log)")
        found += competition_violations(music)
    return tuple(found)


def invariants_for(
    actor: Principal, logs: Mapping[str, Application[UUID]]
) -> tuple[Violation, ...]:
    """``check_invariants`` for an auditor or an admin (it reads every log)."""
    require_role(actor, Role.AUDITOR, Role.ADMIN, doing="check the domain's invariants")
    return check_invariants(logs)


# The ledger ------------------------------------------------------------------------------


def ledger_violations(revenue: Application[UUID]) -> list[Violation]:
    """``ledger_audit``'s problems, placed: each names the position it is about in its text
    (the first one it names; none for the journal's totals)."""
    audit = audit_log(revenue.recorder, revenue.mapper)
    return [
        Violation("revenue", _position_in(problem), LEDGER, problem) for problem in audit.problems
    ]


def _position_in(text: str) -> int | None:
    match = _POSITION.search(text)
    return int(match.group(1)) if match else None


# Listings' stock -------------------------------------------------------------------------

_LISTED = Listing.Listed.TOPIC
_RESTOCKED = Listing.Restocked.TOPIC
_SOLD = Listing.Sold.TOPIC


def stock_violations(revenue: Application[UUID]) -> list[Violation]:
    stock: dict[UUID, int] = {}
    found: list[Violation] = []
    for notification, event in _decoded(revenue, (_LISTED, _RESTOCKED, _SOLD), found, "revenue"):
        listing_id: UUID = event.originator_id
        if notification.topic == _LISTED:
            stock[listing_id] = event.stock
        elif listing_id not in stock:
            found.append(
                Violation(
                    "revenue",
                    notification.id,
                    STOCK,
                    f"listing {listing_id} changes stock before it was listed",
                )
            )
            continue
        elif notification.topic == _RESTOCKED:
            stock[listing_id] += event.added
        else:
            stock[listing_id] -= event.quantity
        if stock[listing_id] < 0:
            found.append(
                Violation(
                    "revenue",
                    notification.id,
                    STOCK,
                    f"listing {listing_id}'s stock went to {stock[listing_id]}",
                )
            )
    return found


# Ballots and results ---------------------------------------------------------------------

_BALLOT = Ballot.Cast.TOPIC
_RESULT = CompetitionRound.ResultRecorded.TOPIC


def competition_violations(music: Application[UUID]) -> list[Violation]:
    """One ballot per voter per round, and every recorded result equal to the formula.

    A (round, voter) is kept as the first 8 bytes of its ballot's id (``uuid5``), 8 bytes a
    ballot instead of a set of pairs (about 250 bytes a ballot, measured); only when two
    ballots share those bytes is the log read again for the ballots that do, and compared
    pair for pair."""
    found: list[Violation] = []
    keys = array("Q")
    results: dict[UUID, int] = {}
    for notification, event in _decoded(music, (_BALLOT, _RESULT), found, "music"):
        if notification.topic == _RESULT:
            results.setdefault(event.originator_id, notification.id)
            continue
        round_id: UUID = event.round_id
        voter: str = event.voter
        expected = Ballot.id_for(round_id, voter)
        keys.append(_ballot_key(expected))
        if event.originator_id != expected:
            found.append(
                Violation(
                    "music",
                    notification.id,
                    ONE_BALLOT,
                    f"ballot {event.originator_id} is not the one ballot of {voter} in round "
                    f"{round_id}: its id is not uuid5(round, voter)",
                )
            )
    shared = _repeated(keys)
    del keys
    if shared:
        found += _second_ballots(music, shared)
        found.sort(key=lambda violation: violation.position or 0)
    for round_id, position in results.items():
        try:
            recount = recount_round(music.recorder, music.mapper, round_id)
        except NotFound as error:
            found.append(Violation("music", position, FORMULA, f"cannot be recounted: {error}"))
            continue
        found += [
            Violation("music", position, FORMULA, f"round {round_id}: {difference}")
            for difference in recount.differences
        ]
    return found


def _ballot_key(ballot_id: UUID) -> int:
    return int.from_bytes(ballot_id.bytes[:8], "big")


def _repeated(keys: array[int]) -> frozenset[int]:
    """The keys that occur more than once."""
    ordered = np.sort(np.frombuffer(keys, dtype=np.uint64)) if keys else np.empty(0, np.uint64)
    return frozenset(int(key) for key in ordered[1:][ordered[1:] == ordered[:-1]])


def _second_ballots(music: Application[UUID], shared: frozenset[int]) -> list[Violation]:
    found: list[Violation] = []
    first_ballot: dict[tuple[UUID, str], int] = {}
    for notification, event in _decoded(music, (_BALLOT,), [], "music"):
        round_id: UUID = event.round_id
        voter: str = event.voter
        if _ballot_key(Ballot.id_for(round_id, voter)) not in shared:
            continue
        earlier = first_ballot.setdefault((round_id, voter), notification.id)
        if earlier != notification.id:
            found.append(
                Violation(
                    "music",
                    notification.id,
                    ONE_BALLOT,
                    f"{voter} voted again in round {round_id} (first ballot at position {earlier})",
                )
            )
    return found


# Every record decodes ---------------------------------------------------------------------


def readability_violations(
    logs: Mapping[str, Application[UUID]], *, progress: Progress | None = None
) -> list[Violation]:
    """Every event record of every log that its application's mapper cannot decode (a
    corrupt state, a topic no class answers to, fields the class no longer takes).

    The replay copies records as they are stored and decodes only what the read models
    follow, so this is where a record nothing else reads is proven readable."""
    found: list[Violation] = []
    for log, application in logs.items():
        if progress:
            progress(f"checking that every event decodes ({log} log)")
        for _ in _decoded(application, (), found, log):
            pass
    return found


# Reading ---------------------------------------------------------------------------------


def _decoded(
    application: Application[UUID], topics: Sequence[str], found: list[Violation], log: str
) -> Iterator[tuple[Notification, Any]]:
    """The log's events of these topics in order; one that cannot be decoded is a violation."""
    position = 0
    while True:
        page = application.recorder.select_notifications(
            start=position, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        for notification in page:
            try:
                event = application.mapper.to_domain_event(notification)
            except (ValueError, TypeError, KeyError, AttributeError, TopicError) as error:
                found.append(
                    Violation(log, notification.id, READABLE, f"{notification.topic}: {error}")
                )
                continue
            yield notification, event
        if len(page) < PAGE:
            return
        position = page[-1].id
