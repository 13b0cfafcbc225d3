"""A body of a type the operation does not take is refused with 415, before it is read as
anything else (FastAPI would read it as bytes and answer 422 for a missing object).

Installed as an app-wide dependency, so every operation that takes a JSON body, including
operations added later, refuses ``text/plain``, a form or XML the same way. A body sent
without a ``Content-Type`` is refused too (FastAPI would not read it as JSON); an operation sent
no body at all answers as before. Multipart operations read their forms themselves
(``entrypoints.http.uploads``) and refuse other types there.
"""

from __future__ import annotations

import email.message

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute

from entrypoints.http.problems import Problem


def _json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def refuse_unsupported_body(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    if isinstance(route.body_field.field_info, Form):
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        sent = request.headers.get("content-length", "0") != "0" or (
            "transfer-encoding" in request.headers
        )
        if sent:
            raise Problem(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "this operation takes application/json: send the body with "
                "Content-Type: application/json",
            )
        return
    if not _json(content_type):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"this operation takes application/json, not {content_type[:60]!r}",
        )
