"""Titles and their portals."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response, status

from domain.anchors.titles import TitleKind
from entrypoints.http.schemas import PortalBody, TitleOut, TitleRegistration
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import expected_version, set_location, tag_response

router = APIRouter(prefix="/v1/titles", tags=["titles"])

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TitleOut)
def register_title(
    body: TitleRegistration, core: Core, caller: Caller, response: Response
) -> TitleOut:
    """A studio registers a movie or show (an admin registers one for a named studio).

    Videos already published are matched against its name in the background."""
    view = core.anchoring.register_title(
        caller,
        name=body.name,
        kind=TitleKind(body.kind),
        portal=body.portal.to_domain() if body.portal else None,
        studio_id=body.studio_id,
    )
    set_location(response, "titles", view.id)
    tag_response(response, view.version)
    return TitleOut.model_validate(view)


@router.get("/{title_id}", response_model=TitleOut)
def get_title(title_id: UUID, core: Core, response: Response) -> TitleOut:
    """The public portal view of a title: anyone may read it."""
    view = core.cataloguing.title(title_id)
    tag_response(response, view.version)
    return TitleOut.model_validate(view)


@router.put("/{title_id}/portal", response_model=TitleOut)
def replace_portal(
    title_id: UUID,
    body: PortalBody,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> TitleOut:
    """The owning studio replaces the portal (tickets, streaming, cast, official links)."""
    view = core.cataloguing.update_portal(
        caller, title_id, body.to_domain(), expected_version=expected_version(if_match)
    )
    tag_response(response, view.version)
    return TitleOut.model_validate(view)
