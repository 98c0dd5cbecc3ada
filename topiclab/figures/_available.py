"""Which figures a run can draw, by name, so reports and the CLI skip the rest cleanly."""

from __future__ import annotations

from typing import Callable, Union

import plotly.graph_objects as go

from topiclab.figures._document_map_3d import document_map_3d
from topiclab.figures._intertopic_distance import intertopic_distance
from topiclab.figures._topic_hierarchy import topic_hierarchy
from topiclab.figures._topic_similarity import topic_similarity
from topiclab.figures._topic_sizes import topic_sizes
from topiclab.figures._topic_words import topic_words
from topiclab.figures._topics_over_time import topics_over_time
from topiclab.figures._topics_per_class import topics_per_class
from topiclab.figures.docmap import DocumentMap, document_map
from topiclab.results import OUTLIER, TopicRun

#: Every figure by name, in reading order; each takes a run and returns a plotly figure (the 2D document
#: map: a DocumentMap page). The document maps also take `max_points`.
FIGURES: dict[str, Callable[[TopicRun], Union[go.Figure, DocumentMap]]] = {
    "topic_sizes": topic_sizes,
    "document_map": document_map,
    "document_map_3d": document_map_3d,
    "topic_words": topic_words,
    "intertopic_distance": intertopic_distance,
    "topic_hierarchy": topic_hierarchy,
    "topic_similarity": topic_similarity,
    "topics_over_time": topics_over_time,
    "topics_per_class": topics_per_class,
}


def available_figures(run: TopicRun) -> list[str]:
    """Names in FIGURES that this run can draw (a map needs projections, over time a timestamp, ...)."""
    n_topics = int((run.topics["topic"] != OUTLIER).sum())
    compares_topics = n_topics >= 2 and run.topic_embeddings is not None
    applies = {
        "topic_sizes": True,
        "document_map": "2d" in run.projections,
        "document_map_3d": "3d" in run.projections,
        "topic_words": n_topics >= 1,
        "intertopic_distance": compares_topics,
        "topic_hierarchy": compares_topics,
        "topic_similarity": compares_topics,
        "topics_over_time": "timestamp" in run.documents and bool(run.documents["timestamp"].notna().any()),
        "topics_per_class": "class" in run.documents,
    }
    return [name for name in FIGURES if applies[name]]
