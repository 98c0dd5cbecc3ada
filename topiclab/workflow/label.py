"""Relabel a saved run: recompute its aspects with new label settings, without refitting."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Union

from topiclab.config import LabelsConfig, flatten
from topiclab.represent.base import TopicContext
from topiclab.represent.hierarchy import configured_hierarchy
from topiclab.represent.stage import make_aspects, represent_topics
from topiclab.results import TopicRun, apply_manual_labels, load_model, load_run

LabelsLike = Union[LabelsConfig, dict, None]


def relabel(run: Union[TopicRun, str, Path], labels: LabelsLike = None, *, keep_manual: bool = True,
            save: bool = True, **settings: Any) -> TopicRun:
    """Recompute the label aspects of `run` (a TopicRun, updated in place, or a run directory) and save it.

    `labels` replaces the run's `labels` section (a LabelsConfig) or updates it (a dict, nested like the
    YAML); `settings` update single keys: `relabel(run, aspects=["llm"], llm={"backend": "openai", ...})`.
    Labels set by hand (`run.set_label`) win over written ones unless `keep_manual=False`. The LLM is
    asked only for prompts its cache has not answered.
    """
    run = run if isinstance(run, TopicRun) else load_run(run)
    if isinstance(labels, LabelsConfig):
        config = run.config.with_overrides({"labels": labels.model_dump(mode="json")})
    else:
        overrides = flatten({**(labels or {}), **settings}, "labels.")
        chosen = overrides.get("labels.aspects")
        names = [name.strip() for name in chosen.split(",")] if isinstance(chosen, str) else chosen or []
        if chosen is not None and "labels.display" not in overrides and run.config.labels.display not in names:
            overrides["labels.display"] = None  # chosen again from the new aspects
        config = run.config.with_overrides(overrides)
    aspects = make_aspects(config)

    started = time.perf_counter()
    context = TopicContext(run.topics, load_model=lambda: load_model(run), embedding=config.embedding,
                           texts=run.documents["text"].tolist())
    topics, report = represent_topics(context, aspects, config.labels.resolved_display)
    manifest = {**run.manifest, "labels": report}
    if not keep_manual:
        manifest.pop("manual_labels", None)
    apply_manual_labels(topics, manifest.get("manual_labels", {}))
    context.topics = topics
    run.hierarchy = configured_hierarchy(topics, run.topic_embeddings, context, config)
    manifest["seconds"] = {**run.manifest.get("seconds", {}), "labels": round(time.perf_counter() - started, 3)}

    run.topics, run.config, run.manifest = topics, config, manifest
    if save and run.path is not None:
        run.save()
    return run
