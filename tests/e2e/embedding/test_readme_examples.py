"""The README's Python examples run as they are written, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

from application.anchors.anchoring import PublishedVideo

README = Path(__file__).resolve().parents[3] / "README.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_the_readme_library_examples_run() -> None:
    blocks = PYTHON_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "the README's library examples are gone"
    namespace: dict[str, object] = {}
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
        published = namespace["published"]
        assert isinstance(published, PublishedVideo)
        assert published.decisions, "the README's fan video matched nothing"
    finally:
        core = namespace.get("core")
        close = getattr(core, "close", None)
        if callable(close):
            close()
