"""Business time is always handed in by the caller and must be unambiguous."""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidValue


def checked_instant(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue("business times must carry a time zone")
    return at
