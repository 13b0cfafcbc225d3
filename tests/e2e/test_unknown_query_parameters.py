"""Every operation refuses a query parameter it does not declare, with a 422 naming it: a
misspelt or unsupported filter (the shop's search has no `category`, `max_price` or `sort`)
never answers as if it were not there. Walks the OpenAPI, so a new route is covered too."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers

UNKNOWN = "surely_not_a_parameter"


def _sample(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    if schema.get("format") == "uuid":
        return str(uuid4())
    if schema.get("type") == "integer":
        return str(max(1, int(schema.get("minimum", 1))))
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("format") == "date":
        return "2026-12-01"
    return "someone"


def _concrete(path: str, operation: dict[str, Any]) -> str:
    by_name = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
    return re.sub(r"\{([^}]+)\}", lambda found: _sample(by_name[found.group(1)]), path)


def _gets(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, operations["get"])
        for path, operations in spec["paths"].items()
        if "get" in operations
    ]


def test_every_get_refuses_an_unknown_query_parameter(client: TestClient, auth: Any) -> None:
    admin: Headers = auth("admin", "root")
    spec = client.get("/openapi.json").json()
    gets = _gets(spec)
    assert len(gets) > 40

    for path, operation in gets:
        answer = client.get(_concrete(path, operation), params={UNKNOWN: "1"}, headers=admin)

        assert answer.status_code == 422, (path, answer.status_code, answer.text)
        problem = answer.json()
        assert problem["type"] == "urn:spotlight:problem:validation-error", path
        assert problem["errors"][0]["loc"] == ["query", UNKNOWN], path
        assert "422" in operation["responses"], path


def test_the_shop_search_refuses_filters_it_does_not_have(client: TestClient) -> None:
    refused = client.get(
        "/v1/shop/search", params={"q": "sneaker", "brand": "acme", "colour": "red"}
    )

    assert refused.status_code == 422
    assert [error["loc"] for error in refused.json()["errors"]] == [
        ["query", "brand"],
        ["query", "colour"],
    ]
    assert "this operation takes" in refused.json()["detail"]


def test_declared_parameters_still_pass(client: TestClient) -> None:
    answered = client.get("/v1/shop/search", params={"q": "sneaker", "limit": "5"})

    assert answered.status_code == 200
