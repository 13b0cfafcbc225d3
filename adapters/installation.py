"""Spotlight Core beside other distributions that install a top-level package of one name.

The layers are installed as the repository names them (``domain``, ``application``,
``adapters``, ``entrypoints``), and PyPI has distributions that install ``entrypoints`` (a
module) and ``adapters`` (a package) at the top level too. Python imports whichever it finds
first on ``sys.path``, so with both installed one of them is silently replaced by the other
and fails later, far from the cause. Importing a layer that has a rival on the path fails at
once instead, saying where the rival is and what to do. The check is a few ``stat`` calls per
``sys.path`` entry: it runs on every import of the package.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path


class ShadowedPackage(ImportError):
    """Another installed package or module has the name of one of Spotlight Core's layers."""


def rivals(top_level: str, ours: Path, search_path: Iterable[str]) -> list[Path]:
    """The files on ``search_path`` that would import as ``top_level`` but are not ``ours``."""
    own = ours.resolve()
    found: list[Path] = []
    for entry in search_path:
        base = Path(entry or ".")
        package, module = base / top_level / "__init__.py", base / f"{top_level}.py"
        for candidate in (package, module):
            try:
                is_rival = candidate.is_file() and candidate.resolve() != own
                # Another copy of Spotlight Core itself (a checkout beside a wheel) is no rival.
                is_rival = is_rival and not (candidate == package and _spotlight_copy(base))
            except OSError:  # an unreadable or vanished path entry names nothing
                continue
            if is_rival and candidate not in found:
                found.append(candidate)
    return found


def _spotlight_copy(base: Path) -> bool:
    """Whether ``base`` holds another copy of Spotlight Core (a checkout beside a wheel)."""
    return (base / "adapters" / "installation.py").is_file() and (base / "domain").is_dir()


def refuse_rivals(top_level: str, ours: str) -> None:
    """Raise ``ShadowedPackage`` when ``top_level`` is also importable from somewhere else."""
    found = rivals(top_level, Path(ours), sys.path)
    if found:
        raise ShadowedPackage(
            f"Spotlight Core's package {top_level!r} ({Path(ours).parent}) shares its name with "
            f"another installed package or module: {', '.join(str(path) for path in found)}. "
            f"Python would give one of them to everyone who imports {top_level!r}. Install "
            "Spotlight Core in a virtual environment of its own, or uninstall the other "
            f"distribution (for example `pip uninstall {top_level}`)."
        )
