"""How domain value objects are written into stored events, under names that never change."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding, TranscodingNotRegisteredError

from domain.anchors.audience import Click, EngagementCount, VideoClick
from domain.anchors.engagement import Engagement
from domain.anchors.matching import (
    EngagementBonus,
    EngagementRule,
    MatchPolicy,
    SignalEvidence,
    SignalRule,
    TimeRange,
)
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Reference
from domain.anchors.videos import Anchor, Dispute, Proposal
from domain.anchors.views import VideoViewed
from domain.business.campaigns import KpiTarget
from domain.business.invitations import Terms
from domain.money import Money
from domain.music.rounds import Entrant, Judge, Prize, Winner
from domain.music.seasons import RoundPlan
from domain.music.standings import Standing, Weighting
from domain.music.tracks import Resemblance
from domain.revenue.creators import Strike
from domain.revenue.ledger import Posting
from domain.revenue.pulse import BilledPlacement
from domain.trust.moderation import Flag


class AttrsTranscoding(Transcoding):
    """Stores a frozen attrs value object as the mapping of its fields.

    Nested value objects are transcoded by their own registrations; tuples come back as
    lists, so value objects convert sequence fields back to tuples themselves.
    """

    def __init__(self, value_type: type[Any], name: str) -> None:
        self.type = value_type
        self.name = name
        self._field_names = tuple(field.name for field in attrs.fields(value_type))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {field: getattr(obj, field) for field in self._field_names}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class DateAsISO(Transcoding):
    """Calendar days (a campaign's flight, a delivery deadline) as YYYY-MM-DD."""

    type = date
    name = "spotlight.date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BytesAsBase64(Transcoding):
    """Fingerprints are bytes; JSON carries them as base64 text."""

    type = bytes
    name = "spotlight.bytes"

    def encode(self, obj: bytes) -> str:
        return base64.b64encode(obj).decode("ascii")

    def decode(self, data: str) -> bytes:
        return base64.b64decode(data)


STABLE_NAMES: dict[type[Any], str] = {
    Link: "spotlight.Link",
    CastMember: "spotlight.CastMember",
    Portal: "spotlight.Portal",
    Engagement: "spotlight.Engagement",
    Anchor: "spotlight.Anchor",
    Proposal: "spotlight.Proposal",
    Dispute: "spotlight.Dispute",
    TimeRange: "spotlight.TimeRange",
    Reference: "spotlight.Reference",
    SignalEvidence: "spotlight.SignalEvidence",
    SignalRule: "spotlight.SignalRule",
    MatchPolicy: "spotlight.MatchPolicy",
    EngagementCount: "spotlight.EngagementCount",
    Click: "spotlight.Click",
    Money: "spotlight.Money",
    Resemblance: "spotlight.Resemblance",
    Judge: "spotlight.Judge",
    Prize: "spotlight.Prize",
    Entrant: "spotlight.Entrant",
    Winner: "spotlight.Winner",
    RoundPlan: "spotlight.RoundPlan",
    Standing: "spotlight.Standing",
    Weighting: "spotlight.Weighting",
    Strike: "spotlight.Strike",
    Posting: "spotlight.Posting",
    BilledPlacement: "spotlight.BilledPlacement",
    KpiTarget: "spotlight.KpiTarget",
    Terms: "spotlight.Terms",
    VideoClick: "spotlight.VideoClick",
    Flag: "spotlight.ModerationFlag",
    EngagementRule: "spotlight.EngagementRule",
    EngagementBonus: "spotlight.EngagementBonus",
    VideoViewed: "spotlight.VideoViewed",
}


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(BytesAsBase64())
    transcoder.register(DateAsISO())
    for value_type, name in STABLE_NAMES.items():
        transcoder.register(AttrsTranscoding(value_type, name))


class _Inexact(Exception):
    """A number came out of orjson as a float: it may have been an integer past 64 bits,
    which orjson reads as a float and the library's parser keeps exact."""


#: Distinct ids a transcoder keeps decoded (the videos of engagement batches recur page
#: after page); the set is emptied when full.
ID_CACHE = 200_000


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, decoding with orjson and a walk of the parsed values
    instead of the standard parser's hook on every object, and with the hottest value
    objects (ids, engagement counts) built straight from their stored fields.

    It answers exactly what ``JSONTranscoder.decode`` answers: the same transcodings by the
    same names, applied innermost first; a document orjson refuses (an integer past 64 bits,
    NaN) is read by the standard parser. Encoding is the library's, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: dict[str, UUID] = {}
        #: name -> decode of a value's stored ``_data_`` as parsed (nothing inside decoded).
        self._direct: dict[str, Callable[[Any], Any]] = {
            "uuid_hex": self._uuid,
            _ENGAGEMENT: _engagement,
            _COUNT: self._engagement_count,
        }

    def decode(self, data: bytes) -> Any:
        try:
            return self._value(orjson.loads(data))
        except (orjson.JSONDecodeError, _Inexact):
            return super().decode(data)

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return self._object(value)
        if kind is list:
            if value and type(value[0]) is dict and value[0].get("_type_") == _COUNT:
                return self._counts(value)
            return [self._value(item) for item in value]
        if kind is float:
            raise _Inexact
        return value

    def _object(self, obj: dict[str, Any]) -> Any:
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            name = obj["_type_"]
            direct = self._direct.get(name) if type(name) is str else None
            if direct is not None and self.names.get(name) is not None:
                return direct(obj["_data_"])
            try:
                transcoding = self.names[name]
            except (KeyError, TypeError) as error:
                raise TranscodingNotRegisteredError(
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                ) from error
            return transcoding.decode(self._value(obj["_data_"]))
        for key, item in obj.items():
            kind = type(item)
            if kind is dict or kind is list:
                obj[key] = self._value(item)
            elif kind is float:
                raise _Inexact
        return obj

    def _uuid(self, data: Any) -> UUID:
        if type(data) is not str:
            return self.names["uuid_hex"].decode(self._value(data))  # type: ignore[no-any-return]
        known = self._ids.get(data)
        if known is None:
            if len(self._ids) >= ID_CACHE:
                self._ids.clear()
            known = self._ids[data] = UUID(data)
        return known

    def uuid_of(self, hex_id: str) -> UUID:
        """The id a stored ``uuid_hex`` value names, as the transcoding decodes it (kept
        decoded, as the transcoder's own ids are)."""
        return self._uuid(hex_id)

    def _engagement_count(self, data: Any) -> Any:
        # The hottest value of the logs (a thousand in an engagement batch): read in one go,
        # or else by the registered transcodings.
        try:
            video_id, added = data["video_id"], data["added"]
            if (
                len(data) == 2
                and len(video_id) == 2
                and video_id["_type_"] == "uuid_hex"
                and len(added) == 2
                and added["_type_"] == _ENGAGEMENT
            ):
                # The id first, as the library's parser meets it first: a stored count
                # wrong in both ways is refused for the same reason.
                video = self._uuid(video_id["_data_"])
                count = object.__new__(EngagementCount)
                _set(count, "video_id", video)
                _set(count, "added", _engagement(added["_data_"]))
                return count
        except (KeyError, TypeError):
            pass
        return self.names[_COUNT].decode(self._value(data))

    def _counts(self, items: list[Any]) -> list[Any]:
        """A list of stored engagement counts (an engagement batch's thousand), read in one
        loop that recognises the stored shape inline; an item of any other shape, or a
        transcoder without these transcodings, takes the general path."""
        names = self.names
        if names.get(_COUNT) is None or names.get(_ENGAGEMENT) is None or "uuid_hex" not in names:
            return [self._value(item) for item in items]
        ids = self._ids
        new = object.__new__
        decoded: list[Any] = []
        append = decoded.append
        for item in items:
            count = None
            # Every step is a subscript or an exact type test: a missing key or an item
            # that is not a mapping leaves ``count`` unset and the item to the general path.
            try:
                if type(item) is dict and len(item) == 2 and item["_type_"] == _COUNT:
                    data = item["_data_"]
                    video, added = data["video_id"], data["added"]
                    if (
                        len(data) == 2
                        and type(video) is dict
                        and len(video) == 2
                        and video["_type_"] == "uuid_hex"
                        and type(added) is dict
                        and len(added) == 2
                        and added["_type_"] == _ENGAGEMENT
                    ):
                        hex_id = video["_data_"]
                        video_id = ids.get(hex_id) if type(hex_id) is str else None
                        engagement = _checked(added["_data_"])
                        if video_id is not None and engagement is not None:
                            count = new(EngagementCount)
                            _set(count, "video_id", video_id)
                            _set(count, "added", engagement)
            except (KeyError, TypeError):
                count = None
            # A video not yet seen (its id is parsed and cached there) or anything unexpected.
            append(self._value(item) if count is None else count)
        return decoded


_COUNT = "spotlight.EngagementCount"
_ENGAGEMENT = "spotlight.Engagement"


_set = object.__setattr__


def _engagement(data: Any) -> Engagement:
    """An engagement as its attrs constructor builds it: the same checks (none negative),
    made at once rather than by a validator per field."""
    engagement = _checked(data)
    if engagement is not None:
        return engagement
    if type(data) is dict and any(type(value) is float for value in data.values()):
        raise _Inexact
    return Engagement(**data)


def stored_engagement(data: Any) -> Engagement | None:
    """The engagement a stored mapping of four whole, non-negative counters names, built as
    the transcoder builds it; None for anything else."""
    return _checked(data)


def _checked(data: Any) -> Engagement | None:
    """The engagement of four whole, non-negative counters as stored, or None for anything
    else (which the attrs constructor then refuses or reads)."""
    if type(data) is dict and len(data) == 4:
        return engagement_of(
            data.get("views"), data.get("likes"), data.get("shares"), data.get("comments")
        )
    return None


def whole_counts(views: Any, likes: Any, shares: Any, comments: Any) -> bool:
    """Whether the four are whole, non-negative numbers (not booleans): an engagement's."""
    return (
        type(views) is int
        and type(likes) is int
        and type(shares) is int
        and type(comments) is int
        and views >= 0
        and likes >= 0
        and shares >= 0
        and comments >= 0
    )


def engagement_of(views: Any, likes: Any, shares: Any, comments: Any) -> Engagement | None:
    """The engagement of four whole, non-negative counters, built as the transcoder builds
    it (without the attrs validators, which it does the work of); None for anything else."""
    if whole_counts(views, likes, shares, comments):
        engagement = object.__new__(Engagement)
        _set(engagement, "views", views)
        _set(engagement, "likes", likes)
        _set(engagement, "shares", shares)
        _set(engagement, "comments", comments)
        return engagement
    return None
