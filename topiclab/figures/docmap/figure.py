"""`document_map(run)`: every document of a run on one searchable, offline map page.

The page (see `data.py` for what it holds and `static/map.js` for what it does) draws hundreds of
thousands of points on a canvas, with no library and no WebGL. A `DocumentMap` shows in JupyterLab (`_repr_html_`), writes one
standalone file (`write_html`), goes into reports and `topiclab figures` pages (`to_iframe`), and in a
notebook becomes a widget (`widget()`) whose selection and search come back to Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from topiclab.figures.docmap.data import TEXT_CHARS, MapData, map_data
from topiclab.figures.docmap.page import iframe_html, page_html
from topiclab.figures.docmap.semantic import MAX_WORDS
from topiclab.files import write_text
from topiclab.results import TopicRun

HEIGHT = 760


class DocumentMap:
    """A run's documents as an interactive map page, built once from the run (no refit)."""

    def __init__(self, run: TopicRun, data: MapData, title: str, height: int = HEIGHT):
        self.run = run
        self.data = data
        self.title = title
        self.height = height
        self._page: Optional[str] = None

    @property
    def rows(self) -> np.ndarray:
        """The row of `run.documents` behind each point of the page, in the page's order."""
        return self.data.rows

    def documents(self, points: Sequence[int]) -> pd.DataFrame:
        """The documents behind points of the page (as the page numbers them), with their topic labels."""
        rows = self.rows[np.asarray(points, dtype=np.int64)] if len(points) else np.array([], dtype=np.int64)
        found = self.run.documents.iloc[rows]
        return found.assign(label=found["topic"].map(self.run.topic_labels))

    def to_html(self) -> str:
        """The standalone page."""
        if self._page is None:
            self._page = page_html(self.data, self.title)
        return self._page

    def write_html(self, path: Union[str, Path]) -> Path:
        """Write the standalone page to `path`, atomically; it opens from disk in any browser, offline."""
        return write_text(Path(path), self.to_html())

    def to_iframe(self) -> str:
        """The page in a sandboxed iframe, to place among other HTML (a report, a figures page)."""
        return iframe_html(self.to_html(), self.title, self.height)

    def _repr_html_(self) -> str:
        return self.to_iframe()

    def widget(self):
        """A notebook widget showing this map; its `selection` and `matches` follow what you do in it."""
        from topiclab.figures.docmap.widget import MapWidget

        return MapWidget(self)

    def __repr__(self) -> str:
        return (f"DocumentMap({self.title!r}: {self.data.meta['n']:,} documents, "
                f"{self.data.nbytes / 1e6:.1f} MB of compressed data)")


def document_map(run: TopicRun, *, max_points: Optional[int] = None, text_chars: int = TEXT_CHARS,
                 search_words: int = MAX_WORDS, title: Optional[str] = None, height: int = HEIGHT) -> DocumentMap:
    """Every document of `run` on its 2D projection: hover, click, search, select, filter, export.

    max_points: above this many documents a seeded sample that keeps every topic (default 1,000,000).
    text_chars: characters of document text the page holds, all documents together; past it each text is
        cut to the same length (hover, search and the CSV then see the start of long documents).
    search_words: words in the page's table for search by meaning (0: no search by meaning).
    """
    data = map_data(run, max_points=max_points, text_chars=text_chars, search_words=search_words)
    return DocumentMap(run, data, title or f"Documents of {run.name}", height)
