"""A person's personal data over HTTP: recorded sealed, read by them (and admins, auditors),
erased on request. A person is a role and a subject: `/v1/people/creator/c1/...` is
`creator:c1`'s alone, never `brand:c1`'s."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import Field

from application.auth import Principal, Role
from application.trust.personal_data import MAX_TEXT
from entrypoints.http.schemas import AccountPath, Answer, IsoDate, Strict
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["personal data"])


class PersonalDataBody(Strict):
    name: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Ana Lima"])
    contact: str = Field(min_length=1, max_length=MAX_TEXT, examples=["ana@example.org"])
    date_of_birth: IsoDate


class PersonalDataOut(Answer):
    subject: str
    erased: bool = Field(description="Erased on request: nothing of it can be read any more.")
    name: str | None
    contact: str | None
    date_of_birth: date | None
    age_band: str | None


PERSON = "/v1/people/{role}/{subject}/personal-data"


@router.put(PERSON, response_model=PersonalDataOut)
def record(
    role: Role, subject: AccountPath, body: PersonalDataBody, core: Core, caller: Caller
) -> PersonalDataOut:
    """The person (same role and subject) or an admin records their name, contact and date
    of birth. They are stored sealed with a key kept for this person alone; for a creator,
    the age band that follows from the date of birth is recorded on their account, where it
    protects a minor (their own date of birth may only make the band younger: 409
    `ProtectionNotLifted` otherwise; an admin's is a verified decision)."""
    view = core.personal_data.record(
        caller,
        Principal(role, subject),
        name=body.name,
        contact=body.contact,
        date_of_birth=body.date_of_birth,
    )
    return PersonalDataOut.model_validate(view)


@router.get(PERSON, response_model=PersonalDataOut)
def read(role: Role, subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """The person's data (themselves, admins, auditors), or `erased: true`."""
    return PersonalDataOut.model_validate(core.personal_data.read(caller, Principal(role, subject)))


@router.delete(PERSON, response_model=PersonalDataOut)
def erase(role: Role, subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """Erasure on request (the person, or an admin): the erasure is recorded and the key
    destroyed; the log keeps only sealed bytes nobody can open, and still verifies. Unknown
    person: 404."""
    return PersonalDataOut.model_validate(
        core.personal_data.erase(caller, Principal(role, subject))
    )


# The first version's paths name no role; they always meant a creator's data and still do,
# so clients written against them keep working with the whole-principal rule.
CREATOR_PERSON = "/v1/people/{subject}/personal-data"


@router.put(CREATOR_PERSON, response_model=PersonalDataOut, deprecated=True)
def record_creators(
    subject: AccountPath, body: PersonalDataBody, core: Core, caller: Caller
) -> PersonalDataOut:
    """A creator's personal data: `PUT /v1/people/creator/{subject}/personal-data`."""
    return record(Role.CREATOR, subject, body, core, caller)


@router.get(CREATOR_PERSON, response_model=PersonalDataOut, deprecated=True)
def read_creators(subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """A creator's personal data: `GET /v1/people/creator/{subject}/personal-data`."""
    return read(Role.CREATOR, subject, core, caller)


@router.delete(CREATOR_PERSON, response_model=PersonalDataOut, deprecated=True)
def erase_creators(subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """A creator's erasure: `DELETE /v1/people/creator/{subject}/personal-data`."""
    return erase(Role.CREATOR, subject, core, caller)
