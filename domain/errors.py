"""Exceptions raised by aggregates when a command would break one of their rules."""


class DomainError(Exception):
    """A command was refused because it would break a business rule."""


class InvalidValue(DomainError, ValueError):
    """A value offered to the domain is malformed (an empty name, a non-https link, ...)."""


class RuleViolated(DomainError):
    """A well-formed command conflicts with the aggregate's current state."""
