"""Figures written to one standalone HTML file: plotly.js inlined once, so it opens offline anywhere.

A document map (a `DocumentMap`, its own page) goes in as a sandboxed iframe beside the plotly figures.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Iterable, Optional, Union

import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.figures.docmap import DocumentMap
from topiclab.files import write_text

Figure = Union[go.Figure, DocumentMap]

CONFIG = {"displaylogo": False, "responsive": True}
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 1400px; margin: 0 auto; padding: 0 1rem; }}
.figure {{ margin: 1rem 0 2.5rem; }}</style>
</head>
<body>
{heading}{figures}
</body>
</html>
"""


def write_html(figures: Union[Figure, Iterable[Figure]], path: Union[str, Path], title: Optional[str] = None) -> Path:
    """Write one figure or several to `path`, atomically (a half-written file never replaces a good one)."""
    figures = [figures] if isinstance(figures, (go.Figure, DocumentMap)) else list(figures)
    if not figures:
        raise FigureError("No figures to write: pass a figure or a list of figures.")
    path = Path(path)
    heading = f"<h1>{html.escape(title)}</h1>\n" if title else ""  # else each figure shows its own title
    if title is None:  # the first figure's title (plotly's is text with entities)
        first = figures[0]
        title = first.title if isinstance(first, DocumentMap) else html.unescape(first.layout.title.text or "")
        title = title or path.stem
    plots = [figure for figure in figures if isinstance(figure, go.Figure)]
    divs = [f'<div class="figure">{_embed(figure, figure is plots[0] if plots else False)}</div>' for figure in figures]
    page = PAGE.format(title=html.escape(title), heading=heading, figures="\n".join(divs))
    return write_text(path, page)


def _embed(figure: Figure, with_plotlyjs: bool) -> str:
    if isinstance(figure, DocumentMap):
        return figure.to_iframe()
    return figure.to_html(full_html=False, include_plotlyjs=with_plotlyjs, config=CONFIG)
