"""Moderation's vocabulary: age bands of accounts, the states a video can be put in, and the
flags an automated classifier raises.

Who is protected, and from what: videos of creators under 18 and age-restricted videos get
no anchors, no product tags, no Pulse placement and no campaign invitations; a removed video
leaves every program. A classifier's flag that asks for restriction restricts the video at
once, until a reviewer decides (clear, age-restricted or removed): protecting minors first,
and letting a person undo it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import attrs

from domain.errors import InvalidValue
from domain.text import checked_line

MAX_POLICY = 100
MAX_LABEL = 50


class AgeBand(StrEnum):
    UNDER_13 = "under-13"
    FROM_13_TO_15 = "13-15"
    FROM_16_TO_17 = "16-17"
    ADULT = "18+"

    @property
    def is_minor(self) -> bool:
        return self is not AgeBand.ADULT


class ModerationState(StrEnum):
    UNREVIEWED = "unreviewed"  # nothing decided, nothing flagged
    FLAGGED = "flagged"  # a classifier asked for restriction: restricted until reviewed
    CLEAR = "clear"
    AGE_RESTRICTED = "age-restricted"
    REMOVED = "removed"

    @property
    def restricts(self) -> bool:
        """Kept out of anchors, tags, Pulse and campaigns."""
        return self in (
            ModerationState.FLAGGED,
            ModerationState.AGE_RESTRICTED,
            ModerationState.REMOVED,
        )


#: What a reviewer may decide.
DECISIONS = (ModerationState.CLEAR, ModerationState.AGE_RESTRICTED, ModerationState.REMOVED)


class Severity(StrEnum):
    NOTE = "note"  # for a reviewer's eyes; the video stays as it is
    RESTRICT = "restrict"  # restricted at once until a reviewer decides


@attrs.frozen
class Flag:
    """One thing a classifier found: a label from its policy, how serious, and where."""

    label: str
    severity: Severity = attrs.field(converter=Severity)
    evidence: str  # the words or hashtags that raised it

    def __attrs_post_init__(self) -> None:
        if not self.label.strip() or len(self.label) > MAX_LABEL:
            raise InvalidValue(f"a flag's label has 1 to {MAX_LABEL} characters")


def state_after_flags(current: ModerationState | str, flags: Iterable[Flag]) -> ModerationState:
    """A classifier's flags restrict an unreviewed video (when one asks for it); a video a
    person has decided on keeps that decision."""
    state = ModerationState(current)
    restricting = any(Severity(f.severity) is Severity.RESTRICT for f in flags)
    if restricting and state is ModerationState.UNREVIEWED:
        return ModerationState.FLAGGED
    return state


def checked_policy(policy: str) -> str:
    """A reference to the platform policy applied (e.g. 'community-guidelines/4.2')."""
    cleaned = checked_line(policy, "a policy").strip()
    if not cleaned or len(cleaned) > MAX_POLICY:
        raise InvalidValue(
            f"a decision names the policy it applies, in 1 to {MAX_POLICY} characters"
        )
    return cleaned
