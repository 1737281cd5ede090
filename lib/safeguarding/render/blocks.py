"""Pieces of HTML that display as themselves in a notebook and in the exported briefing.

An :class:`HtmlBlock` has ``_repr_html_``, so a notebook cell whose last line returns one
shows real HTML (not the pandas default table styling), and nbconvert copies that HTML
into the briefing unchanged. All text passed to the helpers here is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


class HtmlBlock:
    """A fragment of trusted HTML that Jupyter displays as HTML.

    Parameters
    ----------
    html : str
        The markup. Build it with the functions in :mod:`safeguarding.render`, which
        escape every piece of text they are given.
    """

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        if not isinstance(html, str):
            raise TypeError(f"HtmlBlock needs a str of HTML, not {type(html).__name__}")
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __html__(self) -> str:  # Jinja2 / MarkupSafe protocol
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        preview = self.html if len(self.html) < 60 else self.html[:57] + "..."
        return f"HtmlBlock({preview!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HtmlBlock) and other.html == self.html

    def __hash__(self) -> int:
        return hash(self.html)

    def __add__(self, other: object) -> "HtmlBlock":
        return join_blocks(self, other)


def as_html(item: object) -> str:
    """The HTML of a block, chart or anything with ``_repr_html_``; plain text is escaped."""
    if isinstance(item, HtmlBlock):
        return item.html
    method = getattr(item, "_repr_html_", None)
    if callable(method):
        markup = method()
        if markup is not None:
            return str(markup)
    return paragraph(str(item)).html


def join_blocks(*items: object) -> HtmlBlock:
    """One block holding several blocks, charts or sentences in order (None is skipped).

    Plain strings become escaped paragraphs, so sentences can be mixed with tables and charts.
    """
    return HtmlBlock("\n".join(as_html(item) for item in items if item is not None))


def paragraph(text: str, css_class: str | None = None) -> HtmlBlock:
    """An escaped ``<p>`` (optionally with a class such as 'lead' or 'note')."""
    attr = f' class="{html.escape(css_class)}"' if css_class else ""
    return HtmlBlock(f"<p{attr}>{html.escape(str(text))}</p>")


def bullet_list(items: Iterable[str], css_class: str | None = None) -> HtmlBlock:
    """An escaped ``<ul>``: key findings, caveats."""
    attr = f' class="{html.escape(css_class)}"' if css_class else ""
    lis = "".join(f"<li>{html.escape(str(item))}</li>" for item in items)
    return HtmlBlock(f"<ul{attr}>{lis}</ul>")


def heading(text: str, level: int = 2) -> HtmlBlock:
    """An escaped heading ``<h1>`` to ``<h4>`` (a briefing needs exactly one ``<h1>``)."""
    if level not in (1, 2, 3, 4):
        raise ValueError(f"Heading level must be 1 to 4, not {level!r}")
    return HtmlBlock(f"<h{level}>{html.escape(str(text))}</h{level}>")
