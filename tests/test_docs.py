"""The documentation covers the public API (its examples run as doctests)."""

from __future__ import annotations

import pathlib

import logspace
from logspace import strategies, testing

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def test_api_reference_names_every_public_name():
    text = (DOCS / "api.md").read_text()
    names = [n for n in logspace.__all__ if n != "__version__"] + list(testing.__all__) + list(strategies.__all__)
    missing = [name for name in names if f"`{name}" not in text and f"{name}`" not in text and name not in text]
    assert not missing, f"docs/api.md does not mention {missing}"


def test_every_docs_page_is_linked_from_getting_started():
    text = (DOCS / "getting-started.md").read_text()
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "getting-started.md":
            assert f"({page.name})" in text, f"{page.name} is not linked from getting-started.md"
