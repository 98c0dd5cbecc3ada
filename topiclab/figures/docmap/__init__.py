"""The 2D document map: every document of a run on one page that opens offline, drawn on a canvas.

`document_map(run)` builds it; `topic_levels(run)` is where its zoom levels of labels come from;
`MapWidget` (via `DocumentMap.widget()`) brings its selection and search back to a notebook.
"""

from topiclab.figures.docmap.figure import DocumentMap, document_map
from topiclab.figures.docmap.levels import Level, topic_levels

__all__ = ["DocumentMap", "Level", "document_map", "topic_levels"]
