"""The published form of events: plain JSON an auditor can read without knowing how the
storage library encodes values, the same for every event the core records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from application.audit.published import (
    AS_TEXT,
    FORM,
    UnpublishableValue,
    event_name,
    plain_value,
    published,
)
from application.domain_application import DomainApplication
from application.transcodings import AttrsTranscoding
from domain.anchors.portal import Link
from domain.money import Money

VIDEO = UUID("6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f")


def transcoder() -> Any:
    """The transcoder of every log of the core."""
    return DomainApplication(env={}).construct_transcoder()


def stored(value: Any) -> Any:
    """A value as the core's transcoder writes it into a stored event."""
    return json.loads(transcoder().encode(value))


def test_every_value_the_core_can_store_has_a_published_form() -> None:
    for name, transcoding in transcoder().names.items():
        defined = (
            name == "uuid_hex"
            or name in AS_TEXT
            or (name.startswith("spotlight.") and isinstance(transcoding, AttrsTranscoding))
        )
        assert defined, f"the stored type {name!r} has no published form"


def test_ids_decimals_times_days_and_money_are_published_as_plain_values() -> None:
    value = {
        "video": VIDEO,
        "share": Decimal("0.50"),
        "at": datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        "day": date(2026, 12, 7),
        "fingerprint": b"\x00\xff",
        "price": Money(2400, "USD"),
        "links": [Link("Tickets", "https://example.com/t")],
    }

    plain = plain_value(stored(value))

    assert plain == {
        "video": "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
        "share": "0.50",
        "at": "2026-12-07T09:30:00+00:00",
        "day": "2026-12-07",
        "fingerprint": "AP8=",
        "price": {"minor": 2400, "currency": "USD"},
        "links": [{"label": "Tickets", "url": "https://example.com/t"}],
    }


def test_an_event_is_named_by_its_stable_topic_and_leaves_out_the_librarys_bookkeeping() -> None:
    state = stored(
        {
            "timestamp": datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
            "originator_topic": "spotlight.videos:Video",
            "caption": "a clip",
            "creator": "fan-1",
        }
    )

    event = published("spotlight.videos:VideoPublished", str(VIDEO), 1, state)

    assert event.as_json() == {
        "form": FORM,
        "type": "VideoPublished",
        "topic": "spotlight.videos:VideoPublished",
        "aggregate_id": str(VIDEO),
        "aggregate_version": 1,
        "recorded_at": "2026-12-07T09:30:00+00:00",
        "data": {"caption": "a clip", "creator": "fan-1"},
    }


@pytest.mark.parametrize(
    ("topic", "name"),
    [
        ("spotlight.videos:AnchorAttached", "AnchorAttached"),
        ("domain.anchors.videos:Video.AnchorAttached", "AnchorAttached"),
    ],
)
def test_the_type_is_the_events_own_name(topic: str, name: str) -> None:
    assert event_name(topic) == name


def test_a_stored_type_outside_the_form_is_refused_rather_than_passed_on() -> None:
    with pytest.raises(UnpublishableValue, match="'pickle'"):
        plain_value({"_type_": "pickle", "_data_": "gASVAAAA"})
