"""``/auditor``: each log's head (its highest position and the hash-chain link stored there);
``/auditor/events?log=...&after=...``: a log's records from a position on, a page at a time,
each with its topic, aggregate, version, time, stored document and link.

The pages call the use cases of ``GET /v1/audit/heads``, ``GET /v1/audit/runs`` and ``GET
/v1/audit/events`` with the visitor as the caller (auditors and admins). Verifying the chains
and replaying the logs stay with ``spotlight audit verify`` and ``spotlight audit replay``,
which read the store itself; the heads shown here are what they verify up to, and the last
run of each (kept in the store's database) is shown beside them."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from application.audit.audit_runs import RunKind
from entrypoints.http.audit.audit import audit_trail
from entrypoints.http.schemas import MAX_POSITION
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25


@router.get("/auditor")
def heads(core: Core, visitor: Visiting) -> Response:
    latest = core.audit_runs.latest(visitor.principal)
    return render(
        "auditor/heads.html",
        {
            "visitor": visitor,
            "heads": audit_trail(core).heads(visitor.principal),
            "runs": [(kind.value, latest.get(kind)) for kind in RunKind],
        },
    )


@router.get("/auditor/events")
def events(
    core: Core,
    visitor: Visiting,
    log: Annotated[str, Query(max_length=40)] = "revenue",
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> Response:
    trail = audit_trail(core)
    page = trail.page(visitor.principal, log, after=after, limit=PAGE_SIZE)
    return render(
        "auditor/events.html",
        {
            "visitor": visitor,
            "log": log,
            "logs": [head.log for head in trail.heads(visitor.principal)],
            "after": after,
            "records": [
                (record, json.dumps(record.state, indent=2, sort_keys=True, default=str))
                for record in page.records
            ],
            "next_after": page.next_after,
        },
    )
