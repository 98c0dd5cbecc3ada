"""The clustering methods by name (`clustering.method`): each registers its settings and its algorithm here.

A method takes the reduced coordinates (float32, documents x dimensions) and its settings, and returns
cluster layers: labels of shape (layers, documents), finest layer first, -1 for a document in no cluster,
and each layer's persistence (how long it lasts in the cluster tree; zeros when the method has no such
measure). A method with one granularity returns one layer. The config's allowed values, its settings
sections (`clustering.<name>.*`), the CLI help and the report's account of the fit all read this registry,
so a new method is one module that calls `register_clusterer`, and its test; an installed package adds
one under the entry-point group "topiclab.clusterers" (see topiclab.plugins).

This sits below topiclab.config (it imports only numpy and pydantic) so that the config can validate the
method's name and settings; the algorithms import their libraries when they run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from pydantic import BaseModel, ConfigDict

from topiclab.plugins import load_plugins

LayersFunction = Callable[[np.ndarray, Any], "tuple[np.ndarray, np.ndarray]"]


class ClustererSettings(BaseModel):
    """Base of a method's settings section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @property
    def smallest_cluster(self) -> int:
        """The fewest documents a topic found by this method can have (online updates start a new topic from
        twice as many unplaced documents)."""
        return 10


@dataclass(frozen=True)
class Clusterer:
    name: str
    settings: type[ClustererSettings]  # the section clustering.<name>
    layers: LayersFunction
    summary: str  # what ran, for the run's manifest and its report: "EVoC's cluster layers (...)"


#: Every clustering method by name, in registration order (the built-in ones first).
CLUSTERERS: dict[str, Clusterer] = {}
#: The entry-point group under which installed packages add clustering methods.
PLUGIN_GROUP = "topiclab.clusterers"


def is_registered(name: str) -> bool:
    """Whether `name` is a clustering method, once installed extensions are loaded (only when it is not yet)."""
    if name not in CLUSTERERS:
        load_plugins(PLUGIN_GROUP)
    return name in CLUSTERERS


def register_clusterer(name: str, settings: type[ClustererSettings], summary: str) -> Callable[[LayersFunction],
                                                                                             LayersFunction]:
    """Register the decorated function as the clustering method `name`, configured by `settings`."""
    if not name.isidentifier() or name == "method":
        raise ValueError(f"A clustering method's name must be a Python identifier other than 'method', not {name!r}")

    def decorate(layers: LayersFunction) -> LayersFunction:
        CLUSTERERS[name] = Clusterer(name, settings, layers, summary)
        return layers

    return decorate
