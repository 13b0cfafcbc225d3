"""What the reviewers' queue pages share: who decides (the others read), and the form
fields of a decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from application.auth import Role

#: Who decides in the reviewers' queues; auditors read them.
DECIDERS = frozenset({Role.REVIEWER, Role.ADMIN})
Choice = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=2000)]
