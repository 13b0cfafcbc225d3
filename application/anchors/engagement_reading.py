"""What the anchors' projections read of an engagement batch: each video's engagement,
summed over the batch, and the instant it was reported, taken from the stored state
without building the batch's thousand counts as value objects.

The studio analytics and the review queue apply an ``EngagementBatch.Recorded`` only as
"these videos got this much engagement" (the analytics by its reported day, the queue as
popularity); the event the mapper decodes holds a thousand ``EngagementCount`` values, each
with its id and its ``Engagement``, most of whose cost a projection pays only to add them
up again. ``read_engagement_batch`` (a ``StoredReader`` of the projection runner) sums the
stored counts by their stored ids first, then builds one id and one ``Engagement`` per
video. It reads only the state the library writes for the event's current version; for
anything else (another version, a count of another shape, a number orjson reads as a
float, a negative count, an id that is not one) it answers None and the mapper decodes
the event whole, or refuses it, as it would have anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import attrs
import orjson

from application.transcodings import stored_engagement
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement

_COUNT = "spotlight.EngagementCount"
_ENGAGEMENT = "spotlight.Engagement"
_ID = "uuid_hex"
_INSTANT = "datetime_iso"


@attrs.frozen
class EngagementBatchSums:
    """An ``EngagementBatch.Recorded`` as the anchors' projections apply it."""

    TOPIC: ClassVar[str] = EngagementBatch.Recorded.TOPIC

    originator_id: UUID
    reported_at: datetime
    #: Each video the batch counts, with what the batch adds to it (its counts summed), in
    #: the order the batch first names it.
    added: dict[UUID, Engagement]


def added_by_video(event: Any) -> dict[UUID, Engagement]:
    """What an engagement batch (decoded whole, or read by ``read_engagement_batch``) adds to
    each video it counts, in the order it first names it."""
    if isinstance(event, EngagementBatchSums):
        return event.added
    added: dict[UUID, Engagement] = {}
    for count in event.counts:
        before = added.get(count.video_id)
        added[count.video_id] = count.added if before is None else before + count.added
    return added


def read_engagement_batch(
    state: bytes, originator_id: Any, transcoder: Any
) -> EngagementBatchSums | None:
    """The batch's sums from its stored state, or None for the mapper to decode it (see the
    module's account)."""
    names = getattr(transcoder, "names", None)
    uuid_of = getattr(transcoder, "uuid_of", None)
    if type(originator_id) is not UUID or names is None or uuid_of is None:
        return None
    instants = names.get(_INSTANT)
    if instants is None or names.get(_COUNT) is None or names.get(_ENGAGEMENT) is None:
        return None
    try:
        stored = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    if type(stored) is not dict or "class_version" in stored:
        return None
    counts, reported = stored.get("counts"), stored.get("reported_at")
    if (
        type(counts) is not list
        or type(reported) is not dict
        or len(reported) != 2
        or reported.get("_type_") != _INSTANT
        or type(reported.get("_data_")) is not str
    ):
        return None
    sums = _sums(counts)
    if sums is None:
        return None
    added: dict[UUID, Engagement] = {}
    try:
        for hex_id, (views, likes, shares, comments) in sums.items():
            video_id = uuid_of(hex_id)
            before = added.get(video_id)  # another spelling of an id met already
            if before is not None:
                views += before.views
                likes += before.likes
                shares += before.shares
                comments += before.comments
            engagement = stored_engagement(
                {"views": views, "likes": likes, "shares": shares, "comments": comments}
            )
            if engagement is None:
                return None
            added[video_id] = engagement
        reported_at = instants.decode(reported["_data_"])
    except (ValueError, TypeError):
        return None
    return EngagementBatchSums(originator_id=originator_id, reported_at=reported_at, added=added)


def _sums(counts: list[Any]) -> dict[str, list[int]] | None:
    """The stored counts' four amounts summed by stored id, or None if any count is not of
    the stored shape with four whole, non-negative amounts."""
    sums: dict[str, list[int]] = {}
    try:
        for item in counts:
            # Every step is a subscript or an exact type test, as the transcoder's own loop.
            if type(item) is not dict or len(item) != 2 or item["_type_"] != _COUNT:
                return None
            data = item["_data_"]
            if type(data) is not dict or len(data) != 2:
                return None
            video, added = data["video_id"], data["added"]
            if (
                type(video) is not dict
                or len(video) != 2
                or video["_type_"] != _ID
                or type(added) is not dict
                or len(added) != 2
                or added["_type_"] != _ENGAGEMENT
            ):
                return None
            hex_id, amounts = video["_data_"], added["_data_"]
            if type(hex_id) is not str or type(amounts) is not dict or len(amounts) != 4:
                return None
            views, likes = amounts["views"], amounts["likes"]
            shares, comments = amounts["shares"], amounts["comments"]
            if not (
                type(views) is int
                and type(likes) is int
                and type(shares) is int
                and type(comments) is int
                and views >= 0
                and likes >= 0
                and shares >= 0
                and comments >= 0
            ):
                return None
            kept = sums.get(hex_id)
            if kept is None:
                sums[hex_id] = [views, likes, shares, comments]
            else:
                kept[0] += views
                kept[1] += likes
                kept[2] += shares
                kept[3] += comments
    except (KeyError, TypeError):
        return None
    return sums
