"""BERTopic models in and out: a BERTopic model becomes a saved topiclab run, a run becomes a BERTopic folder.

`from_bertopic` keeps the model's own topics, assignments, words, custom labels (as hand-set labels),
aspects and topic embeddings; topiclab adds what it has on every run: document vectors for the map and
`assign`, the neighbour vote, term counts for edits, label aspects, metrics, and the manifest's record of
where everything came from. Outliers stay -1 unless `reassign_outliers`. The model is a saved folder
(never a pickle, see `bertopic_files`) or a fitted BERTopic object.

The way out is `bertopic_export.py`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from topiclab.config import RunConfig, VectorizerConfig, looks_like_path
from topiclab.corpus import Corpus, load_corpus
from topiclab.corpus.readers import CorpusSource
from topiclab.embed import embed_documents, loads_offline
from topiclab.errors import CorpusError, EmbeddingError
from topiclab.files import slugify
from topiclab.interop.bertopic_files import SavedBERTopic, canonical_name, from_live, read_model_dir, unnumbered
from topiclab.metrics import run_metrics
from topiclab.options import ConfigLike, resolve_config
from topiclab.progress import Stopwatch, stage, wanted
from topiclab.represent import TopicContext, configured_hierarchy, make_aspects, represent_topics
from topiclab.results import OUTLIER, TopicRun
from topiclab.workflow import tables
from topiclab.workflow.fit import manifest

ModelLike = Union[str, Path, SavedBERTopic, Any]
_VECTORIZER_KEYS = ("ngram_range", "stop_words", "min_df", "max_features")


def read_bertopic(bertopic_model: ModelLike) -> SavedBERTopic:
    """A saved BERTopic folder, a fitted BERTopic object, or already-read data, as `SavedBERTopic`."""
    if isinstance(bertopic_model, SavedBERTopic):
        return bertopic_model
    if isinstance(bertopic_model, (str, Path)):
        return read_model_dir(bertopic_model)
    return from_live(bertopic_model)


def bertopic_settings(saved: SavedBERTopic, reassign_outliers: bool = False) -> dict[str, Any]:
    """The settings an imported run gets from its model (dotted keys): the embedding model when topiclab has it
    offline by name (a path saved in the folder is not followed: name it yourself), the words per topic, the
    CountVectorizer's settings, and how outliers are treated. The corpus is read whole and in order (no
    sample, no de-duplication): it must be the fitted documents."""
    settings: dict[str, Any] = {"corpus.sample": None, "corpus.dedupe": False,
                                "topics.outlier_reduction": "neighbors" if reassign_outliers else "none"}
    named = saved.embedding_model
    if named and loads_offline(named) and not looks_like_path(named):  # a path in a model folder is not followed
        settings["embedding.model"] = named
    top_n = saved.settings.get("top_n_words")
    if isinstance(top_n, int) and 3 <= top_n <= 50:
        settings["topics.top_n_words"] = top_n
    vectorizer = {key: saved.vectorizer[key] for key in _VECTORIZER_KEYS if key in saved.vectorizer}
    try:
        VectorizerConfig(**vectorizer)
        settings.update({f"vectorizer.{key}": value for key, value in vectorizer.items()})
    except ValueError:  # e.g. a custom tokenizer or a min_df topiclab cannot express: its own defaults then
        pass
    return settings


def from_bertopic(bertopic_model: ModelLike, documents: Union[CorpusSource, Corpus],
                  embeddings: Optional[np.ndarray] = None, *, reassign_outliers: bool = False,
                  config: ConfigLike = None, output_dir: Union[str, Path, None] = "outputs", name: Optional[str] = None,
                  path: Union[str, Path, None] = None, save: bool = True, progress: Optional[bool] = None,
                  **settings: Any) -> TopicRun:
    """A topiclab run of a BERTopic model and the documents it was fitted on (same order), saved to
    `output_dir/name` (or `path`) unless `save=False`.

    `bertopic_model`: a folder saved with serialization="safetensors" or "pytorch", or a fitted BERTopic.
    `embeddings`: the documents' vectors (those BERTopic was fitted with); else they are embedded with the
    model's embedding model when topiclab has it offline (all-MiniLM-L6-v2, wordllama, a local folder), or
    with the one named in settings (`model="..."`). Other settings as `fit_run` (e.g. `text_col="body"`)."""
    saved = read_bertopic(bertopic_model)
    named = config is not None or bool({"model", "embedding.model", "embedding"} & set(settings))
    config = resolve_config(config, **{**bertopic_settings(saved, reassign_outliers), **settings})
    own_model = _own_embedding_model(saved, config, embeddings, named)
    watch = Stopwatch()
    with watch("load"):
        corpus = documents if isinstance(documents, Corpus) else load_corpus(documents, config.corpus, seed=config.seed)
    _check_documents(corpus, saved)
    show = wanted(progress, len(corpus))
    with watch("embed"):
        vectors, embedding_report = _embed(corpus, config, embeddings, show)
    topic_vectors = _topic_vectors(saved, vectors) if own_model else None
    with watch("assign"):
        from topiclab.pipeline.assigned import model_from_topics

        model = model_from_topics(config, corpus.texts, vectors, saved.topics, words=saved.words,
                                  topic_vectors=topic_vectors, reassign_outliers=reassign_outliers)
    run = _run(model, corpus, config, vectors, _projections(model, vectors, config, watch, show))
    with watch("labels"), stage("Topic labels", show):
        run.topics, labels_report = _labelled_topics(run, model, saved, embedding_report)
    run.topic_embeddings = tables.topic_embeddings(model, run.topics)
    with watch("metrics"):
        metrics = run_metrics(run.documents["topic"].to_numpy(), tables.non_outlier_words(run.topics), corpus.texts,
                              corpus.documents["class"].tolist() if corpus.has_classes else None)
    run_name = name or slugify(Path(saved.source.get("path", "bertopic")).name, "bertopic")
    run.manifest = {**manifest(run_name, corpus, config, embedding_report, watch.seconds, metrics, model),
                    "labels": labels_report}
    run.manifest["clustering"]["note"] = "topics, assignments and words from a BERTopic model (imported)"
    run.manifest["bertopic"] = _provenance(saved, config, embedding_report, own_model, topic_vectors, model)
    _keep_custom_labels(run, saved)
    with watch("labels"):  # the groups the map names zoomed out, named after the topics' final labels
        context = TopicContext(run.topics, load_model=lambda: model, embedding=config.embedding, texts=corpus.texts)
        run.hierarchy = configured_hierarchy(run.topics, run.topic_embeddings, context, config)
    if save:
        destination = Path(path) if path is not None else Path(output_dir or ".") / run_name
        run.save(destination)
    return run


def _run(model, corpus: Corpus, config: RunConfig, vectors: np.ndarray, projections: dict) -> TopicRun:
    return TopicRun(documents=tables.document_table(corpus.documents, model),
                    topics=tables.topic_table(model, corpus.texts), config=config, embeddings=vectors,
                    projections=projections, levels=tables.level_table(model), manifest={}, model=model)


def _keep_custom_labels(run: TopicRun, saved: SavedBERTopic) -> None:
    """BERTopic's custom labels are set by hand: they become the run's hand-set labels (those that differ
    from the label topiclab shows anyway), which edits, updates and re-fits keep."""
    computed = run.topic_labels
    for topic, label in saved.custom_labels.items():
        if topic in computed and topic != OUTLIER and label not in (computed[topic], unnumbered(computed[topic])):
            run.set_label(topic, label)


def _own_embedding_model(saved: SavedBERTopic, config: RunConfig, embeddings: Optional[np.ndarray],
                         model_named: bool) -> bool:
    """Whether the document vectors are the ones BERTopic used (so its topic embeddings share their space):
    given by the caller, or made by the model's own embedding model. Raises when the model's own cannot be
    loaded offline and the caller named no other (`model_named`)."""
    if embeddings is not None:
        return True
    named = saved.embedding_model
    if named and canonical_name(config.embedding.model) == canonical_name(named):
        return True
    if named and not model_named:
        raise EmbeddingError(f"The BERTopic model names the embedding model {named!r}, which topiclab does not load "
                             "by itself (it is not available offline, or it is a path saved in the model folder). "
                             "Name the model (--model all-MiniLM-L6-v2, --model wordllama, or a local folder), or "
                             "pass the document vectors (embeddings=...).")
    return False


def _check_documents(corpus: Corpus, saved: SavedBERTopic) -> None:
    if len(corpus) != len(saved.topics):
        dropped = "; ".join(f"dropped {n:,} {why}" for why, n in corpus.dropped.items() if n)
        raise CorpusError(f"The BERTopic model holds topics for {len(saved.topics):,} documents, the corpus has "
                          f"{len(corpus):,}{f' ({dropped})' if dropped else ''}. Give the documents the model was "
                          "fitted on, in the same order, as one text column.")


def _embed(corpus: Corpus, config: RunConfig, embeddings: Optional[np.ndarray], show: bool) -> tuple[np.ndarray, dict]:
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(corpus):
            raise EmbeddingError(f"The embeddings have shape {embeddings.shape}; give one row per document "
                                 f"({len(corpus):,}), in order.")
        return embeddings, {"model": {"backend": "precomputed", "dim": int(embeddings.shape[1])},
                            "n_documents": len(corpus)}
    started = time.perf_counter()
    vectors, report = embed_documents(corpus.texts, config.embedding, progress=show)
    report.seconds = round(time.perf_counter() - started, 3)
    return vectors.astype(np.float32), report.to_dict()


def _topic_vectors(saved: SavedBERTopic, vectors: np.ndarray) -> Optional[dict[int, np.ndarray]]:
    """BERTopic's topic embeddings by topic id, when they have one row per topic in the documents' space."""
    rows = saved.topic_embeddings
    if rows is None or rows.shape != (len(saved.topic_ids), vectors.shape[1]):
        return None
    return dict(zip(saved.topic_ids, rows))


def _projections(model, vectors: np.ndarray, config: RunConfig, watch: Stopwatch, show: bool) -> dict:
    if not config.projection.enabled:
        return {}
    from topiclab.pipeline.projection import project_saved
    from topiclab.pipeline.reduce import ReductionCache

    with watch("project"):
        return project_saved(model, vectors, config.projection, config.seed, ReductionCache.for_config(config), show)


def _labelled_topics(run: TopicRun, model, saved: SavedBERTopic, embedding_report: dict) -> tuple[pd.DataFrame, dict]:
    """The topic table with topiclab's configured aspects, then the BERTopic model's own aspects beside them
    (`words_<name>`; a written label as `label_llm`), which win where the names are the same."""
    context = TopicContext(run.topics, load_model=lambda: model, embedding=run.config.embedding,
                           texts=run.documents["text"].tolist())
    topics, report = represent_topics(context, make_aspects(run.config), run.config.labels.resolved_display,
                                      skip_mismatched=embedding_report["model"].get("backend") == "precomputed")
    ids = topics["topic"].astype(int).tolist()
    for aspect, values in saved.aspects.items():
        pairs = {int(t): _pairs(v) for t, v in values.items()}
        if all(len([w for w, _ in p if w]) <= 1 for p in pairs.values()) and any(" " in w for p in pairs.values()
                                                                                 for w, _ in p):
            topics["label_llm"] = [next((w for w, _ in pairs.get(t, []) if w), "") for t in ids]
            continue
        slug = re.sub(r"[^a-z0-9]+", "_", aspect.lower()).strip("_") or "aspect"
        topics[f"words_{slug}"] = [[w for w, _ in pairs.get(t, []) if w] for t in ids]
        topics[f"word_scores_{slug}"] = [[round(float(s), 6) for w, s in pairs.get(t, []) if w] for t in ids]
    report["bertopic_aspects"] = sorted(saved.aspects)
    return topics, report


def _pairs(value: Any) -> list[tuple[str, float]]:
    """An aspect's value for one topic as (word, score) pairs: BERTopic keeps pairs, or plain strings."""
    if isinstance(value, str):
        return [(value, 1.0)]
    pairs = []
    for item in value or []:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            pairs.append((str(item[0]), float(item[1]) if isinstance(item[1], (int, float)) else 0.0))
        elif isinstance(item, str):
            pairs.append((item, 1.0))
    return pairs


def _provenance(saved: SavedBERTopic, config: RunConfig, embedding_report: dict, own_model: bool,
                topic_vectors: Optional[dict], model) -> dict[str, Any]:
    """What the manifest says about the import: where each part of the run came from."""
    backend = embedding_report["model"].get("backend")
    return {
        "source": saved.source,
        "embedding_model": saved.embedding_model,
        "document_vectors": "given by the caller" if backend == "precomputed" else
                            f"embedded by topiclab with {config.embedding.model!r}"
                            + ("" if own_model else " (not the BERTopic model's own embedding model)"),
        "topics_and_assignments": "BERTopic's",
        "words": "BERTopic's topic representations",
        "topic_embeddings": "BERTopic's" if topic_vectors else "centroids of the document vectors (BERTopic's are "
                            "missing or in another embedding space)",
        "custom_labels": len(saved.custom_labels),
        "aspects": sorted(saved.aspects),
        "outliers": {"bertopic": int((saved.topics == OUTLIER).sum()),
                     "reassigned_by_topiclab": int(((saved.topics == OUTLIER) & (model.topics_ != OUTLIER)).sum())},
        "vectorizer": {key: config.vectorizer.model_dump(mode="json")[key] for key in _VECTORIZER_KEYS},
    }

