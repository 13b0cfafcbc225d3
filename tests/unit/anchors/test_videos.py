"""A creator publishes a video; viewers engage with it; a reviewer anchors it to a title."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.anchors.engagement import Engagement
from domain.anchors.videos import (
    MAX_CAPTION,
    MAX_REASON,
    AlreadyAnchored,
    Anchor,
    NotAnchored,
    Video,
)
from domain.categories import CATEGORIES, checked_category
from domain.errors import InvalidValue

CLIP_ID = UUID("00000000-0000-0000-0000-0000000c11f0")
DUNE_ID = UUID("00000000-0000-0000-0000-00000000d00e")
BARBIE_ID = UUID("00000000-0000-0000-0000-0000000ba4b1")
POSTED = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
LATER = POSTED + timedelta(hours=6)
NAIVE = datetime(2024, 3, 2, 9, 0)
REVIEWER = "reviewer:rosa"


def publish_clip(
    *,
    caption: str = "Sandworm riding tutorial",
    hashtags: tuple[str, ...] | list[str] = ("#Dune", "#SandWorm"),
    category: str = "film-and-tv",
    creator_id: str = "mia",
    at: datetime = POSTED,
) -> Video:
    return Video.publish(
        CLIP_ID, creator_id=creator_id, caption=caption, hashtags=hashtags, category=category, at=at
    )


def anchored_clip() -> Video:
    clip = publish_clip()
    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER, note="official trailer reaction")
    return clip


# Publishing -----------------------------------------------------------------------------------


def test_a_creator_publishes_a_video() -> None:
    clip = publish_clip()

    assert clip.id == CLIP_ID
    assert clip.creator_id == "mia"
    assert clip.caption == "Sandworm riding tutorial"
    assert clip.category == "film-and-tv"
    assert clip.published_at == POSTED
    assert clip.version == 1


def test_a_new_video_has_no_engagement_and_no_anchor() -> None:
    clip = publish_clip()

    assert clip.engagement == Engagement()
    assert clip.anchor is None


def test_a_video_is_created_by_its_creator_only() -> None:
    clip = publish_clip(creator_id="mia")

    assert clip.is_created_by("mia")
    assert not clip.is_created_by("leo")


def test_the_hashtags_of_a_video_are_stored_in_their_canonical_spelling_once_each() -> None:
    clip = publish_clip(hashtags=["#Dune", "dune", "#Sand_Worm", "#Arrakis"])

    assert clip.hashtags == ("dune", "sandworm", "arrakis")


def test_a_video_may_carry_no_hashtag_at_all() -> None:
    assert publish_clip(hashtags=[]).hashtags == ()


def test_a_malformed_hashtag_refuses_the_video() -> None:
    with pytest.raises(InvalidValue, match="not a hashtag"):
        publish_clip(hashtags=["#dune", "#spice!"])


def test_the_caption_is_trimmed() -> None:
    assert publish_clip(caption="  Spice must flow \n").caption == "Spice must flow"


def test_a_caption_has_at_most_the_maximum_length() -> None:
    assert len(publish_clip(caption="s" * MAX_CAPTION).caption) == MAX_CAPTION
    with pytest.raises(InvalidValue, match="caption holds at most"):
        publish_clip(caption="s" * (MAX_CAPTION + 1))


def test_a_video_has_a_creator() -> None:
    with pytest.raises(InvalidValue, match="has a creator"):
        publish_clip(creator_id="")


def test_a_publication_time_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        publish_clip(at=NAIVE)


# Categories -----------------------------------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_video_is_filed_under_any_known_category(category: str) -> None:
    assert publish_clip(category=category).category == category


def test_a_category_is_recognised_whatever_its_case_and_surrounding_space() -> None:
    assert checked_category("  Film-And-TV ") == "film-and-tv"
    assert publish_clip(category="GAMING").category == "gaming"


@pytest.mark.parametrize("category", ["", "documentaries", "film and tv", "music!"])
def test_an_unknown_category_is_refused_naming_the_known_ones(category: str) -> None:
    with pytest.raises(InvalidValue, match="unknown category") as refused:
        publish_clip(category=category)

    assert "film-and-tv" in str(refused.value)


# Engagement -----------------------------------------------------------------------------------


def test_engagement_adds_up_across_recordings() -> None:
    clip = publish_clip()

    clip.record_engagement(Engagement(views=1_000, likes=120), at=LATER)
    clip.record_engagement(Engagement(views=500, shares=7, comments=3), at=LATER)

    assert clip.engagement == Engagement(views=1_500, likes=120, shares=7, comments=3)
    assert clip.version == 3


def test_recording_nothing_is_refused() -> None:
    clip = publish_clip()

    with pytest.raises(InvalidValue, match="must add something"):
        clip.record_engagement(Engagement(), at=LATER)

    assert clip.version == 1


def test_an_engagement_recording_time_without_a_time_zone_is_refused() -> None:
    clip = publish_clip()

    with pytest.raises(InvalidValue, match="time zone"):
        clip.record_engagement(Engagement(views=1), at=NAIVE)

    assert clip.engagement == Engagement()


# Anchors --------------------------------------------------------------------------------------


def test_a_reviewer_anchors_a_video_to_a_title() -> None:
    clip = publish_clip()

    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER, note="  official trailer reaction ")

    assert clip.anchor == Anchor(
        title_id=DUNE_ID, attached_by=REVIEWER, attached_at=LATER, note="official trailer reaction"
    )
    assert isinstance(clip.collect_events()[-1], Video.AnchorAttached)


def test_an_anchor_may_be_attached_without_a_note() -> None:
    clip = publish_clip()

    clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER)

    assert clip.anchor is not None
    assert clip.anchor.note == ""


def test_a_second_anchor_is_refused_and_the_first_one_stays() -> None:
    clip = anchored_clip()

    with pytest.raises(AlreadyAnchored, match=str(DUNE_ID)):
        clip.attach_anchor(BARBIE_ID, by=REVIEWER, at=LATER)

    assert clip.anchor is not None
    assert clip.anchor.title_id == DUNE_ID
    assert clip.version == 2


def test_anchoring_again_to_the_same_title_is_refused_as_well() -> None:
    clip = anchored_clip()

    with pytest.raises(AlreadyAnchored):
        clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER)


def test_an_anchor_note_has_at_most_the_maximum_length() -> None:
    clip = publish_clip()

    with pytest.raises(InvalidValue, match="note holds at most"):
        clip.attach_anchor(DUNE_ID, by=REVIEWER, at=LATER, note="n" * (MAX_REASON + 1))

    assert clip.anchor is None


def test_an_anchoring_time_without_a_time_zone_is_refused() -> None:
    clip = publish_clip()

    with pytest.raises(InvalidValue, match="time zone"):
        clip.attach_anchor(DUNE_ID, by=REVIEWER, at=NAIVE)

    assert clip.anchor is None


def test_revoking_an_anchor_records_who_did_it_and_why() -> None:
    clip = anchored_clip()
    revoked_at = LATER + timedelta(days=1)

    clip.revoke_anchor(by="studio:legendary", reason="  spoils the ending ", at=revoked_at)

    assert clip.anchor is None
    revoked = clip.collect_events()[-1]
    assert isinstance(revoked, Video.AnchorRevoked)
    assert revoked.title_id == DUNE_ID
    assert revoked.revoked_by == "studio:legendary"
    assert revoked.reason == "spoils the ending"
    assert revoked.revoked_at == revoked_at


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_revoking_an_anchor_needs_a_reason(reason: str) -> None:
    clip = anchored_clip()

    with pytest.raises(InvalidValue, match="needs a reason"):
        clip.revoke_anchor(by=REVIEWER, reason=reason, at=LATER)

    assert clip.anchor is not None


def test_a_revocation_reason_has_at_most_the_maximum_length() -> None:
    clip = anchored_clip()

    with pytest.raises(InvalidValue, match="longer than"):
        clip.revoke_anchor(by=REVIEWER, reason="r" * (MAX_REASON + 1), at=LATER)

    assert clip.anchor is not None


def test_a_video_without_an_anchor_has_none_to_revoke() -> None:
    clip = publish_clip()

    with pytest.raises(NotAnchored):
        clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=LATER)

    assert clip.version == 1


def test_an_anchor_cannot_be_revoked_twice() -> None:
    clip = anchored_clip()
    clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=LATER)

    with pytest.raises(NotAnchored):
        clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=LATER)


def test_a_revocation_time_without_a_time_zone_is_refused() -> None:
    clip = anchored_clip()

    with pytest.raises(InvalidValue, match="time zone"):
        clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=NAIVE)

    assert clip.anchor is not None


def test_once_revoked_a_video_can_be_anchored_to_another_title() -> None:
    clip = anchored_clip()
    clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=LATER)

    clip.attach_anchor(BARBIE_ID, by=REVIEWER, at=LATER)

    assert clip.anchor is not None
    assert clip.anchor.title_id == BARBIE_ID
    assert clip.version == 4


def test_a_video_rebuilt_from_its_events_equals_the_video_that_recorded_them() -> None:
    clip = anchored_clip()
    clip.record_engagement(Engagement(views=10, likes=2), at=LATER)
    clip.revoke_anchor(by=REVIEWER, reason="wrong title", at=LATER)
    clip.attach_anchor(BARBIE_ID, by=REVIEWER, at=LATER, note="pink")

    rebuilt: Video | None = None
    for recorded in clip.collect_events():
        rebuilt = recorded.mutate(rebuilt)

    assert rebuilt is not None
    assert rebuilt.__dict__ == clip.__dict__
