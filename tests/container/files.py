"""The container files as data: the Dockerfile's instructions and compose.yaml, read the way
the tests check them (no container runtime needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"


@attrs.frozen
class Instruction:
    """One instruction of a Dockerfile: its keyword in capitals and the rest of its line(s)."""

    keyword: str
    arguments: str
    stage: int

    def exec_form(self) -> list[str]:
        """The JSON array of CMD, ENTRYPOINT or HEALTHCHECK ... CMD; a shell form is refused."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text[text.index("CMD") + len("CMD") :]
        parsed = json.loads(text)
        if not (isinstance(parsed, list) and all(isinstance(item, str) for item in parsed)):
            raise ValueError(f"{self.keyword} is not in exec form: {self.arguments}")
        return parsed


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions, with continuation lines joined and comments dropped; each knows its
    stage (0 for the first FROM's, -1 for ARGs before any FROM)."""
    joined: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    if pending:
        raise ValueError(f"{path.name} ends inside a continued line")
    found: list[Instruction] = []
    stage = -1
    for text in joined:
        keyword, _, arguments = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        found.append(Instruction(keyword, arguments.strip(), stage))
    return found


def final_stage(found: list[Instruction]) -> list[Instruction]:
    last = max(instruction.stage for instruction in found)
    return [instruction for instruction in found if instruction.stage == last]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    if not isinstance(loaded, dict):
        raise ValueError("compose.yaml is not a mapping")
    return loaded


_DEFAULTED = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


def interpolated(text: str, environ: dict[str, str] | None = None) -> str:
    """``${NAME}`` and ``${NAME:-default}`` replaced as compose does (from ``environ``)."""
    given = environ or {}

    def value(match: re.Match[str]) -> str:
        return given.get(match["name"]) or (match["default"] or "")

    return _DEFAULTED.sub(value, text)
