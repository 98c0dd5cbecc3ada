"""Clustering methods, by name: `CLUSTERERS` and `register_clusterer` (see `registry`). Importing this
package registers the built-in ones: `evoc` (the default) and `hdbscan`."""

from topiclab.clusterers import evoc_layers, hdbscan_fixed  # noqa: F401  (they register themselves, in this order)
from topiclab.clusterers.registry import CLUSTERERS, Clusterer, ClustererSettings, is_registered, register_clusterer

__all__ = ["CLUSTERERS", "Clusterer", "ClustererSettings", "is_registered", "register_clusterer"]
