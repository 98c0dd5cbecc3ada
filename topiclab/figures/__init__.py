"""Interactive plotly figures drawn from a saved run: no refit, no re-embedding.

Every figure function takes a `TopicRun` and returns a `plotly.graph_objects.Figure`, which shows in
JupyterLab, goes into the HTML report, or is written to a standalone offline file with `write_html`.
Document maps read the 2D/3D projections saved with the run; `compute_projections` adds them to an
older run. `available_figures(run)` names the figures a run can draw.
"""

from topiclab.figures._available import FIGURES, available_figures
from topiclab.figures._document_map import document_map
from topiclab.figures._html import write_html
from topiclab.figures._intertopic_distance import intertopic_distance
from topiclab.figures._topic_hierarchy import topic_hierarchy
from topiclab.figures._topic_similarity import topic_similarity
from topiclab.figures._topic_sizes import topic_sizes
from topiclab.figures._topic_words import topic_words, word_aspects
from topiclab.figures._topics_over_time import topics_over_time
from topiclab.figures._topics_per_class import topics_per_class
from topiclab.figures.projection import compute_projections

__all__ = ["FIGURES", "available_figures", "compute_projections", "document_map", "intertopic_distance",
           "topic_hierarchy", "topic_similarity", "topic_sizes", "topic_words", "topics_over_time",
           "topics_per_class", "word_aspects", "write_html"]
