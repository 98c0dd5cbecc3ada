"""Figures written to one standalone HTML file: plotly.js inlined once, so it opens offline anywhere."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Iterable, Optional, Union

import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.files import write_text

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


def write_html(figures: Union[go.Figure, Iterable[go.Figure]], path: Union[str, Path],
               title: Optional[str] = None) -> Path:
    """Write one figure or several to `path`, atomically (a half-written file never replaces a good one)."""
    figures = [figures] if isinstance(figures, go.Figure) else list(figures)
    if not figures:
        raise FigureError("No figures to write: pass a figure or a list of figures.")
    path = Path(path)
    heading = f"<h1>{html.escape(title)}</h1>\n" if title else ""  # else each figure shows its own title
    if title is None:  # the first figure's title, which is plotly text with entities
        title = html.unescape(figures[0].layout.title.text or "") or path.stem
    divs = [f'<div class="figure">{figure.to_html(full_html=False, include_plotlyjs=i == 0, config=CONFIG)}</div>'
            for i, figure in enumerate(figures)]
    page = PAGE.format(title=html.escape(title), heading=heading, figures="\n".join(divs))
    return write_text(path, page)
