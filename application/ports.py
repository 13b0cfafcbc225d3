"""Ports: what the use cases need from the outside world, implemented by adapters."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    """The source of business time; tests pass a clock they control."""

    def now(self) -> datetime:
        """The current business time, as an aware datetime."""
        ...


class IdentityProvider(Protocol):
    """The source of new random aggregate ids (deterministic ids are derived, not drawn)."""

    def new_id(self) -> UUID: ...
