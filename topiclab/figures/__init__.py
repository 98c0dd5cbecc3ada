"""Interactive figures drawn from a saved run: no refit, no re-embedding.

`document_map(run)` is the 2D map of every document: one offline page with search, labels by
zoom level, selection and export (`topiclab.figures.docmap`). Every other figure function takes a
`TopicRun` and returns a `plotly.graph_objects.Figure`. All of them show in JupyterLab, go into the HTML
report, or into one standalone offline file with `write_html`. Document maps read the 2D/3D projections
saved with the run; `compute_projections` adds them to an older run. `FIGURES` holds every figure by
name with what the report says about it (`registry`), `available_figures(run)` names those a run can draw.
Importing this package registers the figures below and those of installed extensions (topiclab.plugins).
"""

from topiclab.figures._document_map_3d import document_map_3d
from topiclab.figures._html import write_html
from topiclab.figures._intertopic_distance import intertopic_distance
from topiclab.figures._topic_hierarchy import topic_hierarchy
from topiclab.figures._topic_similarity import topic_similarity
from topiclab.figures._topic_sizes import topic_sizes
from topiclab.figures._topic_words import topic_words, word_aspects
from topiclab.figures._topics_over_time import topics_over_time
from topiclab.figures._topics_per_class import topics_per_class
from topiclab.figures.docmap import DocumentMap, document_map, topic_levels
from topiclab.figures.projection import compute_projections
from topiclab.figures.registry import FIGURES, PLUGIN_GROUP, Figure, available_figures, register_figure
from topiclab.plugins import load_plugins

load_plugins(PLUGIN_GROUP)

__all__ = ["FIGURES", "DocumentMap", "Figure", "available_figures", "compute_projections", "document_map", "document_map_3d",
           "intertopic_distance", "topic_hierarchy", "topic_levels", "topic_similarity", "topic_sizes", "topic_words",
           "topics_over_time", "topics_per_class", "register_figure", "word_aspects", "write_html"]
