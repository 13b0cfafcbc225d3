"""A creator may dispute the anchor on their video once; a reviewer settles it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.anchors.videos import DisputeNotAllowed, NoDispute, Video
from domain.errors import InvalidValue

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def anchored_video() -> Video:
    video = Video.publish(
        uuid4(), creator_id="mia", caption="edit", hashtags=[], category="film-and-tv", at=NOW
    )
    video.attach_anchor(uuid4(), by="policy:auto", at=NOW)
    return video


def test_a_dispute_needs_an_anchor_and_a_reason() -> None:
    unanchored = Video.publish(
        uuid4(), creator_id="mia", caption="", hashtags=[], category="comedy", at=NOW
    )

    with pytest.raises(DisputeNotAllowed):
        unanchored.dispute_anchor(by="creator:mia", reason="why", at=NOW)
    with pytest.raises(InvalidValue):
        anchored_video().dispute_anchor(by="creator:mia", reason="  ", at=NOW)


def test_one_open_dispute_at_a_time() -> None:
    video = anchored_video()
    video.dispute_anchor(by="creator:mia", reason="my own footage", at=NOW)

    with pytest.raises(DisputeNotAllowed):
        video.dispute_anchor(by="creator:mia", reason="again", at=NOW)
    assert video.dispute is not None
    assert video.anchor is not None
    assert video.dispute.title_id == video.anchor.title_id


def test_a_dismissed_dispute_keeps_the_anchor_and_cannot_be_raised_again() -> None:
    video = anchored_video()
    anchor = video.anchor
    video.dispute_anchor(by="creator:mia", reason="my own footage", at=NOW)

    video.dismiss_dispute(by="reviewer:rosa", reason="it is the trailer", at=NOW)

    assert video.anchor == anchor
    assert video.dispute is None
    with pytest.raises(DisputeNotAllowed):
        video.dispute_anchor(by="creator:mia", reason="please", at=NOW)


def test_revoking_settles_an_open_dispute_and_the_title_is_never_proposed_again() -> None:
    video = anchored_video()
    assert video.anchor is not None
    title_id = video.anchor.title_id
    video.dispute_anchor(by="creator:mia", reason="parody", at=NOW)

    video.revoke_anchor(by="reviewer:rosa", reason="upheld: parody", at=NOW)

    assert video.dispute is None
    assert not video.may_be_proposed(title_id)
    with pytest.raises(NoDispute):
        video.dismiss_dispute(by="reviewer:rosa", reason="late", at=NOW)


def test_a_new_anchor_can_be_disputed_afresh() -> None:
    video = anchored_video()
    video.dispute_anchor(by="creator:mia", reason="x", at=NOW)
    video.dismiss_dispute(by="reviewer:rosa", reason="no", at=NOW)
    video.revoke_anchor(by="reviewer:rosa", reason="studio asked", at=NOW)
    video.attach_anchor(uuid4(), by="reviewer:rosa", at=NOW)

    video.dispute_anchor(by="creator:mia", reason="wrong film now", at=NOW)

    assert video.dispute is not None
