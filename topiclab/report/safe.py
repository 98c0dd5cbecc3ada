"""The one way the report notebooks show data: as HTML in which every value from a run is escaped.

Documents, labels, class names, file and column names are untrusted: a corpus or an LLM can put
`<img src=x onerror=...>` into any of them. nbconvert copies text/html outputs into the page as they
are and renders Markdown outputs, raw HTML included, and pandas' Styler escapes nothing unless told.
So the notebooks show tables, headings and notes only through these functions, never Markdown built
from data: markup written in the notebook is kept, every value filled into it shows as typed.

Shown as typed also means no mathematics: JupyterLab typesets `$...$`, `\\(...\\)` and `\\begin{...}`
found in any HTML output with MathJax, so `$1.28 against the euro, from $1.30` would read as italic
maths. Every `Shown` goes out inside an element MathJax skips (`_repr_html_`, the one boundary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    import pandas as pd

_TAG = re.compile(r"<[^>]*>")
#: Elements of these classes are left alone by MathJax 3 (JupyterLab 4, Notebook 7) and MathJax 2.
NO_MATHS = "mathjax_ignore tex2jax_ignore"


@dataclass(frozen=True)
class Shown:
    """What a notebook displays: escaped HTML (reports, JupyterLab) and plain text (consoles, `text/plain`)."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return f'<div class="{NO_MATHS}">{self.html}</div>'

    def __repr__(self) -> str:
        return self.text


def html(template: str, /, *args: Any, **values: Any) -> Shown:
    """`template`, markup written by the notebook's author, with its `{}` fields filled by escaped values.

    Format specs work as in `str.format`: `html("<p>{n:,} documents in <code>{path}</code></p>", n=n, path=p)`.
    """
    return Shown(str(Markup(template).format(*args, **values)), _TAG.sub("", template).format(*args, **values))


def table(frame: pd.DataFrame, header: bool = True) -> Shown:
    """A table with every cell and heading escaped: no row numbers, text left-aligned, numbers right-aligned
    (JupyterLab aligns everything right), fractions to 3 decimals (not pandas' 6)."""
    style = (frame.style.format(escape="html", precision=3).format_index(escape="html", axis="columns")
             .hide(axis="index").set_properties(**{"text-align": "left"})
             .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))
    numeric = list(frame.select_dtypes("number").columns)
    if numeric:
        style = style.set_properties(subset=numeric, **{"text-align": "right"})
    if not header:
        style = style.hide(axis="columns")
    return Shown(style.to_html(), frame.to_string(index=False, header=header))


def collapsible(summary: str, text: str) -> Shown:
    """`summary`, revealing `text` as preformatted text on a click."""
    return html("<details><summary>{}</summary><pre>{}</pre></details>", summary, text)
