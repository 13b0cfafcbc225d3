"""An embedding developer's first contact: the version, the core as a context manager, types."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from eventsourcing.persistence import ConnectionPoolClosedError

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from tests.e2e.conftest import e2e_settings

LEGENDARY = Principal(Role.STUDIO, "legendary")
LAYERS = ("domain", "application", "adapters", "entrypoints")
ROOT = Path(__file__).resolve().parents[3]


def pip(*arguments: str) -> None:
    subprocess.run(  # noqa: S603 - this interpreter's own pip
        [sys.executable, "-m", "pip", *arguments, "--quiet"], check=True
    )


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_spotlight_version_names_the_installed_distribution() -> None:
    shown = python("from entrypoints.cli import main; main(['--version'])", ROOT)
    assert shown.stdout.strip() == f"spotlight {metadata.version('spotlight-core')}"


def test_the_core_is_a_context_manager_that_keeps_what_it_recorded(tmp_path: Path) -> None:
    with bootstrap(e2e_settings(tmp_path)) as core:
        dune = core.anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)

    # Leaving the block closed the store: the same core answers no more...
    with pytest.raises(ConnectionPoolClosedError):
        core.cataloguing.title(dune.id)
    # ...and a new one opened on the same files finds the title.
    with bootstrap(e2e_settings(tmp_path)) as reopened:
        assert reopened.cataloguing.title(dune.id).name == "Dune: Part Two"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Spotlight Core built as a wheel, from a copy of the sources (the checkout stays clean)."""
    source = tmp_path_factory.mktemp("source")
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, source / layer, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-deps", "-w", str(built), str(source))
    (made,) = built.glob("spotlight_core-*.whl")
    return made


def test_the_wheel_ships_py_typed_for_every_layer(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{layer}/py.typed" for layer in LAYERS} <= names


@pytest.fixture(scope="module")
def beside_pypi_entrypoints(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory as site-packages would be: our wheel and PyPI's `entrypoints` 0.4."""
    site = tmp_path_factory.mktemp("site")
    pip("install", "--no-deps", "--target", str(site), str(wheel), "entrypoints==0.4")
    assert (site / "entrypoints.py").is_file()  # PyPI's module...
    assert (site / "entrypoints" / "__init__.py").is_file()  # ...and our package beside it
    return site


def importing(site: Path, statement: str) -> subprocess.CompletedProcess[str]:
    """Run ``statement`` with ``site`` first on the path, away from the checkout."""
    return python(f"import sys; sys.path.insert(0, {str(site)!r}); {statement}", site.parent)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("import entrypoints.cli", id="spotlight-imports-its-entrypoints"),
        pytest.param("import entrypoints; entrypoints.get_group_all", id="pypi-user-imports"),
    ],
)
def test_beside_pypi_entrypoints_an_import_fails_at_once_and_says_why(
    beside_pypi_entrypoints: Path, statement: str
) -> None:
    answer = importing(beside_pypi_entrypoints, statement)
    assert answer.returncode != 0
    last = answer.stderr.strip().splitlines()[-1]
    assert last.startswith("adapters.installation.ShadowedPackage:")
    assert str(beside_pypi_entrypoints / "entrypoints.py") in last
    assert "virtual environment of its own" in last


def test_without_a_rival_the_installed_layers_import(wheel: Path, tmp_path: Path) -> None:
    pip("install", "--no-deps", "--target", str(tmp_path), str(wheel))
    answer = importing(tmp_path, "import entrypoints.cli, adapters; print(entrypoints.__file__)")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == str(tmp_path / "entrypoints" / "__init__.py")


def test_a_checkout_beside_an_installed_copy_is_not_a_rival(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    pip("install", "--no-deps", "--target", str(site), str(wheel))
    answer = python(f"import sys; sys.path.append({str(site)!r}); import entrypoints.cli", ROOT)
    assert answer.returncode == 0, answer.stderr
