"""The OpenAPI says, for every operation, what the service really does.

Routers declare their success answers; everything else the service answers is decided in
one place (the problem handlers, the policy table, the middlewares), so it is documented in
one place too, here, for every route a router adds, including routes added later:

* names a generated client reads well: the ``operationId`` is the route function's name in
  camel case (``register_title`` -> ``registerTitle``), the summary the same words as a
  sentence ("Register title"); both are checked unique. Schemas keep their class names;
  two classes of one name in different programs get the program's name in front
  (``BusinessCampaignOut``, ``RevenueCampaignOut``), never a module path, and a page of
  items is ``<Item>Page``;
* every refusal an operation can give, each a ``Problem`` (``application/problem+json``):
  401 where a token is needed and 403 where roles are restricted (both from
  ``entrypoints.http.policy``), 404 where the path or a body names something, 409 on writes, 412,
  428 and 400 where ``If-Match`` is taken, 413 and 415 where a body is, 429 everywhere;
* the headers: ``Location`` on every 201, ``ETag`` on every answer that carries a
  resource's ``version`` (the entity tag is that version), ``If-None-Match`` and its 304 on
  such reads, ``Retry-After`` on 429, ``WWW-Authenticate`` on 401 and
  ``Idempotent-Replayed`` where an ``Idempotency-Key`` is taken.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from entrypoints.http.policy import ALL, POLICY, Access
from entrypoints.http.problems import MEDIA_TYPE, SCHEMA_REF

WRITES = frozenset({"post", "put", "patch", "delete"})
IF_MATCH = "if-match"
IDEMPOTENCY_KEY = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
_PAGE = re.compile(r"^PageOut_(?P<item>[A-Za-z0-9]+)_$")


def operation_id(route: APIRoute) -> str:
    """``register_title`` -> ``registerTitle``: the route function's name, for FastAPI's
    ``generate_unique_id_function``."""
    first, *rest = route.name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def _default_summary(name: str) -> str:
    return name.replace("_", " ").title()


def _sentence(name: str) -> str:
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def describe_operations(app: FastAPI, policy: Mapping[str, Access] = POLICY) -> None:
    """Adds what this module documents to the app's OpenAPI each time it is generated."""
    generate = app.openapi
    described: list[int] = []

    def openapi() -> dict[str, Any]:
        spec = generate()
        if not described or described[-1] != id(spec):
            describe(spec, policy)
            described[:] = [id(spec)]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def describe(spec: dict[str, Any], policy: Mapping[str, Access]) -> None:
    _readable_schema_names(spec)
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    for path, method, operation in operations(spec):
        _name(operation)
        access = policy.get(f"{method.upper()} {path}")
        _refusals(path, method, operation, access)
        _headers(method, operation, schemas)
    check_unique(spec)


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            yield path, method, operation


def check_unique(spec: Mapping[str, Any]) -> None:
    """Two operations of one ``operationId`` or summary would read as one in a client."""
    for field in ("operationId", "summary"):
        counted = Counter(operation.get(field) for _, _, operation in operations(spec))
        twice = sorted(str(value) for value, times in counted.items() if times > 1)
        if twice:
            raise ValueError(
                f"operations share a {field}: {', '.join(twice)}; give their route functions "
                "names of their own (or a summary=)"
            )


# Names --------------------------------------------------------------------------------------


def _name(operation: dict[str, Any]) -> None:
    """A summary FastAPI made from the function's name reads as a sentence."""
    name = re.sub(r"(?<!^)([A-Z])", r"_\1", operation.get("operationId", "")).lower()
    if name and operation.get("summary") == _default_summary(name):
        operation["summary"] = _sentence(name)


def _readable_schema_names(spec: dict[str, Any]) -> None:
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    renamed: dict[str, str] = {}
    taken = {name for name in schemas if "__" not in name and not _PAGE.match(name)}
    for name in sorted(schemas):
        readable = _readable(name, taken)
        if readable != name:
            renamed[name] = readable
            taken.add(readable)
    if not renamed:
        return
    spec["components"]["schemas"] = {
        renamed.get(name, name): schema for name, schema in schemas.items()
    }
    for old, new in renamed.items():
        # A client generator names its class by the title: two alike would become one.
        schemas[old]["title"] = new
    refs = {SCHEMA_REF + old: SCHEMA_REF + new for old, new in renamed.items()}
    _rewrite_refs(spec, refs)


def _readable(name: str, taken: set[str]) -> str:
    page = _PAGE.match(name)
    if page:
        return _free(page["item"].removesuffix("Out") + "Page", taken, name)
    if "__" not in name:
        return name
    # entrypoints__http__business__campaign_schemas__CampaignOut -> BusinessCampaignOut
    *modules, model = name.split("__")
    places = [part for part in modules if part not in ("entrypoints", "http")]
    for length in range(1, len(places) + 1):
        prefix = "".join(_camel(part) for part in places[:length])
        if prefix + model not in taken:
            return prefix + model
    return _free(model, taken, name)


def _free(wanted: str, taken: set[str], original: str) -> str:
    return wanted if wanted not in taken else original


def _camel(snake: str) -> str:
    return "".join(word.capitalize() for word in snake.removesuffix("_schemas").split("_"))


def _rewrite_refs(node: Any, refs: Mapping[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in refs:
                node[key] = refs[value]
            else:
                _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, refs)


# Refusals -----------------------------------------------------------------------------------

RETRY_AFTER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 1},
}
WWW_AUTHENTICATE = {
    "description": "The bearer scheme, and why the token was refused.",
    "schema": {"type": "string"},
}


def _refusal(
    operation: dict[str, Any],
    status: int,
    why: str,
    headers: Mapping[str, Any] | None = None,
) -> None:
    """Documents a refusal as a problem document, keeping a router's own description."""
    response = operation.setdefault("responses", {}).setdefault(str(status), {})
    response.setdefault("description", why)
    content = response.setdefault("content", {})
    other = content.get("application/json", {}).get("schema", {})
    if other.get("$ref", SCHEMA_REF + "Problem") != SCHEMA_REF + "Problem":
        return  # a router's own model (e.g. /readyz's 503): that is what is sent
    content.pop("application/json", None)
    content[MEDIA_TYPE] = {"schema": {"$ref": SCHEMA_REF + "Problem"}}
    if headers:
        response.setdefault("headers", {}).update(headers)


def _header_parameter(operation: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == name:
            found: dict[str, Any] = parameter
            return found
    return None


def _refusals(path: str, method: str, operation: dict[str, Any], access: Access | None) -> None:
    write = method in WRITES
    if access is None or not access.public:
        _refusal(
            operation,
            401,
            "`unauthenticated`: no valid token or session cookie",
            {"WWW-Authenticate": WWW_AUTHENTICATE},
        )
        restricted = access is None or access.roles != ALL or bool(access.owners)
        if restricted or write:
            who = f"only {access.who}" if access is not None and restricted else "not permitted"
            csrf = "; `csrf-token-missing`: a cookie session without its token" if write else ""
            _refusal(operation, 403, f"`forbidden`: {who}{csrf}")
    if "{" in path or "requestBody" in operation:
        _refusal(operation, 404, "`not-found`: nothing by a name or id the path or body gives")
    if write:
        _refusal(operation, 409, "`rule-violated` (and its `rule`), or another conflict")
    if_match = _header_parameter(operation, IF_MATCH)
    if if_match is not None:
        _refusal(operation, 400, "`bad-if-match`: `If-Match` is not an entity tag")
        _refusal(
            operation,
            412,
            "`stale-version`: `If-Match` names an older version (`current_version` is the "
            "stored one)",
        )
        if if_match.get("required"):
            _refusal(operation, 428, "`precondition-required`: send `If-Match` with the ETag")
    if "requestBody" in operation:
        _refusal(operation, 413, "`payload-too-large`: the body is past the limit")
        _refusal(operation, 415, "`unsupported-media-type`: the body is not of a type taken")
    _refusal(
        operation,
        429,
        "`rate-limited`: a rate limit is used up (`flow` names it)",
        {"Retry-After": RETRY_AFTER},
    )


# Headers ------------------------------------------------------------------------------------

LOCATION = {
    "description": "Where the created resource is read.",
    "schema": {"type": "string", "format": "uri-reference"},
}
ETAG = {
    "description": 'The resource\'s version as an entity tag (e.g. `"3"`): send it as '
    "`If-Match` to change what you read, or `If-None-Match` to read it only if changed.",
    "schema": {"type": "string", "pattern": '^"[0-9]{1,18}"$'},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag you hold: unchanged, the answer is 304 without a body.",
    "schema": {"type": "string"},
}
REPLAYED_HEADER = {
    "description": "`true` on the answer to a retry with an `Idempotency-Key` already used: "
    "the first answer, sent again.",
    "schema": {"type": "string", "enum": ["true"]},
}


def _success_schema(response: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = (
        response.get("content", {}).get("application/json", {}).get("schema", {})
    )
    ref = schema.get("$ref", "")
    found: dict[str, Any] = schemas.get(ref.removeprefix(SCHEMA_REF), {}) if ref else schema
    return found


def _versioned(response: Mapping[str, Any], schemas: Mapping[str, Any]) -> bool:
    properties = _success_schema(response, schemas).get("properties", {})
    return bool(properties.get("version", {}).get("type") == "integer")


def _headers(method: str, operation: dict[str, Any], schemas: Mapping[str, Any]) -> None:
    responses: dict[str, Any] = operation.get("responses", {})
    idempotent = _header_parameter(operation, IDEMPOTENCY_KEY) is not None
    tagged = False
    for status, response in list(responses.items()):
        if not status.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        if status == "201":
            headers.setdefault("Location", LOCATION)
        if _versioned(response, schemas):
            headers.setdefault("ETag", ETAG)
            tagged = True
        if idempotent:
            headers.setdefault(REPLAYED, REPLAYED_HEADER)
    if method == "get" and tagged:
        operation.setdefault("parameters", []).append(IF_NONE_MATCH)
        responses.setdefault(
            "304",
            {
                "description": "Not modified: the resource still has the ETag sent as "
                "`If-None-Match`.",
                "headers": {"ETag": ETAG},
            },
        )
