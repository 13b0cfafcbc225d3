"""A click batch says where its viewer was, so a studio sees its audience by region; batches
recorded before regions were reported read as from nowhere in particular."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.anchors.audience import Click, ClickBatch, ClickTarget, batch_id_for, checked_region
from domain.errors import InvalidValue

AT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def a_click() -> Click:
    return Click(video_id=uuid4(), title_id=uuid4(), target=ClickTarget.TICKETS, at=AT)


def test_a_viewers_region_is_kept_as_its_upper_case_code() -> None:
    batch = ClickBatch.record(
        batch_id_for("viewer:zoe", "z1"), viewer="viewer:zoe", clicks=[a_click()], region="jp"
    )

    assert batch.region == "JP"
    assert (
        ClickBatch.record(
            batch_id_for("viewer:zoe", "z2"), viewer="viewer:zoe", clicks=[a_click()]
        ).region
        is None
    )


@pytest.mark.parametrize("region", ["", "J", "JPN", "1A", "日本"])
def test_a_region_that_is_not_a_two_letter_code_is_refused(region: str) -> None:
    with pytest.raises(InvalidValue, match="two-letter"):
        checked_region(region)


def test_a_batch_recorded_before_regions_reads_as_from_an_unknown_region() -> None:
    state = {"viewer": "viewer:zoe", "clicks": [a_click()]}

    ClickBatch.Recorded.upcast_v1_v2(state)

    assert state["region"] is None
    assert ClickBatch.Recorded.class_version == 2
