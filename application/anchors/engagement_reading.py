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

The counts are read in place where they are exactly as the transcoder writes them (compact
JSON, keys in its order, lower-case hex ids, plain whole numbers): one regular expression
checks the whole list and another lists each count's id and amounts as bytes, and orjson
parses the rest of the state with the list left empty (``_in_place``). Anything else
(spaces, escapes, another key order, a count of another shape) is read by orjson whole and
checked count by count (``_sums``), as before; both give the same sums.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import attrs
import orjson

from application.transcodings import engagement_of, whole_counts
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement

_COUNT = "spotlight.EngagementCount"
_ENGAGEMENT = "spotlight.Engagement"
_ID = "uuid_hex"
_INSTANT = "datetime_iso"


def _stored_count_pattern(capture: bool) -> str:
    """A count as the transcoder writes it; with ``capture``, its id and four amounts are
    the pattern's groups."""
    # At most 19 digits: below 2**64, the largest whole number orjson reads.
    number = "(0|[1-9][0-9]{0,18})" if capture else "(?:0|[1-9][0-9]{0,18})"
    hex_id = "([0-9a-f]{32})" if capture else "[0-9a-f]{32}"

    def typed(name: str, data: str) -> str:
        return r'\{"_type_":"' + re.escape(name) + '","_data_":' + data + r"\}"

    amounts = ",".join(f'"{name}":{number}' for name in ("views", "likes", "shares", "comments"))
    video = typed(_ID, '"' + hex_id + '"')
    added = typed(_ENGAGEMENT, r"\{" + amounts + r"\}")
    return typed(_COUNT, r'\{"video_id":' + video + ',"added":' + added + r"\}")


#: The ``counts`` key with its whole list, every count of the transcoder's own shape.
_COUNTS_LIST = re.compile(
    (
        r'"counts":\[((?:'
        + _stored_count_pattern(capture=False)
        + ",)*"
        + _stored_count_pattern(capture=False)
        + r")?\]"
    ).encode()
)
#: One count (of a list ``_COUNTS_LIST`` found, as text), its id and amounts as groups.
_STORED_COUNT = re.compile(_stored_count_pattern(capture=True))
_EMPTY_COUNTS = b'"counts":[]'


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
    state: bytes, originator_id: Any, transcoder: Any, *, in_place: bool = True
) -> EngagementBatchSums | None:
    """The batch's sums from its stored state, or None for the mapper to decode it (see the
    module's account). Without ``in_place``, the counts are read count by count only (the
    plain path the tests hold the other to)."""
    names = getattr(transcoder, "names", None)
    uuid_of = getattr(transcoder, "uuid_of", None)
    if type(originator_id) is not UUID or names is None or uuid_of is None:
        return None
    instants = names.get(_INSTANT)
    if instants is None or names.get(_COUNT) is None or names.get(_ENGAGEMENT) is None:
        return None
    found = _in_place(state) if in_place else None
    if found is None:
        try:
            stored = orjson.loads(state)
        except orjson.JSONDecodeError:
            return None
        if type(stored) is not dict or "class_version" in stored:
            return None
        counts = stored.get("counts")
        sums = _sums(counts) if type(counts) is list else None
    else:
        stored, sums = found
    if sums is None:
        return None
    reported = stored.get("reported_at")
    if (
        type(reported) is not dict
        or len(reported) != 2
        or reported.get("_type_") != _INSTANT
        or type(reported.get("_data_")) is not str
    ):
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
            engagement = engagement_of(views, likes, shares, comments)
            if engagement is None:
                return None
            added[video_id] = engagement
        reported_at = instants.decode(reported["_data_"])
    except (ValueError, TypeError):
        return None
    return EngagementBatchSums(originator_id=originator_id, reported_at=reported_at, added=added)


def _in_place(state: bytes) -> tuple[dict[str, Any], dict[str, list[int]]] | None:
    """The state's other keys (orjson's parse of it with the counts left out) and its counts
    summed by stored id, read in place; None where the counts are not all exactly as the
    transcoder writes them, or the state is not one the library wrote (for ``_sums``).

    The list found must be the state's one ``counts``: every other value is plain (text, or
    a mapping of texts, such as an instant), so no other value holds a list, and the key is
    named once (a duplicate key's last value is the one JSON readers keep)."""
    match = _COUNTS_LIST.search(state)
    if match is None:
        return None
    rest = state[: match.start()] + _EMPTY_COUNTS + state[match.end() :]
    if rest.count(b'"counts"') != 1:
        return None
    try:
        stored = orjson.loads(rest)
    except orjson.JSONDecodeError:
        return None
    if type(stored) is not dict or stored.get("counts") != [] or "class_version" in stored:
        return None
    for key, value in stored.items():
        if key != "counts" and not (
            type(value) is str
            or (type(value) is dict and all(type(item) is str for item in value.values()))
        ):
            return None
    sums: dict[str, list[int]] = {}
    listed = (match.group(1) or b"").decode("ascii")  # the pattern admits only ASCII
    for hex_id, views, likes, shares, comments in _STORED_COUNT.findall(listed):
        kept = sums.get(hex_id)
        if kept is None:
            sums[hex_id] = [int(views), int(likes), int(shares), int(comments)]
        else:
            kept[0] += int(views)
            kept[1] += int(likes)
            kept[2] += int(shares)
            kept[3] += int(comments)
    return stored, sums


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
            if not whole_counts(views, likes, shares, comments):
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
