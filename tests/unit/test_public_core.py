"""The core an embedder holds exposes use cases, not the logs behind them: no public
attribute of ``Spotlight``, nor of any service it holds, is an event-sourced application, its
repository or its recorder (``core.catalogue.repository.save(...)`` would write events no
use case checked, past authorisation). The logs are private (``core._catalogue`` ...) and
reached only by the platform's own tools (the audit, the demo, the tests)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs
import pytest
from eventsourcing.application import Application, Repository
from eventsourcing.persistence import Recorder

from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings

RAW = (Application, Repository, Recorder)


def public_attributes(thing: object) -> Iterator[tuple[str, object]]:
    kind = type(thing)
    names = {field.name for field in attrs.fields(kind)} if attrs.has(kind) else set()
    names |= set(getattr(thing, "__dict__", {}))
    for name in sorted(names):
        if not name.startswith("_"):
            yield name, getattr(thing, name)


def held(value: object) -> Iterator[object]:
    """The value, and what a mapping, list or tuple it is holds."""
    yield value
    if isinstance(value, Mapping):
        yield from value.values()
    elif isinstance(value, list | tuple):
        yield from value


@pytest.fixture
def core() -> Iterator[Spotlight]:
    with bootstrap(Settings.from_environ({"SPOTLIGHT_STORE": "memory://"})) as opened:
        yield opened


def test_no_public_service_exposes_a_log_a_repository_or_a_recorder(core: Spotlight) -> None:
    exposed = []
    services = list(public_attributes(core))
    for name, service in services:
        if any(isinstance(item, RAW) for item in held(service)):
            exposed.append(name)
            continue
        for attribute, value in public_attributes(service):
            if any(isinstance(item, RAW) for item in held(value)):
                exposed.append(f"{name}.{attribute}")

    assert len(services) > 40
    assert exposed == []


def test_the_use_cases_stay_and_the_logs_are_private(core: Spotlight) -> None:
    assert callable(core.anchoring.register_title)
    assert callable(core.ledger.account)
    assert not hasattr(core, "catalogue")
    assert not hasattr(core.anchoring, "catalogue")
    assert isinstance(core._catalogue, Application)
