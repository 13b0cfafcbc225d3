"""``/studio/titles/{id}/policy``: a title's match policy (what attaches, what goes to review,
the engagement rule and the engagement bonus) and the form to change it;
``/studio/anchors``: the proposals, anchors and disputes on the studio's titles with their
evidence.

The form is checked by the API's own ``PolicyBody`` and set by the use case of ``PUT
/v1/titles/{id}/match-policy``; it carries the title's version, so a form shown before the
policy changed is refused as stale (412, as the API answers a stale ``If-Match``) and shows
the policy as it now stands instead of overwriting it. The lists are the use cases of ``GET
/v1/me/anchors`` and ``GET /v1/me/disputes``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from application.errors import StaleVersion
from application.views import MatchingView
from domain.anchors.matching import MAX_ENGAGEMENT_BONUS
from domain.errors import InvalidValue
from entrypoints.http.anchors.anchor_schemas import PolicyBody
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import FORM, field_reasons, form_refusal
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25


def _bonus_field(name: str) -> str:
    """The form's name of an engagement bonus field."""
    return name if name == "bonus" else f"bonus_{name}"


SIGNALS = ("text", "audio", "visual")
RULE_FIELDS = ("review_at", "attach_at", "min_seconds")
ENGAGEMENT_FIELDS = ("min_views", "min_likes")
BONUS_FIELDS = ("min_views", "min_likes", "bonus")
#: The engagement rule's fields are named on the form without their ``engagement_``, the
#: engagement bonus's as ``bonus_min_views``, ``bonus_min_likes`` and ``bonus``.
ENGAGEMENT_ALIASES = {
    **{f"engagement_{name}": name for name in ENGAGEMENT_FIELDS},
    **{f"engagement_bonus_{name}": _bonus_field(name) for name in BONUS_FIELDS},
}
Typed = Annotated[str, Form(max_length=40)]
Version = Annotated[int, Form(ge=1)]


def _typed_of(view: MatchingView) -> dict[str, str]:
    """The form's fields filled with the policy as it stands."""
    policy = view.policy
    typed: dict[str, str] = {}
    for signal in SIGNALS:
        rule = getattr(policy, signal)
        typed[f"{signal}_review_at"] = f"{rule.review_at:g}"
        typed[f"{signal}_attach_at"] = "" if rule.attach_at is None else f"{rule.attach_at:g}"
        typed[f"{signal}_min_seconds"] = f"{rule.min_seconds:g}"
    typed["corroboration_attaches"] = "on" if policy.corroboration_attaches else ""
    engagement = policy.engagement
    typed["engagement"] = "" if engagement is None else "on"
    typed["min_views"] = "" if engagement is None else str(engagement.min_views)
    typed["min_likes"] = "" if engagement is None else str(engagement.min_likes)
    bonus = policy.engagement_bonus
    typed["engagement_bonus"] = "" if bonus is None else "on"
    typed["bonus_min_views"] = "" if bonus is None else str(bonus.min_views)
    typed["bonus_min_likes"] = "" if bonus is None else str(bonus.min_likes)
    typed["bonus"] = "" if bonus is None else f"{bonus.bonus:g}"
    return typed


def _body_of(typed: dict[str, str]) -> dict[str, Any]:
    """The request body of ``PUT .../match-policy`` as the form typed it (an empty attach
    score: never attaches; an empty engagement minimum: 0)."""
    body: dict[str, Any] = {
        signal: {
            "review_at": typed[f"{signal}_review_at"].strip(),
            "attach_at": typed[f"{signal}_attach_at"].strip() or None,
            "min_seconds": typed[f"{signal}_min_seconds"].strip() or "0",
        }
        for signal in SIGNALS
    }
    body["corroboration_attaches"] = bool(typed["corroboration_attaches"])
    body["engagement"] = (
        {name: typed[name].strip() or "0" for name in ENGAGEMENT_FIELDS}
        if typed["engagement"]
        else None
    )
    body["engagement_bonus"] = (
        {
            name: typed[_bonus_field(name)].strip() or ("0" if name != "bonus" else "")
            for name in BONUS_FIELDS
        }
        if typed["engagement_bonus"]
        else None
    )
    return body


def _page(
    visitor: Visitor,
    view: MatchingView,
    name: str,
    typed: dict[str, str],
    errors: dict[str, str],
    *,
    done: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        "studio/policy.html",
        {
            "visitor": visitor,
            "view": view,
            "name": name,
            "typed": typed,
            "errors": errors,
            "signals": SIGNALS,
            "max_bonus": MAX_ENGAGEMENT_BONUS,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/studio/titles/{title_id}/policy")
def match_policy(
    title_id: UUID, core: Core, visitor: Visiting, done: str | None = None
) -> Response:
    view = core.anchoring.matching(visitor.principal, title_id)
    name = core.cataloguing.title(title_id).name
    return _page(visitor, view, name, _typed_of(view), {}, done=done == "saved")


@router.post("/studio/titles/{title_id}/policy")
def change_match_policy(
    title_id: UUID,
    core: Core,
    visitor: Posting,
    version: Version,
    text_review_at: Typed = "",
    text_attach_at: Typed = "",
    text_min_seconds: Typed = "",
    audio_review_at: Typed = "",
    audio_attach_at: Typed = "",
    audio_min_seconds: Typed = "",
    visual_review_at: Typed = "",
    visual_attach_at: Typed = "",
    visual_min_seconds: Typed = "",
    corroboration_attaches: Typed = "",
    engagement: Typed = "",
    min_views: Typed = "",
    min_likes: Typed = "",
    engagement_bonus: Typed = "",
    bonus_min_views: Typed = "",
    bonus_min_likes: Typed = "",
    bonus: Typed = "",
) -> Response:
    # The form's text fields as typed, by name (the only str parameters), to show again.
    typed = {key: value for key, value in locals().items() if isinstance(value, str)}
    # Who may set it is the use case's rule: asked before anything typed is looked at.
    current = core.anchoring.policy_to_set(visitor.principal, title_id)
    name = core.cataloguing.title(title_id).name
    errors: dict[str, str] = {}
    try:
        body = PolicyBody.model_validate(_body_of(typed))
    except ValidationError as refused:
        errors = field_reasons(refused, ENGAGEMENT_ALIASES, nested=True)
        return _page(visitor, current, name, typed, errors, status_code=422)
    for signal in SIGNALS:  # the domain's rule, tied to the signal whose fields broke it
        try:
            getattr(body, signal).to_domain()
        except InvalidValue as refused:
            errors[f"{signal}_attach_at"] = str(refused)
    if errors:
        return _page(visitor, current, name, typed, errors, status_code=422)
    try:
        core.anchoring.set_policy(
            visitor.principal, title_id, body.to_domain(), expected_version=version
        )
    except Exception as error:
        answer = form_refusal(error)
        if answer is None:
            raise
        code, reason = answer
        if isinstance(error, StaleVersion):  # changed since the form was shown: show it now
            now = core.anchoring.policy_to_set(visitor.principal, title_id)
            reason = (
                "The policy was changed since you loaded this page; nothing was saved. "
                f"The form now shows the policy as it stands. ({reason})"
            )
            return _page(visitor, now, name, _typed_of(now), {FORM: reason}, status_code=code)
        return _page(visitor, current, name, typed, {FORM: reason}, status_code=code)
    return see_other(f"/studio/titles/{title_id}/policy?done=saved")


@router.get("/studio/anchors", dependencies=trails("disputes_cursor"))
def anchors_on_my_titles(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    disputes_cursor: PageCursor = None,
) -> Response:
    anchors = core.owner_lists.title_anchors(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    disputes = core.owner_lists.studio_disputes(
        visitor.principal, limit=PAGE_SIZE, cursor=disputes_cursor
    )
    ids = {item.title_id for item in anchors.items} | {item.title_id for item in disputes.items}
    names = {title_id: core.cataloguing.title(title_id).name for title_id in ids}
    return render(
        "studio/anchors.html",
        {
            "visitor": visitor,
            "anchors": anchors,
            "disputes": disputes,
            "names": names,
            "pager": pager("/studio/anchors", request.query_params, anchors.next_cursor),
            "disputes_pager": pager(
                "/studio/anchors",
                request.query_params,
                disputes.next_cursor,
                cursor_name="disputes_cursor",
            ),
        },
    )
