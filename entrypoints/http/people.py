"""A person's personal data over HTTP: recorded sealed, read by them (and admins, auditors),
erased on request."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from application.personal_data import MAX_TEXT, PersonalDataView
from entrypoints.http.schemas import AccountPath, IsoDate, Strict
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["personal data"])


class PersonalDataBody(Strict):
    name: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Ana Lima"])
    contact: str = Field(min_length=1, max_length=MAX_TEXT, examples=["ana@example.org"])
    date_of_birth: IsoDate


class PersonalDataOut(BaseModel):
    subject: str
    erased: bool = Field(description="Erased on request: nothing of it can be read any more.")
    name: str | None
    contact: str | None
    date_of_birth: date | None
    age_band: str | None

    @classmethod
    def of(cls, view: PersonalDataView) -> PersonalDataOut:
        return cls(
            subject=view.subject,
            erased=view.erased,
            name=view.name,
            contact=view.contact,
            date_of_birth=view.date_of_birth,
            age_band=None if view.age_band is None else view.age_band.value,
        )


@router.put("/v1/people/{subject}/personal-data", response_model=PersonalDataOut)
def record(
    subject: AccountPath, body: PersonalDataBody, core: Core, caller: Caller
) -> PersonalDataOut:
    """The person (or an admin) records their name, contact and date of birth. They are
    stored sealed with a key kept for this person alone; the age band that follows from the
    date of birth is recorded on their creator account, where it protects a minor."""
    view = core.personal_data.record(
        caller, subject, name=body.name, contact=body.contact, date_of_birth=body.date_of_birth
    )
    return PersonalDataOut.of(view)


@router.get("/v1/people/{subject}/personal-data", response_model=PersonalDataOut)
def read(subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """The person's data (themselves, admins, auditors), or `erased: true`."""
    return PersonalDataOut.of(core.personal_data.read(caller, subject))


@router.delete("/v1/people/{subject}/personal-data", response_model=PersonalDataOut)
def erase(subject: AccountPath, core: Core, caller: Caller) -> PersonalDataOut:
    """Erasure on request (the person, or an admin): the erasure is recorded and the key
    destroyed; the log keeps only sealed bytes nobody can open, and still verifies. Unknown
    person: 404."""
    return PersonalDataOut.of(core.personal_data.erase(caller, subject))
