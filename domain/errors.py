"""Exceptions raised by aggregates when a command would break one of their rules."""

from enum import StrEnum
from typing import TypeVar

Choice = TypeVar("Choice", bound=StrEnum)


class DomainError(Exception):
    """A command was refused because it would break a business rule."""


class InvalidValue(DomainError, ValueError):
    """A value offered to the domain is malformed (an empty name, a non-https link, ...)."""


class RuleViolated(DomainError):
    """A well-formed command conflicts with the aggregate's current state."""


def one_of(choices: type[Choice], value: str, what: str) -> Choice:
    """``value`` as one of ``choices``; anything else is refused naming every choice."""
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(choice.value for choice in choices)
        raise InvalidValue(f"{what} {value!r} is not one of: {allowed}") from None


class IdempotencyKeyReused(RuleViolated):
    """An ``Idempotency-Key`` already used for one request came with another (another body):
    a retry repeats its request exactly, so this is a client's mistake, refused (409) with
    nothing recorded."""
