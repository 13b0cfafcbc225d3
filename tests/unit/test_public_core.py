"""The core an embedder holds exposes use cases, not the logs behind them: no public
attribute of ``Spotlight``, nor of any service it holds, is an event-sourced application, its
repository or its recorder (``core.catalogue.repository.save(...)`` would write events no
use case checked, past authorisation). The logs are private (``core._catalogue`` ...): the
entry points reach none of the core's private attributes (the audit program and the demo read
the logs through ``core.audited_logs``); only the tests and benchmarks reach in."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs
import pytest
from eventsourcing.application import Application, Repository
from eventsourcing.persistence import Recorder

import entrypoints
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


#: Our own objects, walked into; the library's and the drivers' are not ours to keep private.
OURS = ("application.", "adapters.", "entrypoints.")


def exposed_in(thing: object, path: str, seen: set[int]) -> Iterator[str]:
    """Every public path from ``thing`` that reaches an application, a repository or a
    recorder, through our own objects at any depth."""
    seen.add(id(thing))
    for name, value in public_attributes(thing):
        for item in held(value):
            if isinstance(item, RAW):
                yield f"{path}.{name}"
            elif type(item).__module__.startswith(OURS) and id(item) not in seen:
                yield from exposed_in(item, f"{path}.{name}", seen)


def test_no_public_service_exposes_a_log_a_repository_or_a_recorder(core: Spotlight) -> None:
    services = list(public_attributes(core))

    assert len(services) > 40
    assert sorted(set(exposed_in(core, "core", set()))) == []


def test_the_use_cases_stay_and_the_logs_are_private(core: Spotlight) -> None:
    assert callable(core.anchoring.register_title)
    assert callable(core.ledger.account)
    assert not hasattr(core, "catalogue")
    assert not hasattr(core.anchoring, "catalogue")
    assert isinstance(core._catalogue, Application)


#: A private attribute of the core reached from outside it: ``core._revenue``, or a log's
#: private name on whatever the core is called there (``running._catalogue``).
PRIVATE_REACH = re.compile(r"\bcore\._\w|\b(?!self\b)\w+\._(?:catalogue|music|revenue|inbox)\b")


def private_reaches(source: str) -> list[str]:
    return [
        line.strip()
        for line in source.splitlines()
        if PRIVATE_REACH.search(line) and not line.lstrip().startswith("#")
    ]


def test_the_check_finds_a_reach_into_the_core() -> None:
    assert private_reaches("found = core._revenue.find(Thing, key)")
    assert private_reaches("for log in (running._catalogue, running._music)")
    assert private_reaches("x = core._anything")
    assert not private_reaches("self._catalogue = log")
    assert not private_reaches("core.audited_logs.trail()")
    assert not private_reaches("# core._revenue was read here once")


def test_no_entry_point_reaches_a_private_attribute_of_the_core() -> None:
    root = Path(entrypoints.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert len(sources) > 50  # the entry points were found

    reaches = [
        f"{path.relative_to(root.parent)}: {line}"
        for path in sources
        for line in private_reaches(path.read_text(encoding="utf-8"))
    ]

    assert reaches == []
