"""The map as a notebook widget (anywidget): what you select or search on the map comes back to Python.

The widget shows the same page as `DocumentMap.to_html()` in a sandboxed iframe; the page reports its
state to the widget's front end (`static/widget.js`) through postMessage, which syncs it into these
traitlets. Setting `query` (and `mode`) or `selected_points` from Python does the same on the map.
`search` also finds the matches in Python (see `search.py`), so the next cell can read them even when
the browser has not drawn the map yet (Run All).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import pandas as pd
import traitlets

from topiclab.figures.docmap.search import page_matches

if TYPE_CHECKING:  # the map builds its widget (DocumentMap.widget), so the widget only names it
    from topiclab.figures.docmap.figure import DocumentMap


class MapWidget(anywidget.AnyWidget):
    _esm = Path(__file__).parent / "static" / "widget.js"
    _page = traitlets.Unicode("").tag(sync=True)
    _height = traitlets.Int(760).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    mode = traitlets.Enum(["words", "meaning"], default_value="words").tag(sync=True)
    #: Points as the page numbers them; `selection` and `matches` give their documents.
    selected_points = traitlets.List(traitlets.Int()).tag(sync=True)
    matched_points = traitlets.List(traitlets.Int()).tag(sync=True)

    def __init__(self, document_map: DocumentMap, **kwargs):
        super().__init__(_page=document_map.to_html(), _height=document_map.height, **kwargs)
        self.map = document_map
        self._texts = None  # the page's texts, read on the first search from Python

    @property
    def selection(self) -> pd.DataFrame:
        """The documents selected on the map (box or lasso), with their topic labels."""
        return self.map.documents(self.selected_points)

    @property
    def matches(self) -> pd.DataFrame:
        """The documents the current search highlights (the first 10,000), best first for a search by meaning."""
        return self.map.documents(self.matched_points)

    def search(self, query: str, mode: str = "words") -> None:
        """Search on the map, as if typed into its search box; `matches` holds the result at once."""
        if self._texts is None:
            self._texts = self.map.run.documents["text"].iloc[self.map.rows].astype(str)
        with self.hold_sync():
            self.mode = mode
            self.query = query
            self.matched_points = page_matches(self.map.data, self._texts, query, mode)

    def select_documents(self, rows) -> None:
        """Select the documents at these rows of `run.documents` (those on the map)."""
        position = pd.Series(range(len(self.map.rows)), index=self.map.rows)
        self.selected_points = sorted(int(p) for p in position.reindex(list(rows)).dropna())
