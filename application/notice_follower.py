"""Notices sent by a follower of the logs, not by the request that made the decision.

Each program names the decisions that tell someone something (``NoticeRule``: a log, the
topics of its decision events, and the notices an event makes). ``NoticeFollower`` is a
projection of those events (persisted by the projection runner, so it runs inline in the
embedded default and in the background worker under ``SPOTLIGHT_PROJECTIONS=worker``): for
each event it hands the notices to the ``Notifier`` and only then moves its position on.

Exactly once, across crashes and processes: the notices go to the inbox log, which is not
the projection database (another file on SQLite), so the position cannot commit in the
notices' transaction. Instead every notice's key is derived from its causing event (the
aggregate's id and version, or the decision), and the inbox message's id from the key
(``InboxMessage.id_for``): a notice written again after a crash between the inbox commit
and the position's, or by a second process applying the same page, is refused by the
store's uniqueness and skipped (``Notifier.notify`` is idempotent by key). So a notice is
delivered at least once by the follower and recorded once by the store.

A notifier that fails (the notification service down) stops the follower at that event: the
runner records the failure and applies it again at the next catch-up, so nothing is lost.
A notice that cannot be made (``InvalidValue``: a field beyond its limits) is logged and
skipped: retrying would never make it valid, and it must not hold back the notices after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.domain_application import DomainApplication
from application.notifications import Notifier
from application.projections import Batch
from application.read_models import LogPositions
from domain.errors import InvalidValue
from domain.inbox import NoticeKind

log = logging.getLogger("spotlight.notices")

NAME = "notices"

AggregateT = TypeVar("AggregateT", bound=Aggregate)
LogT = TypeVar("LogT", bound=DomainApplication)


@attrs.frozen
class NoticeDraft:
    """A notice to send: its key names the event that causes it, so it is sent once."""

    recipient: str
    kind: NoticeKind
    subject: str
    body: str
    key: str
    about: Mapping[str, object] = attrs.field(factory=dict)
    reason: str = ""


class NoticeRule(Protocol):
    """The notices one program's decisions make."""

    @property
    def log(self) -> str:
        """The name of the log its decision events are in."""
        ...

    @property
    def topics(self) -> Sequence[str]:
        """The topics of those events."""
        ...

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        """The notices the event makes (none for an event that tells nobody anything)."""
        ...


class RulesOver(Generic[LogT]):
    """The base of a program's rules over one log (``source``): ``log`` names it."""

    def __init__(self, source: LogT) -> None:
        self.source = source

    @property
    def log(self) -> str:
        return self.source.name


def as_of(log: DomainApplication, kind: type[AggregateT], ident: UUID, version: int) -> AggregateT:
    """The aggregate as it was at ``version`` (the state a decision event left it in)."""
    aggregate: Aggregate = log.repository.get(ident, version=version)
    if not isinstance(aggregate, kind):
        raise TypeError(f"{ident} is a {type(aggregate).__name__}, not a {kind.__name__}")
    return aggregate


def before(log: DomainApplication, kind: type[AggregateT], event: Any) -> AggregateT:
    """The aggregate as it was just before ``event`` (what the decision changed)."""
    return as_of(log, kind, event.originator_id, event.originator_version - 1)


class NoticeFollower:
    """Sends the notices the followed decision events make, once each."""

    name = NAME
    version = 1

    def __init__(self, notifier: Notifier, rules: Iterable[NoticeRule]) -> None:
        self.notifier = notifier
        self.rules = tuple(rules)
        self._by_topic: dict[tuple[str, str], list[NoticeRule]] = {}
        for rule in self.rules:
            for topic in rule.topics:
                self._by_topic.setdefault((rule.log, topic), []).append(rule)

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        followed: dict[str, list[str]] = {}
        for log_name, topic in self._by_topic:
            followed.setdefault(log_name, []).append(topic)
        return followed

    def create(self, generation: int) -> None:
        """Nothing to create: what it writes is the inbox log's."""

    def drop(self, generation: int) -> None:
        """Nothing to drop: the notices stay in the inbox log."""

    def apply(self, batch: Batch, log_name: str, event: Any, position: int) -> None:
        for rule in self._by_topic.get((log_name, _topic_of(event)), ()):
            for draft in rule.drafts(event):
                self._send(draft, log_name, position)

    def _send(self, draft: NoticeDraft, log_name: str, position: int) -> None:
        try:
            self.notifier.notify(
                draft.recipient,
                subject=draft.subject,
                body=draft.body,
                key=draft.key,
                kind=draft.kind,
                about=draft.about,
                reason=draft.reason,
            )
        except InvalidValue as invalid:
            log.warning("%s@%d: notice %s not sent: %s", log_name, position, draft.key, invalid)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """No rows of its own: the notices it sent are the inbox's."""
        return {}


def _topic_of(event: Any) -> str:
    return str(type(event).TOPIC)
