"""The documentation holds together: relative links resolve, the README stays short.

Independent route: the file system. Every relative Markdown link ``[text](target)``
in ``README.md`` and ``docs/**/*.md`` must name an existing file or folder (the
``#anchor`` part is dropped; ``mkdocs build --strict`` in CI checks anchors inside
docs/). External links (with a scheme such as ``https:``) and pure anchors are
skipped. Links inside code blocks and code spans are not links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
README_MAX_LINES = 300

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def relative_links(text: str) -> list[str]:
    """Relative link targets of Markdown ``text`` (outside code), anchors removed."""
    text = _SPAN.sub("", _FENCE.sub("", text))
    out = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if path:
            out.append(path)
    return out


def test_link_parser_finds_relative_links_only():
    text = ("[a](docs/x.md#sec) [b](https://e.org/y.md) [c](#here) ![i](f.png)\n"
            "`[d](no.md)`\n```\n[e](no.md)\n```\n")
    assert relative_links(text) == ["docs/x.md", "f.png"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    missing = [t for t in relative_links(page.read_text(encoding="utf-8"))
               if not (page.parent / t).exists()]
    assert not missing, f"{page.relative_to(ROOT)}: links to missing files: {missing}"


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES})"


_MODULE = re.compile(r"^\| `((?:theory|numerics|proofs_check)/[\w/]+\.py)` \|", re.M)


def test_architecture_lists_exactly_the_modules():
    """docs/architecture.md has one table row per module of the three packages
    (independent route: the file system), so the README's Architecture pointer stays true."""
    listed = set(_MODULE.findall((ROOT / "docs" / "architecture.md").read_text("utf-8")))
    present = {str(p.relative_to(ROOT)) for pkg in ("theory", "numerics", "proofs_check")
               for p in (ROOT / pkg).rglob("*.py")}
    missing = sorted(present - listed)
    assert not missing, f"modules missing from docs/architecture.md: {missing}"
    assert not listed - present, f"listed but not in the tree: {sorted(listed - present)}"
