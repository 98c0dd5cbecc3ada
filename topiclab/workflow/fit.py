"""Corpus in, saved run out: the function the CLI, notebooks and reports call to fit.

`fit_run` strings the layers together (corpus -> embed -> pipeline -> results -> represent) and records
what each stage did and how long it took in the run's manifest. Fitting into the folder of an earlier run
carries its hand-set labels and edits over to the matching new topics (see `carry.py`).
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

from topiclab.clusterers import CLUSTERERS
from topiclab.compute import partitioned
from topiclab.config import RunConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.corpus.readers import CorpusSource
from topiclab.embed import embed_documents
from topiclab.errors import EmbeddingError, RunError
from topiclab.files import check_name, slugify
from topiclab.metrics import run_metrics
from topiclab.options import ConfigLike, resolve_config
from topiclab.progress import Stopwatch, stage, wanted
from topiclab.represent import TopicContext, configured_hierarchy, make_aspects, represent_topics
from topiclab.results import TopicRun, load_run
from topiclab.workflow import tables

_PACKAGES = ("umap-learn", "hdbscan", "evoc", "pynndescent", "sentence-transformers", "scikit-learn",
             "numpy", "pandas", "torch", "wordllama", "onnxruntime", "plotly")


def fit_run(source: Union[CorpusSource, Corpus], config: ConfigLike = None, *, embeddings: Optional[np.ndarray] = None,
            output_dir: Union[str, Path, None] = "outputs", name: Optional[str] = None,
            path: Union[str, Path, None] = None, save: bool = True, progress: Optional[bool] = None,
            **settings: Any) -> TopicRun:
    """Fit topics on a corpus and (by default) save the run to `output_dir/name` (or `path` when given).

    `embeddings` may hold vectors computed elsewhere, one row per document after cleaning. Settings: see
    `resolve_config`. A run already saved at `output_dir/name` gives its hand-set labels and edits to the
    matching new topics; the manifest's `carried` section says which and what could not be placed.
    """
    from topiclab.pipeline import TopicModel
    from topiclab.pipeline.projection import project
    from topiclab.pipeline.reduce import ReductionCache
    from topiclab.pipeline.warmup import warm_up

    config = resolve_config(config, **settings)
    aspects = make_aspects(config)  # a missing API key variable or GGUF file fails now, not after the fit
    watch = Stopwatch()
    with watch("load"):
        corpus = source if isinstance(source, Corpus) else load_corpus(source, config.corpus, seed=config.seed)
    run_name = check_name(name, "run name") if name is not None else _default_name(corpus)
    show = wanted(progress, len(corpus))
    with watch("compile"):
        warm_up(show=progress is not False)  # minutes once per machine: a bar even for a small corpus
    compute = {}
    with partitioned(corpus.texts, config.compute, show) as partitions:  # None without compute.scheduler
        with watch("embed"):
            embedding_report = _embed(corpus, config, embeddings, show, partitions)
            embeddings = embedding_report.pop("vectors")

        labels = corpus.documents["label"].tolist() if "label" in corpus.documents else None
        model = TopicModel(config, progress=show).fit(corpus.texts, labels, embeddings=embeddings,
                                                      partitions=partitions)
        watch.seconds.update({k: v for k, v in model.stage_seconds_.items() if k != "embed"})  # embedded above
        if partitions is not None:
            compute = {"compute": partitions.summary()}

    projections = {}
    if config.projection.enabled:
        with watch("project"):
            cache = ReductionCache.for_config(config)
            unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
            projections = project(model, unit, config.projection, config.seed, cache, show)

    run = TopicRun(
        documents=tables.document_table(corpus.documents, model),
        topics=tables.topic_table(model, corpus.texts),
        config=config, embeddings=embeddings.astype(np.float32), projections=projections,
        levels=tables.level_table(model), manifest={}, model=model,
    )
    run.topic_embeddings = tables.topic_embeddings(model, run.topics)
    with watch("labels"), stage("Topic labels", show and bool(aspects)):
        context = TopicContext(run.topics, load_model=lambda: model, embedding=config.embedding, texts=corpus.texts)
        run.topics, labels_report = represent_topics(context, aspects, config.labels.resolved_display,
                                                     skip_mismatched=embedding_report["model"].get("backend") == "precomputed")
    with watch("metrics"):
        with stage("Quality metrics", show):
            metrics = run_metrics(run.documents["topic"].to_numpy(), tables.non_outlier_words(run.topics),
                                  corpus.texts, corpus.documents["class"].tolist() if corpus.has_classes else None,
                                  cache=ReductionCache.for_config(config))
    run.manifest = {**manifest(run_name, corpus, config, embedding_report, watch.seconds, metrics, model),
                    "labels": labels_report, **compute}
    destination = None
    if save:
        destination = Path(path) if path is not None else Path(output_dir) / run_name if output_dir else None
    if destination is not None and (destination / "manifest.json").exists():
        from topiclab.workflow.carry import carry_over

        carry_over(_previous(destination), run)
    with watch("labels"):  # parents are named from their children's names, hand-set ones included
        context.topics = run.topics
        run.hierarchy = configured_hierarchy(run.topics, run.topic_embeddings, context, config)
    if destination is not None:
        with watch("save"), stage(f"Saving the run to {destination}", show):
            run.save(destination)
        run.manifest["seconds"] = {k: round(v, 3) for k, v in watch.seconds.items()}
    return run


def manifest(name: str, corpus: Corpus, config: RunConfig, embedding: dict, seconds: dict, metrics: dict,
             model) -> dict:
    sample = len(model.fit_sample_)
    return {
        "name": name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "config_hash": text_hash(config.to_yaml()),
        "corpus": {
            "source": corpus.source,
            "text_col": corpus.text_col,
            "hash": text_hash("\x1e".join(corpus.texts)),
            "n_input": corpus.n_input,
            "n_documents": len(corpus),
            "dropped": corpus.dropped,
        },
        "embedding": embedding,
        "clustering": {
            "method": config.clustering.method,
            "ran": f"UMAP to {config.umap.n_components} dimensions, then {CLUSTERERS[config.clustering.method].summary}",
            "fit_sample": sample,
            "sampled": sample < len(corpus),
            "note": (f"UMAP and clustering were fitted on a seeded sample of {sample:,} of {len(corpus):,} "
                     "documents; the others took the topic of their nearest sampled documents (neighbour vote)."
                     if sample < len(corpus) else "every document was in the fit"),
            "levels": model.layers_.n_topics,
            "level": int(model.level_),
            "level_votes": [int(count) for count in model.level_votes_],
            "reference_documents": int(len(model.reference_.topics)),
            "assigned_by": {key: int((model.assigned_by_ == key).sum()) for key in np.unique(model.assigned_by_)},
            "seed_words_matched": {str(k): v for k, v in model.seed_matches_.items()},
            "zero_shot": model.zero_shot_names_,
        },
        "outliers_before_reduction": int((model.layers_.labels[model.level_] < 0).sum()),
        "metrics": metrics,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "versions": versions(),
    }


def versions() -> dict[str, str]:
    """The versions that produced a run; topiclab's is the running code's (`topiclab.__version__`, which
    pyproject.toml reads too), so a checkout run from its folder is not recorded as the installed copy."""
    from topiclab import __version__

    found = {"python": platform.python_version(), "topiclab": __version__}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _embed(corpus: Corpus, config: RunConfig, embeddings: Optional[np.ndarray], show: bool, partitions=None) -> dict:
    """Vectors and what embedding did; with `partitions` embedded on the Dask workers (or, when given, stored
    there for the topic assignment)."""
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or embeddings.shape[0] != len(corpus):
            raise EmbeddingError(
                f"The embeddings given have shape {embeddings.shape}, but the corpus has {len(corpus)} documents "
                f"after cleaning ({corpus.summary()}). Give one row per kept document, in order."
            )
        if partitions is not None:
            partitions.store_vectors(embeddings)
        return {"model": {"backend": "precomputed", "dim": int(embeddings.shape[1])}, "n_documents": len(corpus),
                "vectors": embeddings}
    started = time.perf_counter()
    if partitions is not None:
        vectors, report = partitions.embed(config.embedding)
    else:
        vectors, report = embed_documents(corpus.texts, config.embedding, progress=show)
    report.seconds = round(time.perf_counter() - started, 3)
    return {**report.to_dict(), "vectors": vectors}


def _previous(destination: Path) -> Optional[TopicRun]:
    try:
        return load_run(destination, arrays=False)  # the edits to carry over live in its tables and manifest
    except RunError:
        return None  # a damaged or older run: nothing to carry, and saving replaces it


def _default_name(corpus: Corpus) -> str:
    stem = Path(corpus.source).stem if corpus.source not in ("DataFrame", "list of strings") else "corpus"
    return slugify(stem)
