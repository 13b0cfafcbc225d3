"""The operators' read beside ``/readyz``: the version of every versioned component of the
store's own tables (``application.store_schema``), for admins and auditors."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["operations"])


class ComponentVersionOut(Answer):
    part: str = Field(
        description="The part of the store: `read models`, `<log> log` (catalogue, music, "
        "revenue, inbox) or `key store`."
    )
    component: str = Field(
        description="The component as the store records it, e.g. `projection store`, "
        "`chain of catalogue_events`, `key store`."
    )
    version: int = Field(description="The version its tables are at.")


@router.get("/v1/store/schema", response_model=list[ComponentVersionOut])
def store_schema(core: Core, caller: Caller) -> list[ComponentVersionOut]:
    """Every versioned component of the store and the version its tables are at: the read
    models', each log's hash-chain table, the key store (once it holds a key); what
    `spotlight projections schema` prints. Admins and auditors; 403 otherwise."""
    return [
        ComponentVersionOut.model_validate(found) for found in core.store_schema.versions(caller)
    ]
