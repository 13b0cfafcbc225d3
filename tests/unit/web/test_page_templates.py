"""Every page template's title is a few words of text: the block sits inside ``<title>``,
where markup is not markup but shows as text in the browser's tab."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from entrypoints.web.pages import templates

TITLE = re.compile(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", re.S)
PAGES = sorted(
    name
    for name in templates.list_templates(extensions=["html"])
    if "{% block title" in Path(templates.get_template(name).filename or "").read_text()
)


def test_the_page_templates_are_found() -> None:
    assert "auditor/heads.html" in PAGES
    assert len(PAGES) > 20


@pytest.mark.parametrize("name", PAGES)
def test_a_page_s_title_is_text_without_markup(name: str) -> None:
    source = Path(templates.get_template(name).filename or "").read_text()
    (title,) = TITLE.findall(source)
    assert "<" not in title, title[:80]
    assert "\n" not in title.strip(), title[:80]
