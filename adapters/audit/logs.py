"""Opening a store's logs for an audit without the rest of the core: read only, creating
nothing, refusing a store that is not there."""

from __future__ import annotations

import sqlite3
from typing import Any

import attrs
from eventsourcing.persistence import InfrastructureFactory, Mapper, PersistenceError
from eventsourcing.utils import Environment

from adapters.storage import Store, StoreConfigurationError, StoreKind, sqlite_file_for
from application.audit.audit import ChainedLogReader, PlainState, plain_state


@attrs.frozen
class OpenedLog:
    name: str
    reader: ChainedLogReader
    plain: PlainState
    factory: InfrastructureFactory[Any]

    def close(self) -> None:
        self.factory.close()
        datastore = getattr(self.factory, "datastore", None)
        engine = getattr(datastore, "engine", None)
        dispose = getattr(engine, "dispose", None)
        if callable(dispose):
            dispose()


def open_log(store: Store, name: str) -> OpenedLog:
    """One application's log, as the chained recorder reads it."""
    if store.kind is StoreKind.MEMORY:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: the memory store lives inside one process; "
            "there is nothing to audit from outside it"
        )
    if store.kind is StoreKind.SQLITE:
        assert store.sqlite_path is not None
        path = sqlite_file_for(store.sqlite_path, name)
        if not path.is_file():
            raise StoreConfigurationError(
                f"{store.setting}={store.redacted}: the {name} log {path} does not exist"
            )
    env = Environment(name, {**store.env_for(name), "CREATE_TABLE": "no"})
    try:
        factory = InfrastructureFactory.construct(env)
        recorder = factory.application_recorder()
        mapper: Mapper[Any] = factory.mapper()
    except (PersistenceError, OSError) as error:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: the {name} log cannot be opened: "
            f"{_first_line(error)}"
        ) from None
    if not isinstance(recorder, ChainedLogReader):
        factory.close()
        raise StoreConfigurationError(f"the {name} log's recorder keeps no hash chain")
    opened = OpenedLog(name=name, reader=recorder, plain=plain_state(mapper), factory=factory)
    # Prove both tables answer now, so a store that is not one is refused up front.
    for table, probe in (("events", recorder.max_notification_id), ("chain", recorder.head_link)):
        try:
            probe()
        except (PersistenceError, sqlite3.Error) as error:
            opened.close()
            raise StoreConfigurationError(
                f"{store.setting}={store.redacted}: the {name} log's {table} table cannot be "
                f"read: {_first_line(error)}"
            ) from None
    return opened


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
