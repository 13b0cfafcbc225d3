"""Rendering pages, and answering every refusal of a use case as a page.

Templates are Jinja2 with autoescaping on, so whatever a person typed is shown as text. They
live beside the code that renders them: the shared ones in ``entrypoints/web/templates``, each
person's pages in their subpackage's ``templates`` folder (named ``studio/...``,
``reviewer/...``).

A route of the web app is a ``PageRoute``: what a use case refuses is answered as a page with
the same status and reason the API gives (``entrypoints.http.problems.REFUSALS``, one table
for both), a visitor without a live session is sent to sign in and then back, and every
answer carries the headers of ``entrypoints.web.headers``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from application.auth import InvalidToken
from entrypoints.http.problems import REFUSALS
from entrypoints.web.headers import protect

HERE = Path(__file__).parent
SIGN_IN = "/sign-in"


def _template_folders() -> list[str]:
    return [str(HERE / "templates"), *sorted(str(p) for p in HERE.glob("*/templates"))]


templates = Environment(
    loader=FileSystemLoader(_template_folders()),
    autoescape=select_autoescape(("html", "svg"), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInNeeded(Exception):
    """The page needs a signed-in visitor and there is none."""


def render(
    name: str, context: Mapping[str, Any], *, status_code: int = status.HTTP_200_OK
) -> HTMLResponse:
    page = templates.get_template(name).render(context)
    response = HTMLResponse(page, status_code=status_code)
    protect(response.headers)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser reads the next page with GET (POST, redirect, GET)."""
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    protect(response.headers)
    return response


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this service, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _page_of_form(request: Request) -> str:
    """The page a form was posted from (this service's own, by its ``Referer``), else ``/``:
    a form is not posted again after signing in, but the person is back where they were."""
    came_from = urlsplit(request.headers.get("referer", ""))
    if came_from.netloc != request.url.netloc or came_from.path == SIGN_IN:
        return "/"
    return safe_next(came_from.path + (f"?{came_from.query}" if came_from.query else ""))


def sign_in_first(request: Request) -> RedirectResponse:
    """To sign in (no session, or one that ended or expired), then back to the page: the one
    asked for, or the one whose form was posted."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = here if request.method == "GET" else _page_of_form(request)
    return see_other(f"{SIGN_IN}?{urlencode({'next': back}, quote_via=quote)}")


def _validation_reasons(error: ValidationError | RequestValidationError) -> list[str]:
    reasons = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        reasons.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
    return reasons


def refusal_page(error: Exception) -> HTMLResponse | None:
    """The page for an error the API would answer with a problem document; None for an
    error it would not (a fault of the service's, left to the server)."""
    if isinstance(error, (ValidationError, RequestValidationError)):
        return problem("Invalid request", _validation_reasons(error), 422)
    for kind in type(error).__mro__:
        refusal = REFUSALS.get(kind)
        if refusal is None:
            continue
        if refusal.answer is None:
            status_code, title = refusal.status, refusal.title
        else:
            status_code, _slug, title = refusal.answer(error)
        response = problem(title, [refusal.detail(error)], status_code)
        for header, value in (refusal.headers(error) or {}).items():
            if header.lower() != "www-authenticate":
                response.headers[header] = value
        return response
    return None


def problem(title: str, reasons: list[str], status_code: int) -> HTMLResponse:
    return render(
        "problem.html",
        {"title": title, "reasons": reasons, "status": status_code, "visitor": None},
        status_code=status_code,
    )


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A route whose refusals are pages (see the module's account)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except (SignInNeeded, InvalidToken):
                return sign_in_first(request)
            except Exception as error:
                page = refusal_page(error)
                if page is None:
                    raise
                return page
            protect(response.headers)
            return response

        return answer
