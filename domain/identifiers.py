"""Accounts: the one character set every account, subject and principal is written in.

An account is 1 to 128 characters from ``A-Z a-z 0-9 . _ @ : -``, starting with a letter or
a digit. Accounts end up in URLs (``/v1/artists/{account}``), HTTP headers (``Location``),
ledger account codes (``creator:{account}:payable:USD``), principal labels
(``role:account``) and rate-limit keys. A colon is allowed (team accounts such as
``team:maya`` are paid like any other: a ledger code is read from both ends, a label's role
ends at its first colon). There is no whitespace, no slash, no control character (CR/LF
would split a header, NUL ends a C string) and nothing outside ASCII (no bidirectional
overrides, no zero-width characters, no look-alikes).

Events written before the rule stay as they are: the rule is applied to what comes in, never
to what is read back from a log.
"""

from __future__ import annotations

import re

from domain.errors import InvalidValue

MAX_ACCOUNT = 128
ACCOUNT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$"
ACCOUNT_CHARACTERS = "1 to 128 of A-Z a-z 0-9 . _ @ : -, starting with a letter or a digit"

_ACCOUNT = re.compile(ACCOUNT_PATTERN)


def is_account(value: object) -> bool:
    # fullmatch, not match: '$' would accept a trailing newline.
    return isinstance(value, str) and _ACCOUNT.fullmatch(value) is not None


def checked_account(value: object, what: str = "an account") -> str:
    """``value`` if it is an account; anything else is refused, naming the character set."""
    if not is_account(value):
        shown = repr(value) if not isinstance(value, str) or len(value) <= 40 else "that value"
        raise InvalidValue(f"{what} must have {ACCOUNT_CHARACTERS}; {shown} does not")
    assert isinstance(value, str)
    return value
