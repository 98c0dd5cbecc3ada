"""The topic model as a scikit-learn estimator: embed -> neighbour graph -> UMAP -> cluster layers ->
topics by neighbour vote -> c-TF-IDF words.

`TopicModel(config)` only stores its settings (checked at fit); `fit` learns a `TopicState` into `state_`,
whose parts read as the usual attributes ending in `_`; `predict`/`transform` give new documents topics by
the same rule the fit used for the documents it did not cluster, so they agree with it; `partial_fit` adds
documents to a fitted model (online), keeping topic ids and creating topics for documents that fit none.
`save`/`load` keep the state as JSON and arrays, never pickles. Texts are passed in (c-TF-IDF needs them);
embeddings are computed through the cache when not given. The fit's steps are in `steps.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.validation import check_is_fitted

from topiclab.config import RunConfig, flatten
from topiclab.errors import ConfigError, TopicLabError
from topiclab.pipeline import guidance, steps
from topiclab.pipeline.cluster import Layers
from topiclab.pipeline.edits import reduce_topics
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.online import add_documents
from topiclab.pipeline.predictor import Assignment
from topiclab.pipeline.reduce import ReductionCache
from topiclab.pipeline.state import load_state, save_state
from topiclab.pipeline.topic_state import FitLayout, TopicState
from topiclab.pipeline.words import TermCounts
from topiclab.progress import Stopwatch, stage, wanted

MIN_DOCUMENTS = steps.MIN_DOCUMENTS
#: Share of fitted documents whose nearest neighbour is less similar than the novelty threshold.
NOVELTY_QUANTILE = 0.05


class NotFittedError(TopicLabError, SklearnNotFittedError):
    """The model is used before `fit` (scikit-learn's NotFittedError too; kept here, not in errors.py, so
    that importing topiclab's errors does not import scikit-learn)."""


def _learned(name: str) -> property:
    """A learned attribute, read from the fitted state: scikit-learn's `name_` for `state_.name`."""
    return property(lambda model: getattr(model.state_, name), doc=f"`state_.{name}` (read-only).")


class TopicModel(BaseEstimator):
    """Topics of embedded documents.

    Parameters: `config` (a RunConfig, or a dict of its sections, checked at fit; its umap, clustering,
    vectorizer, topics, compute, embedding and seed settings apply), `embedder` (an object with `encode`, a
    model name, or None: `config.embedding.model` through the cache), `progress` (bars per stage; None: for
    large corpora).

    Learned: `state_` (a `TopicState`), read through `topics_`, `probabilities_`, `assigned_by_` per fitted
    document; `topic_ids_`, `topic_sizes_`, `topic_words_`, `topic_names_`, `topic_embeddings_`,
    `representative_docs_`, `lineage_` per topic; `layers_` (clusterings of the documents at
    `layer_positions_`, finest first), `level_` (the one chosen) and `level_votes_` (the topic counts other
    layouts chose), `reference_` (the voters for new documents), `term_counts_`, `fit_sample_` (the documents
    the reduction was fitted on), `stage_seconds_`, `updates_`. Fit-time only (not saved): `state_.layout`
    (graph, coordinates and each document's nearest reference documents), which lays out document maps.
    """

    topics_ = _learned("topics")
    probabilities_ = _learned("probabilities")
    assigned_by_ = _learned("assigned_by")
    topic_ids_ = _learned("topic_ids")
    topic_sizes_ = _learned("topic_sizes")
    topic_words_ = _learned("topic_words")
    topic_names_ = _learned("topic_names")
    topic_kinds_ = _learned("topic_kinds")
    topic_embeddings_ = _learned("topic_embeddings")
    representative_docs_ = _learned("representative_docs")
    lineage_ = _learned("lineage")
    layers_ = _learned("layers")
    level_ = _learned("level")
    level_votes_ = _learned("level_votes")
    layer_positions_ = _learned("layer_positions")
    fit_sample_ = _learned("fit_sample")
    reference_ = _learned("reference")
    term_counts_ = _learned("term_counts")
    ctfidf_ = _learned("ctfidf")
    seed_matches_ = _learned("seed_matches")
    zero_shot_vectors_ = _learned("zero_shot_vectors")
    zero_shot_names_ = _learned("zero_shot_names")
    novelty_threshold_ = _learned("novelty_threshold")
    n_documents_ = _learned("n_documents")
    updates_ = _learned("updates")
    stage_seconds_ = _learned("stage_seconds")

    def __init__(self, config: Union[RunConfig, Mapping, None] = None, embedder=None, progress: Optional[bool] = None):
        self.config = config
        self.embedder = embedder
        self.progress = progress

    # ------------------------------------------------------------------ scikit-learn parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters; with `deep`, every setting too as `config__section__key` (none while `config`
        is not valid: that is reported at fit, as scikit-learn expects)."""
        params = super().get_params(deep=False)
        if deep:
            try:
                settings = flatten(self.settings.to_dict())
            except ConfigError:
                settings = {}
            params.update({f"config__{key.replace('.', '__')}": value for key, value in settings.items()})
        return params

    def set_params(self, **params: Any) -> "TopicModel":
        settings = {key.removeprefix("config__").replace("__", "."): params.pop(key)
                    for key in list(params) if key.startswith("config__")}
        super().set_params(**params)
        if settings:
            self.config = self.settings.with_overrides(settings)
        return self

    @property
    def settings(self) -> RunConfig:
        """`config`, checked: None gives the defaults, a dict is validated (a ConfigError says what is wrong)."""
        if self.config is None or isinstance(self.config, RunConfig):
            return self.config or RunConfig()
        if isinstance(self.config, Mapping):
            return RunConfig.build(dict(self.config))
        raise ConfigError(f"TopicModel(config=...) takes a RunConfig or a dict of settings (sections such as "
                          f"umap, clustering, topics), not {type(self.config).__name__}.")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array, tags.input_tags.string = False, True  # a list of texts
        return tags

    # ------------------------------------------------------------------ fitting
    def fit(self, documents: Sequence[str], y: Optional[Sequence] = None, *,
            embeddings: Optional[np.ndarray] = None, partitions=None) -> "TopicModel":
        """Fit topics on `documents` (texts). `y` holds known topic labels for some documents (None or ''
        for the rest): semi-supervised topics; a label for every document gives supervised topics.

        `partitions` (a `topiclab.compute.Partitions` of the same documents, in order) runs the vote that gives
        every document its topic, and the term counts, on a Dask cluster, partition by partition; the reduction
        and clustering still run here on the fit sample, so the topics are the same as without it."""
        config = self.settings
        texts = [str(t) for t in documents]
        watch = Stopwatch()
        show = wanted(self.progress, len(texts))
        with watch("embed"):
            embeddings = self._embeddings(texts, embeddings)
        steps.check_inputs(texts, embeddings)
        unit = normalize(embeddings)
        n = len(texts)
        cache = ReductionCache.for_config(config)

        with watch("guidance"):
            plan, zero_shot_vectors = self._guidance(texts, unit, y, config)
            reduced_input = unit
            if config.topics.seed_words:
                matches = guidance.seed_matches(texts, config.topics.seed_words)
                plan.seed_matches = {i: int((matches == i).sum()) for i in range(len(config.topics.seed_words))}
                reduced_input = guidance.nudge(unit, matches, self._embed_words(
                    [" ".join(words) for words in config.topics.seed_words]))
        sample = steps.seeded_sample(np.arange(n), config.compute.fit_sample, config.seed)
        clusterable = sample  # named and labelled documents too: the granularity is the corpus's, not the rest's
        known = None if y is None else np.where(plan.fixed_by[sample] == "label", plan.fixed[sample], -1)
        with watch("neighbors"):
            graph, graph_key = steps.cached_graph(reduced_input[sample], config, cache, show)
        with watch("reduce"):
            coords = steps.cached_reduction(reduced_input[sample], graph, graph_key, known, config, cache, show)
        with watch("cluster"):
            in_sample = np.isin(sample, clusterable)
            if in_sample.sum() >= MIN_DOCUMENTS and (known is None or (known[in_sample] < 0).any()):
                with stage("Finding clusters", show):
                    layers = steps.cached_layers(coords[in_sample], graph_key, config, cache)
            else:  # nothing left to cluster: zero-shot names or known labels cover the corpus
                layers = Layers(np.full((1, len(clusterable)), -1, np.int32), np.zeros(1))
        with watch("votes"):  # other layouts' choices of level (none for a single layer or a fixed level)
            votes = [] if len(layers.labels) < 2 else steps.level_votes(
                reduced_input[sample], graph, graph_key, known, in_sample, reduced_input[clusterable], config, cache,
                show)
        clustering = {
            "layers": layers, "level": steps.choose_level(layers, reduced_input[clusterable], config, votes),
            "level_votes": votes, "layer_positions": clusterable, "fit_sample": sample,
            "zero_shot_vectors": zero_shot_vectors,
            "novelty_threshold": float(np.quantile(graph[1][:, 1], NOVELTY_QUANTILE)) if graph[1].shape[1] > 1
            else 0.0}
        with watch("assign"):
            seconds = self._finish(config, texts, embeddings, unit, plan, show, clustering, (graph, coords, graph_key),
                                   partitions)
        self.state_.stage_seconds = {**watch.seconds, **seconds}
        return self

    def _finish(self, config: RunConfig, texts: list[str], embeddings: np.ndarray, unit: np.ndarray,
                plan: guidance.Guidance, show: bool, clustering: dict, reduction: Optional[tuple],
                partitions=None) -> dict[str, float]:
        """Everything after the clustering, from the chosen layer: topics, the vote, words, vectors, into
        `state_`; `reduction` (graph, coordinates, cache key) is kept for maps. Returns the seconds per step."""
        watch = Stopwatch()
        with watch("assign"):
            topics, assigned_by = steps.topics_from_clusters(
                clustering["layers"].labels[clustering["level"]], clustering["layer_positions"], plan, unit)
            result, reference, counts = steps.assign_rest(unit, topics, assigned_by, clustering["fit_sample"], config,
                                                          show, partitions)
        with watch("words"):
            with stage("Topic words", show, total=1, unit="pass") as bar:
                if counts is None:
                    counts = TermCounts.from_documents(texts, result.topics, config.vectorizer,
                                                       ReductionCache.for_config(config))
                bar.update()
            kinds = dict(enumerate(plan.kinds))
            self.state_ = TopicState(
                result.topics, result.probabilities, result.assigned_by, counts, reference, **clustering,
                topic_names=dict(enumerate(plan.names)), topic_kinds=kinds, seed_matches=plan.seed_matches,
                layout=None if reduction is None else FitLayout(*reduction, result.neighbors, result.similarities))
            self.state_.refresh_words(config)
            self.state_.refresh_vectors(embeddings, config.topics.representative_docs)
            for topic in map(int, self.state_.topic_ids):
                self.state_.record_lineage(topic, [], kinds.get(topic, "fit"))
            self.state_.zero_shot_names = guidance.name_fitted_topics(plan, self.state_, config)
            if config.topics.nr_topics:
                reduce_topics(self, config.topics.nr_topics, texts, embeddings)
        return watch.seconds

    def set_level(self, level: Union[int, str], documents: Sequence[str], y: Optional[Sequence] = None, *,
                  embeddings: Optional[np.ndarray] = None) -> "TopicModel":
        """Topics from another layer of the fitted cluster tree ('auto': the granularity rule's choice), without
        re-embedding or re-reducing: `documents` (and `y`, `embeddings`) are the fitted ones."""
        self._check_fitted()
        old = self.state_
        texts = [str(t) for t in documents]
        if len(texts) != len(old.topics):
            raise ConfigError(f"set_level needs the {len(old.topics)} fitted documents, got {len(texts)}.")
        self.config = self.settings.with_overrides({"topics.level": level})
        config = self.settings
        embeddings = self._embeddings(texts, embeddings)
        unit = normalize(embeddings)
        plan, zero_shot_vectors = self._guidance(texts, unit, y, config)
        plan.seed_matches = old.seed_matches
        clustering = {"layers": old.layers, "level_votes": old.level_votes,
                      "level": steps.choose_level(old.layers, unit[old.layer_positions], config, old.level_votes),
                      "layer_positions": old.layer_positions, "fit_sample": old.fit_sample,
                      "zero_shot_vectors": zero_shot_vectors, "novelty_threshold": old.novelty_threshold}
        reduction = None if old.layout is None else (old.layout.graph, old.layout.coords, old.layout.reduction_key)
        self._finish(config, texts, embeddings, unit, plan, wanted(self.progress, len(texts)), clustering, reduction)
        self.state_.updates, self.state_.stage_seconds = old.updates, old.stage_seconds
        return self

    def fit_transform(self, documents: Sequence[str], y: Optional[Sequence] = None, *,
                      embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        """Fit, then each fitted document's topic distribution (see `transform`)."""
        if embeddings is None:
            embeddings = self._embeddings([str(t) for t in documents], None)
        return self.fit(documents, y, embeddings=embeddings).transform(documents, embeddings=embeddings)

    # ------------------------------------------------------------------ new documents
    def predict(self, documents: Sequence[str], *, embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        """Topic ids of documents (-1: outlier), by the fit's rule."""
        return self.assign(documents, embeddings=embeddings).topics

    def predict_proba(self, documents: Sequence[str], *, embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        return self.transform(documents, embeddings=embeddings)

    def transform(self, documents: Sequence[str], *, embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        """(n, len(topic_ids_)) share of each topic in each document's neighbour vote (rows sum to 1);
        zero-shot names count fully for documents that reach their threshold."""
        self._check_fitted()
        unit = normalize(self._embeddings([str(t) for t in documents], embeddings))
        return self.state_.distribution(unit, self.settings.topics)

    def assign(self, documents: Sequence[str], *, embeddings: Optional[np.ndarray] = None) -> Assignment:
        """Topics, probabilities and nearest reference documents of new documents."""
        self._check_fitted()
        unit = normalize(self._embeddings([str(t) for t in documents], embeddings))
        return self.state_.assign(unit, self.settings.topics)

    # ------------------------------------------------------------------ online
    def partial_fit(self, documents: Sequence[str], y: Optional[Sequence] = None, *,
                    embeddings: Optional[np.ndarray] = None) -> "TopicModel":
        """Add documents to a fitted model (fits it when it is not fitted yet). Existing topics keep their ids
        and grow; documents that fit no topic (less similar to every reference document than 95% of the fitted
        documents are to theirs) form new topics when enough of them cluster together. Every document gets
        a topic; `updates_` logs what each call did."""
        if not hasattr(self, "state_"):
            return self.fit(documents, y, embeddings=embeddings)
        texts = [str(t) for t in documents]
        embeddings = self._embeddings(texts, embeddings)
        add_documents(self, texts, embeddings, y)
        return self

    # ------------------------------------------------------------------ saving
    def save(self, path: Union[str, Path]) -> Path:
        self._check_fitted()
        return save_state(self.state_, self.settings, Path(path))

    @classmethod
    def load(cls, path: Union[str, Path], config: Optional[RunConfig] = None, embedder=None) -> "TopicModel":
        """A saved model; `config` replaces the saved settings' machine-specific parts (see RunConfig)."""
        state, config = load_state(Path(path), config)
        model = cls(config, embedder=embedder)
        model.state_ = state
        return model

    # ------------------------------------------------------------------ internals
    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self, "state_")
        except SklearnNotFittedError:
            raise NotFittedError("This TopicModel is not fitted yet: call fit(documents) first.") from None

    def _embeddings(self, texts: list[str], embeddings: Optional[np.ndarray]) -> np.ndarray:
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
                raise TopicLabError(f"The embeddings have shape {embeddings.shape} but there are {len(texts)} "
                                    "documents: give one embedding row per document, in order.")
            return embeddings
        from topiclab.embed import embed_documents

        vectors, _ = embed_documents(texts, self.settings.embedding, embedder=self._embedder(),
                                     progress=wanted(self.progress, len(texts)))
        fitted = self.state_.reference.vectors.shape[1] if hasattr(self, "state_") else vectors.shape[1]
        if vectors.shape[1] != fitted:
            raise TopicLabError(f"The embedding model gives {vectors.shape[1]} dimensions but this model was fitted "
                                f"on {fitted}: embed with the model it was fitted with (embedding.model).")
        return vectors

    def _embedder(self):
        if self.embedder is None or not isinstance(self.embedder, str):
            return self.embedder
        from topiclab.embed import resolve_embedder

        config = self.settings.embedding
        return resolve_embedder(self.embedder, config.device, config.precision, config.cache_dir)

    def _embed_words(self, phrases: list[str]) -> np.ndarray:
        return normalize(self._embeddings(phrases, None))

    def _guidance(self, texts: list[str], unit: np.ndarray, y: Optional[Sequence],
                  settings: RunConfig) -> tuple[guidance.Guidance, Optional[np.ndarray]]:
        """What zero-shot names and known labels fix before clustering, and the names' vectors."""
        config = settings.topics
        plan = guidance.Guidance(fixed=np.full(len(texts), -1, np.int64), fixed_by=np.full(len(texts), "", object))
        zero_shot_vectors = guidance.plan_zero_shot(plan, unit, config.zero_shot, self._embed_words(config.zero_shot),
                                                    config.zero_shot_threshold, settings.clustering.smallest_cluster) \
            if config.zero_shot else None
        if y is not None:
            if len(y) != len(texts):
                raise ConfigError(f"{len(y)} known labels were given for {len(texts)} documents: give one per "
                                  "document (empty where unknown).")
            codes, names = guidance.known_labels(y)
            if not names:
                raise ConfigError("The label column holds no labels: every value is empty. Label some documents, "
                                  "or leave label_col unset.")
            lookup = {name.lower(): i for i, name in enumerate(plan.names)}
            ids = []
            for name in names:  # a label that repeats a zero-shot name shares its topic
                if name.lower() not in lookup:
                    lookup[name.lower()] = len(plan.names)
                    plan.names.append(name)
                    plan.kinds.append("label")
                ids.append(lookup[name.lower()])
            ids = np.asarray(ids)
            labelled = codes >= 0
            plan.fixed[labelled], plan.fixed_by[labelled] = ids[codes[labelled]], "label"
        return plan, zero_shot_vectors
