"""New documents for a saved run: assign them topics (read-only), or add them to the run (online update).

`assign_topics` answers "which topic would this text get" by the fit's own rule without changing the run.
`update_run` appends a corpus's new documents to the run: existing documents keep their topics and ids,
new documents take topics by the same rule, documents that fit none can form new topics, words, sizes,
labels and metrics are refreshed, the map places the new documents near their neighbours, and the manifest
logs the update. Documents whose doc_id the run already holds are skipped (and counted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

from topiclab.corpus import Corpus, load_corpus
from topiclab.corpus.readers import CorpusSource
from topiclab.embed import embed_documents
from topiclab.errors import CorpusError, EmbeddingError
from topiclab.metrics import run_metrics
from topiclab.pipeline.neighbors import normalize
from topiclab.progress import Stopwatch, wanted
from topiclab.represent import TopicContext, configured_hierarchy, kept_names, make_aspects, represent_topics
from topiclab.represent.stage import fill_missing_aspects
from topiclab.results import TopicRun, apply_manual_labels, load_model, load_run
from topiclab.workflow import tables

RunLike = Union[TopicRun, str, Path]


def assign_topics(run: RunLike, texts: Sequence[str], embeddings: Optional[np.ndarray] = None) -> pd.DataFrame:
    """Topic, probability and label each text would get in `run` (the run is not changed)."""
    run = run if isinstance(run, TopicRun) else load_run(run)
    model = load_model(run)
    texts = [str(t) for t in texts]
    if embeddings is None:
        _check_model(run)
        embeddings, _ = embed_documents(texts, run.config.embedding, progress=False)
    result = model.assign(texts, embeddings=embeddings)
    labels = run.topic_labels
    return pd.DataFrame({"text": texts, "topic": result.topics.astype(int), "probability": result.probabilities,
                         "label": [labels.get(int(t), f"{int(t)}: outliers") for t in result.topics]})


def update_run(run: RunLike, source: Union[CorpusSource, Corpus], *, embeddings: Optional[np.ndarray] = None,
               save: bool = True, progress: Optional[bool] = None, scheduler: Optional[str] = None,
               **columns: Any) -> TopicRun:
    """Add the documents of `source` (same corpus options as the fit: text_col=..., ...) to a saved run.
    `scheduler` (a Dask scheduler address, or 'local') embeds the new documents on a cluster. A TopicRun
    passed in is updated in place (and returned), saved or not: an update adds, unlike an edit, which
    returns a new run."""
    run = run if isinstance(run, TopicRun) else load_run(run)
    model = load_model(run)
    watch = Stopwatch()
    with watch("load"):
        corpus = source if isinstance(source, Corpus) else _load_new(source, run, columns)
    known = set(run.documents["doc_id"].astype(str))
    fresh = ~corpus.documents["doc_id"].astype(str).isin(known).to_numpy() if corpus.id_col is not None else \
        np.ones(len(corpus), bool)  # without an id column every row is new
    if not fresh.any():
        raise CorpusError(f"Every document of {corpus.source} is already in run {run.name!r} (same doc_id): nothing "
                          "to add. Give new documents, or an id column (--id-col) that tells them apart.")
    new_documents = corpus.documents[fresh].reset_index(drop=True)
    if corpus.id_col is None:  # row numbers as ids would repeat the run's: continue after them
        start = len(run.documents)
        new_documents["doc_id"] = [str(start + i) for i in range(len(new_documents))]
    texts = new_documents["text"].tolist()
    show = wanted(progress, len(texts))
    with watch("embed"):
        if embeddings is None:
            _check_model(run)
            embeddings = _embed(texts, run, scheduler, show)
        else:
            embeddings = np.asarray(embeddings, dtype=np.float32)[fresh]
    if embeddings.shape[1] != run.embeddings.shape[1]:
        raise EmbeddingError(f"The new documents' embeddings have {embeddings.shape[1]} dimensions, the run's "
                             f"{run.embeddings.shape[1]}: embed them with the run's model.")
    before = set(map(int, model.topic_ids_))
    with watch("project"):  # placed by the reference as it was, before the new documents join it
        projections = _place(run, model, embeddings)
    with watch("assign"):
        labels = new_documents["label"].tolist() if "label" in new_documents else None
        model.partial_fit(texts, labels, embeddings=embeddings)
    batch = int(run.documents["batch"].max()) + 1
    documents = pd.concat([run.documents, tables.document_table(new_documents, model, batch)], ignore_index=True)
    all_texts = documents["text"].tolist()
    with watch("labels"):
        changed = {int(t) for t in np.unique(model.topics_[-len(texts):])}
        topics = _topics(run, model, all_texts, changed)
    with watch("metrics"):
        classes = documents["class"].tolist() if "class" in documents else None
        metrics = run_metrics(documents["topic"].to_numpy(), tables.non_outlier_words(topics), all_texts, classes)
    update = model.updates_[-1]
    run.documents, run.topics, run.model = documents, topics, model
    run.embeddings = np.vstack([run.embeddings, embeddings.astype(np.float32)])
    run.topic_embeddings = tables.topic_embeddings(model, topics)
    run.projections = projections
    run.manifest["metrics"] = metrics
    run.manifest.setdefault("updates", []).append({
        **update, "batch": batch, "source": corpus.source, "skipped_known_doc_ids": int((~fresh).sum()),
        "new_topics": sorted(set(map(int, model.topic_ids_)) - before), "seconds": watch.seconds,
    })
    run.manifest["corpus"]["n_documents"] = len(documents)
    if save and run.path is not None:
        run.save()
    return run


def _embed(texts: list[str], run: TopicRun, scheduler: Optional[str], show: bool) -> np.ndarray:
    """The new documents' vectors, on the Dask cluster at `scheduler` when given (each worker through its own
    embedding cache)."""
    from topiclab.compute import partitioned

    with partitioned(texts, run.config.compute.model_copy(update={"scheduler": scheduler}), show) as partitions:
        if partitions is not None:
            return partitions.embed(run.config.embedding)[0]
    return embed_documents(texts, run.config.embedding, progress=show)[0]


def _load_new(source: CorpusSource, run: TopicRun, columns: dict) -> Corpus:
    """The new documents, read with the run's column settings; a timestamp, class or label column the new
    file lacks is simply not read (its documents get none)."""
    from topiclab.corpus.readers import read_source

    raw, where = read_source(source)
    settings = {"sample": None, "dedupe": False}
    for role in ("timestamp_col", "class_col", "label_col"):
        name = getattr(run.config.corpus, role)
        if role not in columns and name is not None and name not in raw.columns:
            settings[role] = None
    corpus = load_corpus(raw, run.config.corpus.model_copy(update={**settings, **columns}), seed=run.config.seed)
    corpus.source = where
    return corpus


def _place(run: TopicRun, model, embeddings: np.ndarray) -> dict[str, np.ndarray]:
    from topiclab.pipeline.projection import place

    if not run.projections:
        return {}
    result = model.reference_.assign(normalize(embeddings))
    return {key: np.vstack([coords, place(coords, result.neighbors, result.similarities, run.config.seed + len(coords))])
            for key, coords in run.projections.items()}


def _topics(run: TopicRun, model, texts: list[str], changed: set[int]) -> pd.DataFrame:
    """The topic table after an update: aspects recomputed for topics that received documents."""
    fresh = tables.topic_table(model, texts)
    old = run.topics.set_index("topic")
    redo = fresh[fresh["topic"].isin(changed) | ~fresh["topic"].isin(old.index)].reset_index(drop=True)
    context = TopicContext(redo, load_model=lambda: model, embedding=run.config.embedding, texts=texts,
                           kept_names=kept_names(old, set(fresh["topic"]) - set(redo["topic"])))
    redone, report = represent_topics(context, make_aspects(run.config), run.config.labels.resolved_display)
    redone = redone.set_index("topic")
    rows = [redone.loc[t] if t in redone.index else old.loc[t] for t in fresh["topic"]]
    topics = fill_missing_aspects(pd.DataFrame(rows).rename_axis("topic").reset_index())
    topics["size"] = topics["topic"].map(model.topic_sizes_).astype(int)
    apply_manual_labels(topics, run.manifest.get("manual_labels", {}))
    run.manifest["labels"] = {**run.manifest.get("labels", {}), "last_update": report}
    context.topics = topics
    run.hierarchy = configured_hierarchy(topics, tables.topic_embeddings(model, topics), context, run.config)
    return topics


def _check_model(run: TopicRun) -> None:
    """New text must be embedded by the model the run was fitted with."""
    dropped = run.ignored_settings.get("embedding.model")
    if dropped:
        raise EmbeddingError(f"Run {run.name!r} was embedded with {dropped!r}, a path on the machine it came from; "
                             "pass the same model on this machine (--model PATH) to embed new text for it.")
