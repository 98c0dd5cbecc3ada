"""Add the 2D/3D map coordinates a saved run lacks (computed by `topiclab.pipeline.projection`)."""

from __future__ import annotations

import time

from topiclab.errors import FigureError
from topiclab.results import TopicRun, load_model


def compute_projections(run: TopicRun) -> TopicRun:
    """Add the projections a run lacks (one fitted with projection.enabled=false, or an edited copy).

    Uses the run's saved embeddings and `run.config.projection`; call `run.save()` to keep them.
    """
    from topiclab.pipeline.projection import DIMENSIONS, project_saved
    from topiclab.pipeline.reduce import ReductionCache

    missing = tuple(key for key in DIMENSIONS if key not in run.projections)
    if not missing:
        return run
    if run.embeddings is None:
        raise FigureError(f"Run {run.name!r} has no saved embeddings (embeddings.npy), so its documents cannot be "
                          "placed on a map. Fit the corpus again (the embedding cache makes that quick).")
    started = time.perf_counter()
    config = run.config
    run.projections.update(project_saved(load_model(run), run.embeddings, config.projection, config.seed,
                                         ReductionCache.for_config(config), keys=missing))
    run.manifest.setdefault("seconds", {})["project"] = round(time.perf_counter() - started, 3)
    return run
