"""The topic model as a scikit-learn estimator: embed -> neighbour graph -> UMAP -> cluster layers ->
topics by neighbour vote -> c-TF-IDF words.

`TopicModel(config)` only stores its settings; `fit` learns everything into attributes ending in `_`;
`predict`/`transform` give new documents topics by the same rule the fit used for the documents it did
not cluster, so they agree with it; `partial_fit` adds documents to a fitted model (online), keeping topic
ids and creating topics for documents that fit none. `save`/`load` keep the state as JSON and arrays, never
pickles. Texts are passed in (c-TF-IDF needs them); embeddings are computed through the cache when not given.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
from sklearn.base import BaseEstimator

from topiclab.config import RunConfig, flatten
from topiclab.errors import ConfigError, TopicLabError
from topiclab.pipeline import MIN_DOCUMENTS, guidance
from topiclab.pipeline.cluster import Layers, cluster
from topiclab.pipeline.neighbors import nearest, normalize
from topiclab.pipeline.predictor import CANDIDATES_PER_VOTER, OUTLIER, Assignment, Candidates, Reference, decide
from topiclab.pipeline.reduce import ReductionCache, fingerprint, neighbor_graph, umap_layout
from topiclab.pipeline.words import TermCounts
from topiclab.progress import Stopwatch, stage, wanted

log = logging.getLogger(__name__)

#: Share of fitted documents whose nearest neighbour is less similar than the novelty threshold.
NOVELTY_QUANTILE = 0.05


class TopicModel(BaseEstimator):
    """Topics of embedded documents.

    Parameters: `config` (a RunConfig; its umap, clustering, vectorizer, topics, compute, embedding and seed
    settings apply), `embedder` (an object with `encode`, or None: `config.embedding.model` through the
    cache), `progress` (bars per stage; None: for large corpora).

    Learned: `topics_`, `probabilities_`, `assigned_by_` per fitted document; `topic_ids_`, `topic_sizes_`,
    `topic_words_`, `topic_names_`, `topic_embeddings_`, `representative_docs_`, `lineage_` per topic;
    `layers_` (clusterings of the documents at `layer_positions_`, finest first) and `level_` (the one
    chosen), `reference_` (the voters for new documents), `term_counts_`, `fit_sample_` (the documents the
    reduction was fitted on), `stage_seconds_`, `updates_`. Fit-time only (not saved): `graph_`, `coords_`,
    `neighbors_` (each document's nearest reference documents), used to lay out document maps.
    """

    def __init__(self, config: Optional[RunConfig] = None, embedder=None, progress: Optional[bool] = None):
        self.config = config
        self.embedder = embedder
        self.progress = progress

    # ------------------------------------------------------------------ scikit-learn parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters; with `deep`, every setting too as `config__section__key`."""
        params = super().get_params(deep=False)
        if deep:
            params.update({f"config__{key.replace('.', '__')}": value
                           for key, value in flatten(self._config.to_dict()).items()})
        return params

    def set_params(self, **params: Any) -> "TopicModel":
        settings = {key.removeprefix("config__").replace("__", "."): params.pop(key)
                    for key in list(params) if key.startswith("config__")}
        super().set_params(**params)
        if settings:
            self.config = self._config.with_overrides(settings)
        return self

    @property
    def _config(self) -> RunConfig:
        return self.config or RunConfig()

    # ------------------------------------------------------------------ fitting
    def fit(self, documents: Sequence[str], y: Optional[Sequence] = None, *,
            embeddings: Optional[np.ndarray] = None, partitions=None) -> "TopicModel":
        """Fit topics on `documents` (texts). `y` holds known topic labels for some documents (None or ''
        for the rest): semi-supervised topics; a label for every document gives supervised topics.

        `partitions` (a `topiclab.compute.Partitions` of the same documents, in order) runs the vote that gives
        every document its topic, and the term counts, on a Dask cluster, partition by partition; the reduction
        and clustering still run here on the fit sample, so the topics are the same as without it."""
        config = self._config
        texts = [str(t) for t in documents]
        watch = Stopwatch()
        show = wanted(self.progress, len(texts))
        with watch("embed"):
            embeddings = self._embeddings(texts, embeddings)
        _check_inputs(texts, embeddings)
        unit = normalize(embeddings)
        n = len(texts)
        cache = ReductionCache.for_config(config)

        with watch("guidance"):
            plan = self._guidance(texts, unit, y)
            reduced_input = unit
            if config.topics.seed_words:
                matches = guidance.seed_matches(texts, config.topics.seed_words)
                plan.seed_matches = {i: int((matches == i).sum()) for i in range(len(config.topics.seed_words))}
                reduced_input = guidance.nudge(unit, matches, self._embed_words(
                    [" ".join(words) for words in config.topics.seed_words]))
        sample = _seeded_sample(np.arange(n), config.compute.fit_sample, config.seed)
        clusterable = sample  # named and labelled documents too: the granularity is the corpus's, not the rest's
        known = None if y is None else np.where(plan.fixed_by[sample] == "label", plan.fixed[sample], -1)
        with watch("neighbors"):
            graph, graph_key = self._graph(reduced_input[sample], cache, show)
        with watch("reduce"):
            coords = self._reduce(reduced_input[sample], graph, graph_key, known, cache, show)
        with watch("cluster"):
            in_sample = np.isin(sample, clusterable)
            if in_sample.sum() >= MIN_DOCUMENTS and (known is None or (known[in_sample] < 0).any()):
                with stage("Finding clusters", show):
                    self.layers_ = self._layers(coords[in_sample], graph_key, cache)
            else:  # nothing left to cluster: zero-shot names or known labels cover the corpus
                self.layers_ = Layers(np.full((1, len(clusterable)), -1, np.int32), np.zeros(1))
        self.fit_sample_, self.layer_positions_ = sample, clusterable
        self.graph_, self.coords_, self.reduction_key_ = graph, coords, graph_key
        self.novelty_threshold_ = float(np.quantile(graph[1][:, 1], NOVELTY_QUANTILE)) if graph[1].shape[1] > 1 \
            else 0.0
        self.level_ = self._level(self.layers_, reduced_input[clusterable])
        with watch("assign"):
            self._finish(texts, embeddings, unit, plan, show, partitions)
        self.n_documents_ = n
        self.updates_ = []
        self.stage_seconds_ = {**watch.seconds, **self._finish_seconds}
        return self

    def _finish(self, texts: list[str], embeddings: np.ndarray, unit: np.ndarray, plan: guidance.Guidance,
                show: bool, partitions=None) -> None:
        """Everything after the clustering, from the chosen layer: topics, the vote, words, vectors."""
        watch = Stopwatch()
        with watch("assign"):
            topics, assigned_by = self._topics(self.layers_.labels[self.level_], self.layer_positions_, plan,
                                               len(texts))
            counts = self._assign_rest(unit, topics, assigned_by, self.fit_sample_, show, partitions)
        with watch("words"):
            self._describe(texts, embeddings, self.topics_, plan, show, counts)
            if self._config.topics.nr_topics:
                from topiclab.pipeline.edits import reduce_topics

                reduce_topics(self, self._config.topics.nr_topics, texts, embeddings)
        self._finish_seconds = watch.seconds

    def set_level(self, level: Union[int, str], documents: Sequence[str], y: Optional[Sequence] = None, *,
                  embeddings: Optional[np.ndarray] = None) -> "TopicModel":
        """Topics from another layer of the fitted cluster tree ('auto': the most persistent), without
        re-embedding or re-reducing: `documents` (and `y`, `embeddings`) are the fitted ones."""
        self._check_fitted()
        texts = [str(t) for t in documents]
        if len(texts) != len(self.topics_):
            raise ConfigError(f"set_level needs the {len(self.topics_)} fitted documents, got {len(texts)}.")
        self.config = self._config.with_overrides({"topics.level": level})
        embeddings = self._embeddings(texts, embeddings)
        unit = normalize(embeddings)
        self.level_ = self._level(self.layers_, unit[self.layer_positions_])
        plan = self._guidance(texts, unit, y)
        plan.seed_matches = self.seed_matches_
        self._finish(texts, embeddings, unit, plan, wanted(self.progress, len(texts)))
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
        keep = self._config.topics.outlier_reduction == "none"
        shares = self.reference_.distribution(unit, self.topic_ids_, keep_outliers=keep)
        named = self._zero_shot_of(unit)
        if named is not None:
            hit = named >= 0
            shares[hit] = 0.0
            shares[hit, np.searchsorted(self.topic_ids_, named[hit])] = 1.0
        return shares

    def assign(self, documents: Sequence[str], *, embeddings: Optional[np.ndarray] = None) -> Assignment:
        """Topics, probabilities and nearest reference documents of new documents."""
        self._check_fitted()
        unit = normalize(self._embeddings([str(t) for t in documents], embeddings))
        return self._predict_unit(unit)

    # ------------------------------------------------------------------ online
    def partial_fit(self, documents: Sequence[str], y: Optional[Sequence] = None, *,
                    embeddings: Optional[np.ndarray] = None) -> "TopicModel":
        """Add documents to a fitted model (fits it when it is not fitted yet). Existing topics keep their ids
        and grow; documents that fit no topic (less similar to every reference document than 95% of the fitted
        documents are to theirs) form new topics when enough of them cluster together. Every document gets
        a topic; `updates_` logs what each call did."""
        if not hasattr(self, "topic_ids_"):
            return self.fit(documents, y, embeddings=embeddings)
        from topiclab.pipeline.online import add_documents

        texts = [str(t) for t in documents]
        embeddings = self._embeddings(texts, embeddings)
        add_documents(self, texts, embeddings, y)
        return self

    # ------------------------------------------------------------------ saving
    def save(self, path: Union[str, Path]) -> Path:
        from topiclab.pipeline.state import save_model

        return save_model(self, Path(path))

    @classmethod
    def load(cls, path: Union[str, Path], config: Optional[RunConfig] = None, embedder=None) -> "TopicModel":
        """A saved model; `config` replaces the saved settings' machine-specific parts (see RunConfig)."""
        from topiclab.pipeline.state import load_model

        return load_model(Path(path), config=config, embedder=embedder)

    # ------------------------------------------------------------------ internals
    def _check_fitted(self) -> None:
        if not hasattr(self, "reference_"):
            raise TopicLabError("This TopicModel is not fitted yet: call fit(documents) first.")

    def _embeddings(self, texts: list[str], embeddings: Optional[np.ndarray]) -> np.ndarray:
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
                raise TopicLabError(f"The embeddings have shape {embeddings.shape} but there are {len(texts)} "
                                    "documents: give one embedding row per document, in order.")
            return embeddings
        from topiclab.embed import embed_documents

        vectors, _ = embed_documents(texts, self._config.embedding, embedder=self._embedder(),
                                     progress=wanted(self.progress, len(texts)))
        if hasattr(self, "reference_") and vectors.shape[1] != self.reference_.vectors.shape[1]:
            raise TopicLabError(f"The embedding model gives {vectors.shape[1]} dimensions but this model was fitted "
                                f"on {self.reference_.vectors.shape[1]}: embed with the model it was fitted with "
                                "(embedding.model).")
        return vectors

    def _embedder(self):
        if self.embedder is None or not isinstance(self.embedder, str):
            return self.embedder
        from topiclab.embed import resolve_embedder

        config = self._config.embedding
        return resolve_embedder(self.embedder, config.device, config.precision, config.cache_dir)

    def _embed_words(self, phrases: list[str]) -> np.ndarray:
        return normalize(self._embeddings(phrases, None))

    def _guidance(self, texts: list[str], unit: np.ndarray, y: Optional[Sequence]) -> guidance.Guidance:
        config = self._config.topics
        plan = guidance.Guidance(fixed=np.full(len(texts), -1, np.int64), fixed_by=np.full(len(texts), "", object))
        self.zero_shot_vectors_ = None
        if config.zero_shot:
            self.zero_shot_vectors_ = self._embed_words(config.zero_shot)
            named, _ = guidance.zero_shot(unit, self.zero_shot_vectors_, config.zero_shot_threshold)
            plan.names, plan.kinds = list(config.zero_shot), ["zero-shot"] * len(config.zero_shot)
            plan.fixed[named >= 0], plan.fixed_by[named >= 0] = named[named >= 0], "zero-shot"
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
        return plan

    def _graph(self, vectors: np.ndarray, cache: ReductionCache, show: bool):
        config = self._config
        key = {"stage": "graph", "vectors": fingerprint(vectors), "n_neighbors": config.umap.n_neighbors,
               "seed": config.seed, "version": 1}
        with stage(f"Neighbour graph of {len(vectors):,} documents", show):
            arrays = cache.get_or_compute(key, lambda: dict(zip(
                ("indices", "similarities"), neighbor_graph(vectors, config.umap.n_neighbors, config.seed))))
        return (arrays["indices"], arrays["similarities"]), key

    def _reduce(self, vectors: np.ndarray, graph, graph_key: dict, known: Optional[np.ndarray],
                cache: ReductionCache, show: bool) -> np.ndarray:
        config = self._config
        umap = config.umap
        key = {**graph_key, "stage": "reduce", "umap": umap.model_dump(mode="json"),
               "labels": None if known is None else fingerprint(known)}

        def compute():
            return {"coords": umap_layout(vectors, graph, umap.n_components, min_dist=umap.min_dist,
                                          n_epochs=umap.n_epochs or 200, init=umap.init, seed=config.seed,
                                          progress=show, target=known)}

        with stage(f"Reducing to {umap.n_components} dimensions", show and not config.compute.cache):
            return cache.get_or_compute(key, compute)["coords"]

    def _layers(self, coords: np.ndarray, graph_key: dict, cache: ReductionCache) -> Layers:
        """The cluster layers of the reduced coordinates, cached like the reduction they come from."""
        key = {**graph_key, "stage": "layers", "coords": fingerprint(coords),
               "clustering": self._config.clustering.method,
               "settings": self._config.clustering.method_settings.model_dump(mode="json")}
        arrays = cache.get_or_compute(key, lambda: vars(cluster(coords, self._config.clustering)))
        return Layers(arrays["labels"], arrays["persistence"])

    def _level(self, layers: Layers, unit_vectors: np.ndarray) -> int:
        level = self._config.topics.level
        if level == "auto":
            return layers.choose(unit_vectors)
        if level >= len(layers.labels):
            raise ConfigError(f"topics.level is {level}, but this corpus has {len(layers.labels)} layers "
                              f"(0 to {len(layers.labels) - 1}, with {layers.n_topics} topics).")
        return int(level)

    def _topics(self, clusters: np.ndarray, positions: np.ndarray, plan: guidance.Guidance, n: int):
        """Topic per document from the clusters (of the documents at `positions`) and the fixed documents;
        -1 where the vote must decide."""
        topics = np.full(n, OUTLIER, np.int64)
        assigned_by = np.full(n, "", object)
        label_of = np.where(np.isin(plan.fixed_by[positions], ("label", "zero-shot")), plan.fixed[positions], -1)
        clustered = guidance.clusters_to_topics(clusters, label_of, plan.n_named, label_offset=0)
        topics[positions] = clustered
        assigned_by[positions[clustered >= 0]] = "cluster"
        fixed = plan.fixed >= 0
        topics[fixed], assigned_by[fixed] = plan.fixed[fixed], plan.fixed_by[fixed]
        self.topic_names_ = {i: name for i, name in enumerate(plan.names)}
        self.topic_kinds_ = {i: kind for i, kind in enumerate(plan.kinds)}
        self.seed_matches_ = plan.seed_matches
        return topics, assigned_by

    def _assign_rest(self, unit: np.ndarray, topics: np.ndarray, assigned_by: np.ndarray, sample: np.ndarray,
                     show: bool, partitions=None) -> Optional[TermCounts]:
        """Reference from the decided documents; the vote for the others; honest probabilities for all. With
        `partitions` (see `fit`) the vote runs on the cluster, which also returns the term counts."""
        config = self._config
        in_sample = np.zeros(len(topics), bool)
        in_sample[sample] = True
        decided = np.flatnonzero((topics != OUTLIER) & in_sample)  # voters have map coordinates: all sampled
        keep = config.topics.outlier_reduction == "none"
        pool = np.union1d(decided, sample) if keep else decided
        if len(pool) == 0:
            raise TopicLabError("No topics were found: every document was left in no cluster. Lower "
                                "clustering.evoc.min_samples or give more documents.")
        candidate_pool = sample if len(sample) <= config.compute.reference_size else np.sort(
            np.random.default_rng(config.seed).choice(sample, config.compute.reference_size, replace=False))
        chosen = candidate_pool if keep else candidate_pool[topics[candidate_pool] != OUTLIER]
        self.reference_ = Reference(unit[chosen], topics[chosen], chosen, n_neighbors=config.umap.n_neighbors)
        centroids = None
        if config.topics.outlier_reduction == "centroids":
            ids = np.unique(topics[topics != OUTLIER])
            centroids = (ids, normalize(np.vstack([unit[topics == t].mean(axis=0) for t in ids])))
        rule = {"threshold": config.topics.outlier_threshold, "keep_outliers": keep, "centroids": centroids}
        counts = None
        if partitions is None:
            candidates = self._candidates(unit, candidate_pool, show)
            with stage("Topics by neighbour vote", show, total=len(unit), unit="doc") as bar:
                result = decide(self.reference_, unit, topics, assigned_by, in_sample, **rule, progress=bar.update,
                                candidates=candidates)
        else:  # the same rule, partition by partition on the cluster, with each partition's term counts
            result, counts = partitions.assign(self.reference_, topics, assigned_by, in_sample, rule,
                                               config.vectorizer)
        self.topics_, self.assigned_by_, self.probabilities_ = result.topics, result.assigned_by, result.probabilities
        self.neighbors_, self.neighbor_similarities_ = result.neighbors, result.similarities
        return counts

    def _candidates(self, unit: np.ndarray, pool: np.ndarray, show: bool) -> Candidates:
        """Every document's nearest pool documents (CANDIDATES_PER_VOTER times the vote's), cached by the
        embeddings and the pool: the pool is drawn without looking at topics, so re-fits and level changes
        find it here."""
        k = CANDIDATES_PER_VOTER * self._config.umap.n_neighbors
        key = {"stage": "candidates", "vectors": fingerprint(unit), "pool": fingerprint(pool), "k": k}

        def search() -> dict:
            with stage("Nearest reference documents", show, total=len(unit), unit="doc") as bar:
                indices, similarities = nearest(unit, unit[pool], k, progress=bar.update)
            return {"indices": indices.astype(np.int32), "similarities": similarities}  # rows of a pool < 2**31

        arrays = ReductionCache.for_config(self._config).get_or_compute(key, search)
        return Candidates(pool, arrays["indices"], arrays["similarities"])

    def _describe(self, texts: list[str], embeddings: np.ndarray, topics: np.ndarray, plan: guidance.Guidance,
                  show: bool, counts: Optional[TermCounts] = None) -> None:
        """Words, sizes, centroids, representative documents and lineage of every topic (`counts`: the term
        counts per topic when the cluster already summed them)."""
        with stage("Topic words", show, total=1, unit="pass") as bar:
            self.term_counts_ = counts if counts is not None else \
                TermCounts.from_documents(texts, topics, self._config.vectorizer, ReductionCache.for_config(self._config))
            bar.update()
        self.topic_ids_ = self.term_counts_.topic_ids.copy()
        self._refresh_words(changed=None)
        self._topic_vectors(embeddings)
        self.lineage_ = {int(t): {"from": [], "how": self.topic_kinds_.get(int(t), "fit")} for t in self.topic_ids_}

    def _refresh_words(self, changed: Optional[set[int]]) -> None:
        """c-TF-IDF, sizes, and the words of `changed` topics (all when None; the others keep theirs)."""
        config = self._config
        seed_words = tuple(w for words in config.topics.seed_words for w in words)
        self.ctfidf_ = self.term_counts_.ctfidf(config.vectorizer, len(self.topics_), seed_words,
                                                config.topics.seed_multiplier)
        words = self.term_counts_.top_words(self.ctfidf_, config.topics.top_n_words)
        old = getattr(self, "topic_words_", {})
        self.topic_words_ = {t: (words[t] if changed is None or t in changed or t not in old else old[t])
                             for t in map(int, self.topic_ids_)}
        self.topic_sizes_ = {int(t): int((self.topics_ == t).sum()) for t in self.topic_ids_}

    def _topic_vectors(self, embeddings: np.ndarray) -> None:
        """Centroids and the documents closest to them (`representative_docs_`), from every document."""
        unit = normalize(embeddings)
        centroids, representative = [], {}
        for topic in self.topic_ids_:
            members = np.flatnonzero(self.topics_ == topic)
            centroid = embeddings[members].mean(axis=0) if len(members) else np.zeros(embeddings.shape[1], np.float32)
            centroids.append(centroid)
            if len(members):
                closeness = unit[members] @ (centroid / max(np.linalg.norm(centroid), 1e-12))
                representative[int(topic)] = members[np.argsort(-closeness, kind="stable")][
                    :self._config.topics.representative_docs].tolist()
        self.topic_embeddings_ = np.vstack(centroids).astype(np.float32)
        self.representative_docs_ = representative

    def _zero_shot_of(self, unit: np.ndarray) -> Optional[np.ndarray]:
        if getattr(self, "zero_shot_vectors_", None) is None:
            return None
        named, _ = guidance.zero_shot(unit, self.zero_shot_vectors_, self._config.topics.zero_shot_threshold)
        return named

    def _predict_unit(self, unit: np.ndarray) -> Assignment:
        config = self._config
        centroids = None
        if config.topics.outlier_reduction == "centroids":
            keep = self.topic_ids_ != OUTLIER
            centroids = (self.topic_ids_[keep], normalize(self.topic_embeddings_[keep]))
        result = self.reference_.assign(unit, threshold=config.topics.outlier_threshold,
                                        keep_outliers=config.topics.outlier_reduction == "none", centroids=centroids)
        named = self._zero_shot_of(unit)
        if named is not None:
            hit = named >= 0
            result.topics[hit] = named[hit]
            result.probabilities[hit] = 1.0
        return result


def _seeded_sample(positions: np.ndarray, size: int, seed: int) -> np.ndarray:
    if len(positions) <= size:
        return positions
    return np.sort(np.random.default_rng(seed).choice(positions, size, replace=False))


def _check_inputs(texts: list[str], embeddings: np.ndarray) -> None:
    if len(texts) < MIN_DOCUMENTS:
        raise TopicLabError(f"{len(texts)} documents are too few to find topics: give at least {MIN_DOCUMENTS}.")
    if not np.isfinite(embeddings).all():
        row = int(np.flatnonzero(~np.isfinite(embeddings).all(axis=1))[0])
        raise TopicLabError(f"Embedding row {row} holds NaN or infinite values; recompute the embeddings.")
