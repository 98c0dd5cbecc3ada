"""The 2D document map: every document of a run on one page that opens offline, drawn on a canvas.

`document_map(run)` builds it; `topic_levels(run)` is where its zoom levels of labels come from;
`MapWidget` (via `DocumentMap.widget()`) brings its selection and search back to a notebook.
"""

from topiclab.figures.docmap.figure import DocumentMap, document_map
from topiclab.figures.docmap.levels import Level, topic_levels
from topiclab.figures.registry import register_figure

register_figure(
    "document_map", title="Document map", position=10, map_points=True,
    about="<p>Each dot is a document, placed so that documents with similar meaning lie close together (UMAP "
          "projection of the embeddings). Distances are only meaningful locally: tight, separate islands are "
          "distinct topics, touching clouds share vocabulary, and the size of the gap between far-apart islands "
          "says little.</p><p>The map shows every document. Scroll to zoom: broad groups of topics are labeled "
          "from afar, single topics close in. Hover a dot to read the start of its document, click it to read all "
          "of it. Type words in the search box to highlight the documents holding them (or choose <em>by "
          "meaning</em> to rank documents by how close they are to the words), tick topics off in the list to hide "
          "them, and color the dots by class, time, length or another column. <em>Box</em> and <em>Lasso</em> "
          "select documents into a table below the map, which <em>Download CSV</em> saves. With a time column, "
          "the sliders under the map keep one period.</p>",
    applies=lambda run: "2d" in run.projections,
    missing="This run has no map coordinates: <code>topiclab figures RUN</code> computes them.",
)(document_map)

__all__ = ["DocumentMap", "Level", "document_map", "topic_levels"]
