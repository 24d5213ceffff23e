"""MkDocs hook: Sphinx roles in docstrings become cross-references.

The code's docstrings use reST roles (``:class:`~sahel_core.errors.ParseError```), which
Markdown renders as ``:class:<code>~sahel_core.errors.ParseError</code>``. This hook turns each
into an autorefs link (``mkdocs-autorefs`` resolves it to the object's page, or leaves the code
as it is when the object is not documented). A leading ``~`` shows the last name only, as Sphinx
does.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):<code>(~?)([\w.]+)(\(\))?</code>")


def _link(match: re.Match[str]) -> str:
    short, target, call = match.group(1), match.group(2), match.group(3) or ""
    title = target.rsplit(".", 1)[-1] if short else target
    return f'<autoref identifier="{target}" optional><code>{title}{call}</code></autoref>'


def on_page_content(html: str, **kwargs: Any) -> str:
    """Replace the rendered roles of one page."""
    return _ROLE.sub(_link, html)
