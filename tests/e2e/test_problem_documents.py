"""What the OpenAPI says of refused requests is what the API answers: a problem document."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers

PROBLEM = "application/problem+json"
JSON_TYPES = {"string": str, "integer": int, "array": list, "object": dict}


def documented_refusal(spec: dict[str, Any], path: str, method: str) -> tuple[str, dict[str, Any]]:
    content: dict[str, Any] = spec["paths"][path][method]["responses"]["422"]["content"]
    ((media_type, body),) = content.items()
    name = body["schema"]["$ref"].removeprefix("#/components/schemas/")
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return media_type, schema


def assert_matches(document: dict[str, Any], schema: dict[str, Any]) -> None:
    assert set(schema["required"]) <= document.keys()
    for field, value in document.items():
        documented = schema["properties"].get(field)
        if documented is not None and "type" in documented:
            assert isinstance(value, JSON_TYPES[documented["type"]]), (field, value)


def test_every_documented_refusal_is_a_problem_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    refusals = [
        documented_refusal(spec, path, method)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "422" in operation["responses"]
    ]

    assert refusals
    assert {media_type for media_type, _ in refusals} == {PROBLEM}
    assert {schema["title"] for _, schema in refusals} == {"Problem"}


def test_a_malformed_title_is_refused_with_the_documented_problem(
    client: TestClient, auth: Any
) -> None:
    studio: Headers = auth("studio", "legendary")
    spec = client.get("/openapi.json").json()
    media_type, schema = documented_refusal(spec, "/v1/titles", "post")

    refused = client.post("/v1/titles", json={"name": "Dune", "kind": 7}, headers=studio)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == media_type
    assert_matches(refused.json(), schema)
    assert refused.json()["type"] == "urn:spotlight:problem:validation-error"


def test_a_value_the_domain_refuses_is_answered_with_the_documented_problem(
    client: TestClient, auth: Any
) -> None:
    studio: Headers = auth("studio", "legendary")
    spec = client.get("/openapi.json").json()
    media_type, schema = documented_refusal(spec, "/v1/titles", "post")

    refused = client.post("/v1/titles", json={"name": " ", "kind": "movie"}, headers=studio)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == media_type
    assert_matches(refused.json(), schema)
