"""Every operation of the OpenAPI of a live server, fuzzed by schemathesis as an admin and
as a creator with every check on: no answer is a server error or outside its documented
schema. Generated examples per operation and role: ``SPOTLIGHT_FUZZ_EXAMPLES`` (the coverage
phase's boundary cases, about 40 per operation, come on top). The totals are printed at the
end of the run ("schema fuzzing")."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.failures import FailureGroup

from application.auth import Principal
from tests.fuzz.tally import Tally

EXAMPLES = int(os.environ.get("SPOTLIGHT_FUZZ_EXAMPLES", "25"))

schema = schemathesis.pytest.from_fixture("live_schema")


# The role is a parametrised fixture; naming it here lets pytest see it through the wrapper.
@pytest.mark.usefixtures("principal")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Shrinking and replaying stored examples would spend the budget on requests already made.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_answer_is_a_server_error_or_outside_its_schema(
    case: schemathesis.Case[Any],
    principal: Principal,
    bearer: dict[str, str],
    tally: Tally,
) -> None:
    with requests.Session() as session:
        session.hooks["response"].append(lambda response, *_args, **_kwargs: tally.count_request())
        response = case.call(session=session, headers=bearer)
        failures = []
        try:
            case.validate_response(
                response,
                headers=bearer,
                transport_kwargs={"session": session, "headers": bearer},
            )
        except FailureGroup as group:
            failures = list(group.exceptions)
    reproduction = case.as_curl_command(headers=dict(response.request.headers))
    phase = case.meta.phase.name.value if case.meta is not None else "unknown"
    fatal = tally.record(
        principal.role.value,
        case.operation.label,
        phase,
        response.status_code,
        failures,
        reproduction,
    )
    assert not fatal, "\n".join(
        f"{f.kind}: {f.title} ({f.status})\n{f.reproduction}" for f in fatal
    )
