"""Whether the projections' code at two revisions builds the same rows from the same log.

One store is seeded with the log of ``bench.catchup`` (the studio, the campaign, the Pulse
scene, the music scene and its ballots); then, for each projection, the code of each
revision fills a new generation from zero in a process of its own (the older revision's
tree, ``git archive``\\d into a scratch directory, first on the import path) and writes
out every row of that generation's tables; the two sets of rows are compared table by
table, every value as its text, in sorted order. A difference is reported with the
table and a few rows, and the command exits non-zero.

    python -m bench.catchup_same [--against REV] [--quick] [--store sqlite|postgres] [NAME ...]

``--against`` is the revision whose code the working tree's is compared with (default
``main``). The child process is this file run as a script: it uses only what both
revisions have (``ProjectionRunner.catch_up(name, generation=...)``, the store's
generations), so it runs the older tree's projections unchanged.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The projections whose catch-up was made faster; any registered name may be given.
CHECKED = (
    "studio analytics (anchors per title)",
    "campaign dashboards",
    "anchors review queue",
    "music (artists, tracks, uses, tallies)",
)


def dump(store_url: str, data_dir: str, name: str, out: str) -> None:
    """In the child: fill a new generation of ``name`` from zero and write its rows to
    ``out`` as JSON ({table without its generation suffix: sorted rows of texts})."""
    import sqlalchemy as sa

    from application.projections import configuration_of
    from bench.workloads import open_spotlight
    from entrypoints.settings import Settings

    store = Settings.from_environ({"SPOTLIGHT_STORE": store_url}).store
    with open_spotlight(store, Path(data_dir)) as core:
        runner = core.projections
        runner.pause_collector = True  # as the worker does; an older runner ignores it
        projection = runner[name]
        projections = runner.store
        engine = core.projection_store.database.writer
        schema = core.projection_store.metadata.schema
        before = set(sa.inspect(engine).get_table_names(schema=schema))
        number = projections.new_generation(
            name,
            projection.version,
            tuple(projection.follows),
            active=False,
            configuration=configuration_of(projection),
        )
        projection.create(number)
        try:
            runner.catch_up(name, generation=number)
            made = sorted(set(sa.inspect(engine).get_table_names(schema=schema)) - before)
            rows: dict[str, list[list[str]]] = {}
            metadata = sa.MetaData(schema=schema)
            with engine.connect() as connection:
                for table_name in made:
                    table = sa.Table(table_name, metadata, autoload_with=connection)
                    found = connection.execute(sa.select(table)).all()
                    rows[table_name.removesuffix(f"_g{number}")] = sorted(
                        [str(value) for value in row] for row in found
                    )
        finally:
            projection.drop(number)
            projections.forget(name, number)
    Path(out).write_text(json.dumps(rows))


def _child(tree: Path, store_url: str, data_dir: Path, name: str, out: Path) -> None:
    environment = os.environ | {"PYTHONPATH": str(tree)}
    subprocess.run(  # noqa: S603 - our own interpreter and this file
        [
            sys.executable,
            "-P",  # not this file's directory first on the path: the tree's packages
            str(Path(__file__).resolve()),
            "--dump",
            name,
            "--store-url",
            store_url,
            "--data-dir",
            str(data_dir),
            "--out",
            str(out),
        ],
        check=True,
        env=environment,
        cwd=tree,
    )


def differences(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]]) -> list[str]:
    found: list[str] = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table), after.get(table)
        if old is None or new is None:
            found.append(f"{table}: only in the {'new' if old is None else 'old'} code's tables")
        elif old != new:
            gone = [row for row in old if row not in new][:3]
            added = [row for row in new if row not in old][:3]
            found.append(
                f"{table}: {len(old)} rows before, {len(new)} after; "
                f"only before {gone}; only after {added}"
            )
    return found


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catchup_same")
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--against", default="main")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.dump:
        dump(options.store_url, options.data_dir, options.dump, options.out)
        return 0

    from bench.catchup import FULL, QUICK, open_sandbox, seed
    from bench.sandboxes import DEFAULT_POSTGRES_URL
    from bench.workloads import open_spotlight

    plan = QUICK if options.quick else FULL
    names = tuple(options.names) or CHECKED
    with tempfile.TemporaryDirectory(prefix="spotlight-same-") as scratch_name:
        scratch = Path(scratch_name)
        old_tree = scratch / "old"
        old_tree.mkdir()
        git = shutil.which("git")
        if git is None:
            print("git is needed to read the older revision's code", file=sys.stderr)
            return 2
        archive = subprocess.run(  # noqa: S603 - git, on a revision the developer names
            [git, "-C", str(ROOT), "archive", "--format=tar", options.against],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(old_tree, filter="data")
        sandbox = open_sandbox(options.store, options.postgres_url or DEFAULT_POSTGRES_URL)
        try:
            store = sandbox.fresh()
            data_dir = scratch / "data"
            data_dir.mkdir()
            with open_spotlight(store, data_dir) as core:
                seed(core, plan)
            failed = False
            for name in names:
                rows = []
                for label, tree in (("old", old_tree), ("new", ROOT)):
                    out = scratch / f"{label}.json"
                    _child(tree, store.url, data_dir, name, out)
                    rows.append(json.loads(out.read_text()))
                found = differences(rows[0], rows[1])
                count = sum(len(table) for table in rows[1].values())
                if found:
                    failed = True
                    print(f"DIFFERENT {name} ({options.store}):")
                    for line in found:
                        print(f"  {line}")
                else:
                    print(
                        f"same {name} ({options.store}): {len(rows[1])} tables, {count:,} rows "
                        f"built alike by {options.against} and the working tree"
                    )
        finally:
            sandbox.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
