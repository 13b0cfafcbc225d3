"""The OpenAPI describes every operation truthfully, and the service answers as it says.

First the description itself, walked operation by operation against the policy table:
readable unique names, one problem schema for every refusal, and each refusal and header
where it applies. Then the service, called at every operation (the authorisation matrix's
world and bodies, as an owner the policy allows and without a token): every status it
answers is one its operation documents, every refusal is a problem document, every 201
carries ``Location`` and every answer that carries a resource's ``version`` its ``ETag``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.http.described import operations
from entrypoints.http.policy import ALL, POLICY
from tests.e2e.test_authorisation_matrix import Call, allowed, matrix, principals, send

__all__ = ["matrix"]  # the fixture, shared with the authorisation matrix

Json = dict[str, Any]
PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
WRITES = {"post", "put", "patch", "delete"}
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
SCHEMA_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@pytest.fixture(scope="module")
def spec(matrix: tuple[TestClient, Spotlight, list[Call]]) -> Json:
    client, _core, _calls = matrix
    described: Json = client.get("/openapi.json").json()
    return described


def every_operation(spec: Json) -> Iterator[tuple[str, str, Json]]:
    yield from operations(spec)


def header_names(operation: Json) -> set[str]:
    return {
        parameter["name"].lower()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    }


# The description -----------------------------------------------------------------------------


def test_operation_ids_and_summaries_are_readable_and_unique(spec: Json) -> None:
    ids = [operation["operationId"] for _, _, operation in every_operation(spec)]
    summaries = [operation["summary"] for _, _, operation in every_operation(spec)]

    assert [name for name in ids if not CAMEL.match(name)] == []
    assert len(set(ids)) == len(ids)
    assert len(set(summaries)) == len(summaries)
    assert spec["paths"]["/v1/titles"]["post"]["operationId"] == "registerTitle"
    assert spec["paths"]["/v1/titles"]["post"]["summary"] == "Register title"


def test_schema_names_carry_no_module_paths(spec: Json) -> None:
    names = spec["components"]["schemas"]

    assert [name for name in names if not SCHEMA_NAME.match(name)] == []
    assert {"BusinessCampaignOut", "RevenueCampaignOut", "SeasonPage"} <= names.keys()
    assert "HTTPValidationError" not in names
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(spec).replace("'", '"'))
    assert set(refs) <= names.keys()


def test_every_refusal_of_every_operation_is_the_one_problem_schema(spec: Json) -> None:
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in every_operation(spec)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and (path, status) != ("/readyz", "503")  # its own model, naming the failed projection
        and response.get("content") != {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}
    ]
    assert wrong == []
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"errors", "rule", "current_version", "flow"} <= problem["properties"].keys()


def test_each_refusal_is_documented_where_it_applies(spec: Json) -> None:
    missing: list[str] = []
    for path, method, operation in every_operation(spec):
        access = POLICY[f"{method.upper()} {path}"]
        expected = {"422", "429"}
        if not access.public:
            expected.add("401")
            if access.roles != ALL or access.owners or method in WRITES:
                expected.add("403")
        if "{" in path or "requestBody" in operation:
            expected.add("404")
        if method in WRITES:
            expected.add("409")
        if "if-match" in header_names(operation):
            expected |= {"400", "412"}
        if "requestBody" in operation:
            expected |= {"413", "415"}
        absent = expected - operation["responses"].keys()
        if absent:
            missing.append(f"{method.upper()} {path}: {sorted(absent)}")
        if "429" in operation["responses"]:
            assert "Retry-After" in operation["responses"]["429"]["headers"], path
    assert missing == []


def test_each_header_is_documented_where_it_applies(spec: Json) -> None:
    schemas = spec["components"]["schemas"]
    missing: list[str] = []
    for path, method, operation in every_operation(spec):
        key = f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            headers = response.get("headers", {})
            if status == "201" and "Location" not in headers:
                missing.append(f"{key} 201: Location")
            ref = response.get("content", {}).get("application/json", {}).get("schema", {})
            model = schemas.get(ref.get("$ref", "").rsplit("/", 1)[-1], {})
            if "version" in model.get("properties", {}) and "ETag" not in headers:
                missing.append(f"{key} {status}: ETag")
            if "idempotency-key" in header_names(operation) and (
                "Idempotent-Replayed" not in headers
            ):
                missing.append(f"{key} {status}: Idempotent-Replayed")
        tagged = any("ETag" in r.get("headers", {}) for r in operation["responses"].values())
        if (
            method == "get"
            and tagged
            and not ("if-none-match" in header_names(operation) and "304" in operation["responses"])
        ):
            missing.append(f"{key}: If-None-Match and 304")
    assert missing == []


# The service ---------------------------------------------------------------------------------


def test_every_operation_answers_only_what_it_documents(
    matrix: tuple[TestClient, Spotlight, list[Call]], spec: Json
) -> None:
    client, core, calls = matrix
    untrue: list[str] = []
    answered = 0
    for call in calls:
        operation = next(
            op
            for path, method, op in every_operation(spec)
            if f"{method.upper()} {path}" == call.key
        )
        callers = [p for p in principals(call) if allowed(call, p)][:1]
        sent: list[tuple[dict[str, str], str]] = [({}, "no token")] + [
            (
                {"Authorization": "Bearer " + core.tokens.issue(who, lifetime=timedelta(hours=1))},
                who.label,
            )
            for who in callers
        ]
        for headers, label in sent:
            response = send(client, call, headers)
            answered += 1
            status = str(response.status_code)
            where = f"{call.key} as {label}: {status}"
            if status not in operation["responses"]:
                untrue.append(f"{where} is not documented ({response.text[:120]})")
            refused = response.status_code >= 400 and call.key != "GET /readyz"
            if refused and response.headers.get("content-type") != PROBLEM:
                untrue.append(f"{where} is not a problem document")
            if response.status_code == 201 and "location" not in response.headers:
                untrue.append(f"{where} has no Location")
            json_answer = response.headers.get("content-type", "").startswith("application/json")
            if 200 <= response.status_code < 300 and response.content and json_answer:
                body = response.json()
                version = body.get("version") if isinstance(body, dict) else None
                if isinstance(version, int) and response.headers.get("etag") != f'"{version}"':
                    untrue.append(f"{where} carries version {version} without its ETag")
    assert answered > len(calls)
    assert untrue == [], "\n".join(untrue)
