"""Add the 2D/3D projections a saved run lacks (computed by `topiclab.pipeline.projection`)."""

from __future__ import annotations

import time

from topiclab.errors import FigureError
from topiclab.pipeline.projection import DIMENSIONS, project_embeddings
from topiclab.results import TopicRun


def compute_projections(run: TopicRun) -> TopicRun:
    """Add the projections a run lacks (an older run, or one fitted with projection.enabled=false).

    Uses the run's saved embeddings and `run.config.projection`; call `run.save()` to keep them.
    """
    missing = tuple(key for key in DIMENSIONS if key not in run.projections)
    if not missing:
        return run
    if run.embeddings is None:
        raise FigureError(f"Run {run.name!r} has no saved embeddings (embeddings.npy), so its documents cannot be "
                          "projected for a map. Fit the corpus again (the embedding cache makes that quick).")
    started = time.perf_counter()
    run.projections.update(project_embeddings(run.embeddings, run.config.projection, run.config.seed, missing))
    run.manifest.setdefault("seconds", {})["project"] = round(time.perf_counter() - started, 3)
    return run
