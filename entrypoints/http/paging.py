"""The list convention over HTTP (``application.paging``): ``limit`` and ``cursor`` in,
``items`` and ``next_cursor`` out (``page_route``), a whole list as CSV (``csv_download``);
and, for every route, a query parameter the route does not declare is refused with 422
rather than silently ignored."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Generic, ParamSpec, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from application.paging import CURSOR_PATTERN, MAX_CURSOR, MAX_LIMIT, Page

T = TypeVar("T")
Params = ParamSpec("Params")

PageLimit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")
]
PageCursor = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=MAX_CURSOR,
        pattern=CURSOR_PATTERN,
        description="The `next_cursor` of the previous page, as it was given (none: from the "
        "start). A cursor altered or given by another list is refused with 422.",
    ),
]


class PageOut(BaseModel, Generic[T]):
    """A page of a list in its stable order (``PageOut[ItemOut].model_validate(page)``)."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null: this is the last page."
    )


def page_route(
    router: APIRouter, path: str, item: type[BaseModel]
) -> Callable[[Callable[Params, Page[Any]]], Callable[Params, PageOut[Any]]]:
    """Route ``GET path`` to a list read a page at a time. The decorated function takes the
    route's parameters (``limit: PageLimit`` and ``cursor: PageCursor`` among them: bounded,
    and the cursor's form checked; the service refuses a cursor another list gave, or one
    altered, with ``InvalidValue``, a 422) and answers the service's ``Page``; the route
    answers it as ``PageOut[item]``, its items and ``next_cursor``. The function's name is
    the operation's (its operationId) and its docstring the operation's description."""
    answer: type[PageOut[Any]] = PageOut[item]  # type: ignore[valid-type]

    def route(read: Callable[Params, Page[Any]]) -> Callable[Params, PageOut[Any]]:
        @functools.wraps(read)
        def endpoint(*args: Params.args, **kwargs: Params.kwargs) -> PageOut[Any]:
            return answer.model_validate(read(*args, **kwargs))

        router.get(path, response_model=answer)(endpoint)
        return endpoint

    return route


#: The OpenAPI answer of a route that streams a whole list as CSV.
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The whole list as CSV."}
}


def csv_download(lines: Iterator[str], filename: str) -> StreamingResponse:
    """CSV ``lines`` streamed as the file ``filename`` (a download, not a page)."""
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _query_names(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


def _declared(route: APIRoute) -> frozenset[str]:
    # A walk of a few dependencies, made only for a request that has a query.
    return frozenset(_query_names(route.dependant))


def refuse_unknown_query(request: Request) -> None:
    """Refuse a query parameter the matched route does not declare (a misspelt or
    unsupported filter would otherwise answer as if it were not there)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    unknown = sorted(set(request.query_params.keys()) - _declared(route))
    if unknown:
        declared = ", ".join(sorted(_declared(route))) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this operation takes: {declared})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )
