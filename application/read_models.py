"""Every read model's common shape, and the one registry of them that the composition root
fills.

A read model follows one or more logs and can be brought to their end (``catch_up()``) and
shown in a comparable form (``export()``) for the auditor's replay, which rebuilds each one
from zero and compares it with the running core's. The background worker and the CLI loop
over the same registry, so a new read model is named once, where it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

import attrs

#: A log's position in a copy of it -> the same record's position in the audited log.
PositionMap = Callable[[int], int]
#: Position maps by log name; a log absent from it is numbered alike in both.
LogPositions = Mapping[str, PositionMap]


class ReadModel(Protocol):
    """What the core's readers of read models (the replay, the worker, the CLI) need."""

    @property
    def name(self) -> str:
        """Unique in the registry: the replay reports its differences under it."""
        ...

    def catch_up(self) -> object:
        """Apply every event of its logs not yet applied."""
        ...

    def export(self, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view: keys to plain values, with positions given in the audited logs'
        numbering (``positions``) for a read model that keeps positions."""
        ...


@attrs.frozen
class Followed:
    """A read model kept inside a service (or beside it): its catch-up and its view are the
    service's own methods."""

    name: str
    catch_up_with: Callable[[], object]
    view: Callable[[LogPositions], Mapping[str, object]]

    def catch_up(self) -> object:
        return self.catch_up_with()

    def export(self, positions: LogPositions) -> Mapping[str, object]:
        return self.view(positions)


def unpositioned(
    view: Callable[[], Mapping[str, object]],
) -> Callable[[LogPositions], Mapping[str, object]]:
    """The view of a read model that keeps no positions."""
    return lambda _positions: view()


class ReadModels:
    """The core's read models, in the order they are caught up and compared."""

    def __init__(self) -> None:
        self._by_name: dict[str, ReadModel] = {}

    def register(self, *models: ReadModel) -> None:
        """Adds read models to the auditor's replay (a name already registered: ``ValueError``)."""
        for model in models:
            if model.name in self._by_name:
                raise ValueError(f"a read model named {model.name!r} is already registered")
            self._by_name[model.name] = model

    def __iter__(self) -> Iterator[ReadModel]:
        return iter(tuple(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)

    def __getitem__(self, name: str) -> ReadModel:
        return self._by_name[name]

    def names(self) -> tuple[str, ...]:
        """The registered read models' names, in the order they are caught up and compared."""
        return tuple(self._by_name)

    def catch_up(self) -> None:
        """Bring every read model to the end of its logs."""
        for model in self:
            model.catch_up()
