"""Why a use case refused to act, in terms every entrypoint can translate."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of the errors a use case raises on purpose."""


class NotFound(ApplicationError):
    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"no {kind} with id {ident}")
        self.kind = kind
        self.ident = ident


class NotPermitted(ApplicationError):
    """The acting party is known but may not do this (a role or ownership check failed)."""


class Gone(ApplicationError):
    """It was there and is no longer served (a removed video): said, with nothing of it."""


class AgeRestricted(ApplicationError):
    """Not served to this caller: minors and callers not signed in do not see it."""


class StaleVersion(ApplicationError):
    """The caller edited an older version than the one stored (If-Match), or lost a race."""

    def __init__(self, kind: str, ident: object, expected: int | None, actual: int | None) -> None:
        if actual is None:
            detail = f"{kind} {ident} was changed by someone else at the same time"
        else:
            detail = f"{kind} {ident} is at version {actual}, not {expected}"
        super().__init__(detail + "; reload it and try again")
        self.expected = expected
        self.actual = actual
