"""The base class of every aggregate of the domain.

eventsourcing derives, for every subclass of its ``Aggregate``, a ``Created`` event class from
the inherited one; an aggregate with an explicit ``TOPIC`` then requires a topic on every event
class in its namespace, and this derived one has none, so the class could not even be defined.
Every aggregate here names its own creation event instead (``Title.Registered``, topic
``spotlight.titles:TitleRegistered``): the derived ``Created`` is set to ``None`` on each
subclass before the library looks at it. Nothing of this reaches the store: the stored topics
are the aggregates' and their events' own.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

#: The attribute under which the library would derive the unnamed creation event.
_DERIVED_CREATION_EVENT = "Created"


class DomainAggregate(Aggregate):
    """An aggregate whose events, creation included, all carry explicit, stable topics."""

    def __init_subclass__(cls, *, created_event_name: str = "") -> None:
        if _DERIVED_CREATION_EVENT not in cls.__dict__:
            # Before the library's __init_subclass__, which skips names the class defines.
            setattr(cls, _DERIVED_CREATION_EVENT, None)
        super().__init_subclass__(created_event_name=created_event_name)
