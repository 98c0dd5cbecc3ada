"""Edits of a saved run, by hand: merge topics, split one, move documents (another granularity: `level.py`).

Each edit changes the run's model (see `topiclab.pipeline.edits`), rebuilds the run's tables, recomputes
label aspects only for the topics that changed, logs itself in the manifest's `edits` (a re-fit replays
merges and moves, see `carry.py`) and saves the run. Topics keep their ids; lineage says where each came
from (the topic table's `parents` and `origin`).

Each returns the edited run as a new object: a TopicRun passed in stays as it was, saved or not, so a
notebook can try an edit (`save=False`) and still compare with the fit. `in_place=True` edits the object
passed in instead: a re-fit's replay does, as it owns the run it edits and a large model is costly to copy.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from topiclab.errors import ConfigError, RunError
from topiclab.metrics import run_metrics
from topiclab.pipeline import edits
from topiclab.represent import TopicContext, configured_hierarchy, kept_names, make_aspects, represent_topics
from topiclab.represent.stage import fill_missing_aspects, is_aspect_column
from topiclab.results import TopicRun, apply_manual_labels, load_model, load_run
from topiclab.workflow import tables

RunLike = Union[TopicRun, str, Path]


def merge(run: RunLike, groups: Sequence[Sequence[int]], save: bool = True, in_place: bool = False) -> TopicRun:
    """Merge each group of topics into its first topic."""
    run, model = open_run(run, in_place)
    before = _topic_sets(run)
    edits.merge_topics(model, groups, _texts(run), _embeddings(run))
    return _finish(run, model, before, {"op": "merge", "topics": [int(t) for g in groups for t in g],
                                         "groups": [[int(t) for t in g] for g in groups]}, save)


def split(run: RunLike, topic: int, parts: Optional[int] = None, save: bool = True,
          in_place: bool = False) -> TopicRun:
    """Split a topic into `parts` (k-means) or the clusters its documents form; the largest part keeps the id."""
    run, model = open_run(run, in_place)
    before = _topic_sets(run)
    created = edits.split_topic(model, int(topic), _texts(run), _embeddings(run), parts)
    return _finish(run, model, before, {"op": "split", "topic": int(topic), "into": [int(t) for t in created]}, save)


def move(run: RunLike, doc_ids: Sequence, topic: int, save: bool = True, in_place: bool = False) -> TopicRun:
    """Put the documents with these doc_ids into `topic` (an existing id, or a new one)."""
    run, model = open_run(run, in_place)
    wanted = pd.Index([str(d) for d in doc_ids])
    ids = run.documents["doc_id"].astype(str)
    missing = wanted.difference(ids)
    if len(missing):
        raise ConfigError(f"No documents with doc_id {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} "
                          f"in run {run.name!r}.")
    positions = np.flatnonzero(ids.isin(wanted).to_numpy())
    before = _topic_sets(run)
    edits.move_documents(model, positions, int(topic), _texts(run), _embeddings(run))
    return _finish(run, model, before, {"op": "move", "topic": int(topic), "doc_ids": wanted.tolist()}, save)


def open_run(run: RunLike, in_place: bool = False) -> tuple[TopicRun, object]:
    """The run to edit and its model: a folder is read afresh; a TopicRun is copied unless `in_place`.
    Editing needs the saved embeddings."""
    if not isinstance(run, TopicRun):
        run = load_run(run)
    elif not in_place:
        run = _copy(run)
    if run.embeddings is None:
        raise RunError(f"Run {run.name!r} has no saved embeddings (embeddings.npy): fit it again to edit it.")
    return run, load_model(run)


def _copy(run: TopicRun) -> TopicRun:
    """A run sharing nothing an edit changes with `run`: its tables, manifest and model are copied; the
    document vectors and map coordinates, which no edit changes, and the embedding model are shared."""
    model = run.model
    if model is not None:
        model = copy.deepcopy(model, {} if model.embedder is None else {id(model.embedder): model.embedder})
    return dataclasses.replace(run, documents=run.documents.copy(), topics=run.topics.copy(),
                               manifest=copy.deepcopy(run.manifest), projections=dict(run.projections),
                               levels=None if run.levels is None else run.levels.copy(), model=model)


def _texts(run: TopicRun) -> list[str]:
    return run.documents["text"].tolist()


def _embeddings(run: TopicRun) -> np.ndarray:
    return run.embeddings


def _topic_sets(run: TopicRun) -> dict[int, frozenset]:
    return {int(t): frozenset(group.index) for t, group in run.documents.groupby("topic")}


def _finish(run: TopicRun, model, before: dict[int, frozenset], edit: dict, save: bool) -> TopicRun:
    after = {int(t): frozenset(np.flatnonzero(model.topics_ == t)) for t in model.topic_ids_}
    changed = {t for t in after if before.get(t) != after[t]}
    rebuild(run, model, changed)
    for topic in set(before) - set(after):  # a topic that went away takes its hand-set label with it
        label = run.manifest.get("manual_labels", {}).pop(str(topic), None)
        if label is not None:
            run.manifest.setdefault("manual_labels_unplaced", {})[str(topic)] = label
    run.manifest.setdefault("edits", []).append({**edit, "at": _now()})
    if save and run.path is not None:
        run.save()
    return run


def rebuild(run: TopicRun, model, changed: Optional[set[int]]) -> None:
    """The run's tables from the edited model; aspects recomputed for `changed` topics (all when None)."""
    started = time.perf_counter()
    documents = run.documents.copy()
    documents["topic"] = model.topics_.astype(int)
    documents["probability"] = model.probabilities_.astype(np.float32)
    documents["assigned_by"] = model.assigned_by_.astype(str)
    texts = documents["text"].tolist()
    fresh = tables.topic_table(model, texts)
    old = run.topics.set_index("topic")
    keep = [c for c in old.columns if is_aspect_column(c)]
    redo = fresh if changed is None else fresh[fresh["topic"].isin(changed) | ~fresh["topic"].isin(old.index)]
    aspects = make_aspects(run.config)
    context = TopicContext(redo.reset_index(drop=True), load_model=lambda: model, embedding=run.config.embedding,
                           texts=texts, kept_names=kept_names(old, set(fresh["topic"]) - set(redo["topic"])))
    redone, report = represent_topics(context, aspects, run.config.labels.resolved_display)
    redone = redone.set_index("topic")
    rows = []
    for topic in fresh["topic"]:
        if topic in redone.index:
            rows.append(redone.loc[topic])
        else:
            row = fresh.set_index("topic").loc[topic].copy()
            for column in keep:
                row[column] = old.loc[topic, column]
            row["label"] = old.loc[topic, "label"]
            rows.append(row)
    topics = fill_missing_aspects(pd.DataFrame(rows).rename_axis("topic").reset_index())
    apply_manual_labels(topics, run.manifest.get("manual_labels", {}))
    run.documents, run.topics, run.model = documents, topics, model
    run.topic_embeddings = tables.topic_embeddings(model, topics)
    context.topics = topics
    run.hierarchy = configured_hierarchy(topics, run.topic_embeddings, context, run.config)
    run.levels = tables.level_table(model)
    classes = documents["class"].tolist() if "class" in documents else None
    run.manifest["metrics"] = run_metrics(documents["topic"].to_numpy(), tables.non_outlier_words(topics), texts,
                                          classes)
    run.manifest["labels"] = {**run.manifest.get("labels", {}), "last_edit": report}
    run.manifest.setdefault("seconds", {})["edit"] = round(time.perf_counter() - started, 3)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
