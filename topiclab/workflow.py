"""Corpus in, saved run out: the one function the CLI, notebooks and reports call to fit.

`fit_run` strings the layers together (corpus -> embed -> pipeline -> results) and records what each
stage did and how long it took in the run's manifest.
"""

from __future__ import annotations

import hashlib
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from topiclab.config import RunConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.corpus.readers import CorpusSource
from topiclab.embed import embed_documents, resolve_embedder
from topiclab.errors import EmbeddingError
from topiclab.files import check_name, slugify
from topiclab.metrics import run_metrics
from topiclab.pipeline import TopicModel
from topiclab.pipeline.projection import project_embeddings
from topiclab.represent import TopicContext, keyword_label, make_aspects, represent_topics
from topiclab.results import OUTLIER, TopicRun

_CORPUS_SHORTCUTS = ("text_col", "id_col", "timestamp_col", "class_col", "dedupe", "sample")
ConfigLike = Union[RunConfig, dict, str, Path, None]
_PACKAGES = ("topiclab", "bertopic", "umap-learn", "hdbscan", "sentence-transformers", "scikit-learn", "numpy",
             "pandas", "torch", "wordllama", "plotly")


def resolve_config(config: ConfigLike = None, **settings: Any) -> RunConfig:
    """A RunConfig from a RunConfig, a dict, a YAML path or None, updated by nested keyword settings.

    `settings` take sections as dicts (`umap={"n_neighbors": 10}`), top-level values (`seed=1`), corpus
    columns directly (`text_col="body"`), or dotted keys through a dict (`**{"umap.n_neighbors": 10}`).
    """
    if isinstance(config, (str, Path)):
        base = RunConfig.from_yaml(config).to_dict()
    elif isinstance(config, RunConfig):
        base = config.to_dict()
    else:
        base = dict(config or {})
    overrides: dict[str, Any] = {}
    for key, value in settings.items():
        if key in _CORPUS_SHORTCUTS:
            overrides[f"corpus.{key}"] = value
        elif isinstance(value, dict):
            overrides.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            overrides[key] = value
    return RunConfig.build(base, overrides)


def fit_run(source: Union[CorpusSource, Corpus], config: ConfigLike = None, *, embeddings: Optional[np.ndarray] = None,
            output_dir: Union[str, Path, None] = "outputs", name: Optional[str] = None, save: bool = True,
            progress: Optional[bool] = None, **settings: Any) -> TopicRun:
    """Fit topics on a corpus and (by default) save the run to `output_dir/name`.

    `embeddings` may hold vectors computed elsewhere, one row per document after cleaning.
    """
    config = resolve_config(config, **settings)
    aspects = make_aspects(config)  # a missing API key variable or GGUF file fails now, not after the fit
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    corpus = source if isinstance(source, Corpus) else load_corpus(source, config.corpus, seed=config.seed)
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    embedding_report = _embed(corpus, config, embeddings, progress)
    if embeddings is None:
        embeddings = embedding_report.pop("vectors")
    seconds["embed"] = time.perf_counter() - started

    backend = _bertopic_backend(config) if embedding_report.get("model", {}).get("backend") != "precomputed" else None
    model = TopicModel(config, embedding_backend=backend).fit(corpus.texts, embeddings)
    seconds.update(model.stage_seconds_)

    started = time.perf_counter()
    documents, topics = _tables(corpus, model)
    metrics = run_metrics(documents["topic"].to_numpy(), topics.loc[topics["topic"] != OUTLIER, "words"].tolist(),
                          corpus.texts, corpus.documents["class"].tolist() if corpus.has_classes else None)
    seconds["metrics"] = time.perf_counter() - started

    started = time.perf_counter()
    context = TopicContext(topics, corpus.texts, model.topics_, load_model=lambda: model.bertopic_,
                           embedding=config.embedding)
    topics, labels_report = represent_topics(context, aspects, config.labels.resolved_display)
    seconds["labels"] = time.perf_counter() - started

    started = time.perf_counter()
    projections = project_embeddings(embeddings, config.projection, config.seed) if config.projection.enabled else {}
    seconds["project"] = time.perf_counter() - started

    run_name = check_name(name, 'run name') if name is not None else _default_name(corpus)
    run = TopicRun(
        documents=documents, topics=topics, config=config, embeddings=embeddings.astype(np.float32),
        topic_embeddings=model.topic_embeddings_, projections=projections,
        manifest={**_manifest(run_name, corpus, config, embedding_report, seconds, metrics, model),
                  "labels": labels_report},
        _model=model.bertopic_,
    )
    if save and output_dir is not None:
        run.save(Path(output_dir) / run_name)
    return run


def _embed(corpus: Corpus, config: RunConfig, embeddings: Optional[np.ndarray], progress: Optional[bool]) -> dict:
    if embeddings is not None:
        embeddings = np.asarray(embeddings)
        if embeddings.ndim != 2 or embeddings.shape[0] != len(corpus):
            raise EmbeddingError(
                f"The embeddings given have shape {embeddings.shape}, but the corpus has {len(corpus)} documents "
                f"after cleaning ({corpus.summary()}). Give one row per kept document, in order."
            )
        return {"model": {"backend": "precomputed", "dim": int(embeddings.shape[1])}, "n_documents": len(corpus)}
    vectors, report = embed_documents(corpus.texts, config.embedding, progress=progress)
    return {**report.to_dict(), "vectors": vectors}


def _bertopic_backend(config: RunConfig):
    from topiclab.embed.bertopic_adapter import BERTopicBackend

    return BERTopicBackend(resolve_embedder(config.embedding.model, config.embedding.device), config.embedding.batch_size)


def _tables(corpus: Corpus, model: TopicModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    documents = corpus.documents.copy()
    documents.insert(2, "topic", model.topics_.astype(int))
    documents.insert(3, "probability", model.probabilities_)
    documents.insert(4, "outlier_reassigned", (model.cluster_topics_ == OUTLIER) & (model.topics_ != OUTLIER))
    words = model.top_words()
    texts = corpus.texts
    rows = []
    for topic_id, size in documents["topic"].value_counts().sort_index().items():
        topic_words = words.get(int(topic_id), [])
        rows.append({
            "topic": int(topic_id),
            "size": int(size),
            "label": keyword_label(int(topic_id), [w for w, _ in topic_words]),
            "words": [w for w, _ in topic_words],
            "word_scores": [round(s, 6) for _, s in topic_words],
            "representative_docs": [texts[i] for i in model.representative_docs_.get(int(topic_id), [])],
        })
    return documents, pd.DataFrame(rows)


def _manifest(name: str, corpus: Corpus, config: RunConfig, embedding: dict, seconds: dict, metrics: dict,
              model: TopicModel) -> dict:
    return {
        "name": name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "config_hash": _hash(config.to_yaml()),
        "corpus": {
            "source": corpus.source,
            "text_col": corpus.text_col,
            "hash": _hash("\x1e".join(corpus.texts)),
            "n_input": corpus.n_input,
            "n_documents": len(corpus),
            "dropped": corpus.dropped,
        },
        "embedding": embedding,
        "hdbscan_min_cluster_size": config.hdbscan.resolved_min_cluster_size(len(corpus)),
        "outliers_before_reduction": int((model.cluster_topics_ == OUTLIER).sum()),
        "metrics": metrics,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _default_name(corpus: Corpus) -> str:
    stem = Path(corpus.source).stem if corpus.source not in ("DataFrame", "list of strings") else "corpus"
    return slugify(stem)
