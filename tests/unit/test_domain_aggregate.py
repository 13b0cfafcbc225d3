"""Every aggregate names its own creation event under an explicit topic; the library's
unnamed ``Created`` event is never derived, so no aggregate has to remove it by hand."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.aggregate import DomainAggregate
from domain.anchors.titles import Title
from tests.fakes import OPENING_NIGHT
from tests.fixtures.legacy_events import aggregate_classes


class Greeting(DomainAggregate):
    TOPIC = "tests.greetings:Greeting"

    class Said(Aggregate.Created):
        TOPIC = "tests.greetings:GreetingSaid"
        words: str
        said_at: datetime

    @classmethod
    def say(cls, words: str, *, at: datetime) -> Greeting:
        return cls._create(cls.Said, id=UUID(int=1), words=words, said_at=at)


def test_an_aggregate_with_a_topic_needs_only_its_own_creation_event() -> None:
    greeting = Greeting.say("hello", at=OPENING_NIGHT)

    [said] = greeting.collect_events()
    assert get_topic(type(said)) == "tests.greetings:GreetingSaid"
    assert Greeting.Created is None


def test_every_aggregate_of_the_domain_is_one() -> None:
    aggregates = aggregate_classes()

    assert Title in aggregates
    assert all(issubclass(cls, DomainAggregate) for cls in aggregates)
    assert all(cls.__dict__.get("Created") is None for cls in aggregates)
