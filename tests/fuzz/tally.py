"""What the schema fuzzing saw: requests, operations, and every check failure sorted into
the ones that fail the run (server errors, answers outside the documented schema) and the
ones that are only counted (undocumented statuses until the API documents its errors)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs
from schemathesis.core.failures import Failure, MalformedJson, ServerError
from schemathesis.openapi.checks import (
    ContentDeserializationError,
    DiscriminatorMismatch,
    JsonSchemaError,
    UndefinedStatusCode,
)

SERVER_ERROR = "server error (5xx)"
SCHEMA_VIOLATION = "response schema violation"
UNDOCUMENTED_STATUS = "undocumented status code"

FATAL = frozenset({SERVER_ERROR, SCHEMA_VIOLATION})

_SCHEMA_FAILURES = (
    JsonSchemaError,
    MalformedJson,
    ContentDeserializationError,
    DiscriminatorMismatch,
)

# How many reproductions of one kind of failure on one operation the summary shows.
SHOWN_PER_KIND = 2


def kind_of(failure: Failure) -> str:
    if isinstance(failure, ServerError):
        return SERVER_ERROR
    if isinstance(failure, _SCHEMA_FAILURES):
        return SCHEMA_VIOLATION
    if isinstance(failure, UndefinedStatusCode):
        return UNDOCUMENTED_STATUS
    return failure.kind_title.lower()


@attrs.define
class Finding:
    role: str
    operation: str
    kind: str
    status: int
    title: str
    reproduction: str


@attrs.define(repr=False)
class Tally:
    requests: int = 0
    operations: set[str] = attrs.field(factory=set)
    cases_by_phase: Counter[str] = attrs.field(factory=Counter)
    statuses: Counter[int] = attrs.field(factory=Counter)
    failures: Counter[str] = attrs.field(factory=Counter)
    findings: list[Finding] = attrs.field(factory=list)
    _shown: Counter[tuple[str, str, str]] = attrs.field(factory=Counter)

    def __repr__(self) -> str:
        return f"Tally({self.requests} requests, {len(self.operations)} operations)"

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def count_request(self) -> None:
        self.requests += 1

    def record(
        self,
        role: str,
        operation: str,
        phase: str,
        status: int,
        failures: Iterable[Failure],
        reproduction: str,
    ) -> list[Finding]:
        """Counts the case and each failure, keeps the first few of each kind of failure;
        returns the fatal ones."""
        self.operations.add(operation)
        self.cases_by_phase[phase] += 1
        self.statuses[status] += 1
        fatal = []
        for failure in failures:
            kind = kind_of(failure)
            self.failures[kind] += 1
            finding = Finding(role, operation, kind, status, failure.title, reproduction)
            if kind in FATAL:
                fatal.append(finding)
            key = (role, operation, kind)
            if self._shown[key] < SHOWN_PER_KIND:
                self._shown[key] += 1
                self.findings.append(finding)
        return fatal

    def summary(self) -> list[str]:
        lines = [
            f"operations: {len(self.operations)}",
            f"requests: {self.requests}",
            f"cases by phase: {dict(sorted(self.cases_by_phase.items()))}",
            f"statuses: {dict(sorted(self.statuses.items()))}",
            f"{SERVER_ERROR}: {self.server_errors}",
            f"{SCHEMA_VIOLATION}: {self.failures[SCHEMA_VIOLATION]}",
            f"{UNDOCUMENTED_STATUS}: {self.failures[UNDOCUMENTED_STATUS]}",
        ]
        others = {
            kind: count
            for kind, count in sorted(self.failures.items())
            if kind not in {SERVER_ERROR, SCHEMA_VIOLATION, UNDOCUMENTED_STATUS}
        }
        lines += [f"{kind} (counted): {count}" for kind, count in others.items()]
        return lines
