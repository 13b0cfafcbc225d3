"""How domain value objects are written into stored events, under names that never change."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import attrs
from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.anchors.audience import Click, EngagementCount, VideoClick
from domain.anchors.engagement import Engagement
from domain.anchors.matching import MatchPolicy, SignalEvidence, SignalRule, TimeRange
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Reference
from domain.anchors.videos import Anchor, Dispute, Proposal
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
}


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(BytesAsBase64())
    transcoder.register(DateAsISO())
    for value_type, name in STABLE_NAMES.items():
        transcoder.register(AttrsTranscoding(value_type, name))
