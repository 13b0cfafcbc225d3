"""The published form of an event: what auditors and other readers of the audit trail get,
in plain JSON that does not depend on the event-sourcing library's storage encoding.

The store keeps each event as the library's JSON transcoder wrote it, where a value that
JSON has no type for is an object ``{"_type_": NAME, "_data_": DATA}``. That encoding is
the library's business and may change with it; the published form is ours and does not.
Each stored value becomes (version 1 of the form, documented in ARCHITECTURE.md, "The
published form of events"):

==============================  =============================================================
stored as                       published as
==============================  =============================================================
``uuid_hex``                    the UUID's canonical text (lowercase, hyphenated)
``decimal_str``                 the decimal's exact text, never a JSON number
``datetime_iso``                ISO 8601 text with its UTC offset
``spotlight.date``              ``YYYY-MM-DD``
``spotlight.bytes``             base64 text
``spotlight.<Value>``           a JSON object of the value object's fields, each published
                                the same way (money is ``{"minor": int, "currency": text}``)
==============================  =============================================================

Anything else stored under ``_type_`` is not part of the form: publishing it raises
``UnpublishableValue`` (a test walks every registered transcoding so that none slips out).

An event is published as ``{"form", "type", "topic", "aggregate_id", "aggregate_version",
"recorded_at", "data"}``: ``type`` is the event's stable name (the topic after the colon,
e.g. ``AnchorAttached``), ``recorded_at`` when the store recorded it, and ``data`` the
event's own fields, without the library's bookkeeping (``timestamp``, ``originator_topic``).
A record whose state cannot be read (sealed with an erased person's key, or damaged) has
no published form; the audit trail says so beside its stored bytes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

#: The version of the published form; a change that would alter what a reader gets for
#: the same stored event makes a new version, never a silent change.
FORM = 1

#: The library's bookkeeping inside a stored state, left out of ``data``.
BOOKKEEPING = frozenset({"timestamp", "originator_topic"})

#: Transcodings whose stored data is already the published text.
AS_TEXT = frozenset({"decimal_str", "datetime_iso", "spotlight.date", "spotlight.bytes"})

#: The prefix of the project's value objects' stable names (application/transcodings.py).
VALUE_OBJECT = "spotlight."


class UnpublishableValue(ValueError):
    """A stored value under a ``_type_`` the published form does not define."""


@attrs.frozen
class PublishedEvent:
    """One event in the published form (see the module's docstring)."""

    type: str
    topic: str
    aggregate_id: str
    aggregate_version: int
    recorded_at: str | None
    data: dict[str, Any]
    form: int = FORM

    def as_json(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "type": self.type,
            "topic": self.topic,
            "aggregate_id": self.aggregate_id,
            "aggregate_version": self.aggregate_version,
            "recorded_at": self.recorded_at,
            "data": self.data,
        }


def event_name(topic: str) -> str:
    """An event's stable name: its topic after the colon, its last dotted part."""
    return topic.rpartition(":")[2].rpartition(".")[2]


def published(
    topic: str, aggregate_id: str, aggregate_version: int, state: dict[str, Any]
) -> PublishedEvent:
    """The published form of a stored event's decoded JSON document."""
    stamp = state.get("timestamp")
    return PublishedEvent(
        type=event_name(topic),
        topic=topic,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        recorded_at=None if stamp is None else plain_value(stamp),
        data={name: plain_value(value) for name, value in state.items() if name not in BOOKKEEPING},
    )


def plain_value(value: Any) -> Any:
    """One stored value in the published form."""
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        return _typed(value["_type_"], value["_data_"])
    return {name: plain_value(item) for name, item in value.items()}


def _typed(name: Any, data: Any) -> Any:
    if name == "uuid_hex" and isinstance(data, str):
        return str(UUID(data))
    if name in AS_TEXT and isinstance(data, str):
        return data
    if isinstance(name, str) and name.startswith(VALUE_OBJECT) and isinstance(data, dict):
        return {field: plain_value(item) for field, item in data.items()}
    raise UnpublishableValue(f"a stored value of type {name!r} has no published form")
