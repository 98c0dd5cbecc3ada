"""The fit's steps as functions of the settings, each cached where it is costly: the neighbour graph, the
UMAP reduction, the cluster layers, the level votes of other layouts, the choice of layer, topics from
clusters and guidance, the neighbour vote that gives the other documents their topics, and the clustering
of a subset of documents (a topic being split, documents an update found novel). `TopicModel.fit` strings
them together; maps and edits reuse them.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from topiclab.config import RunConfig
from topiclab.errors import ConfigError, TopicLabError
from topiclab.pipeline import guidance
from topiclab.pipeline.cluster import Layers, cluster
from topiclab.pipeline.neighbors import nearest, normalize
from topiclab.pipeline.predictor import CANDIDATES_PER_VOTER, OUTLIER, Candidates, Decided, Reference, decide
from topiclab.pipeline.reduce import ReductionCache, fingerprint, neighbor_graph, umap_layout
from topiclab.pipeline.words import TermCounts
from topiclab.progress import stage

#: Fewer documents than this cannot form topics.
MIN_DOCUMENTS = 20
#: The level votes' layouts use the fit's seed plus this times their number.
VOTE_SEED_STEP = 100
#: `topics.level_votes: auto` has this many layouts vote on samples of up to VOTED_SAMPLE documents, else one:
#: four more layouts add 7 s to a cold fit of 3,000 titles and 21 s to 20 Newsgroups' 18,846 documents (1.44x,
#: 1.06x), while two more added 63% to a cold fit of a 50,000-document sample (WordNet; bench_speed.py).
AUTO_VOTES, VOTED_SAMPLE = 5, 20_000


def check_inputs(texts: list[str], embeddings: np.ndarray) -> None:
    if len(texts) < MIN_DOCUMENTS:
        raise TopicLabError(f"{len(texts)} documents are too few to find topics: give at least {MIN_DOCUMENTS}.")
    if not np.isfinite(embeddings).all():
        row = int(np.flatnonzero(~np.isfinite(embeddings).all(axis=1))[0])
        raise TopicLabError(f"Embedding row {row} holds NaN or infinite values; recompute the embeddings.")


def seeded_sample(positions: np.ndarray, size: int, seed: int) -> np.ndarray:
    if len(positions) <= size:
        return positions
    return np.sort(np.random.default_rng(seed).choice(positions, size, replace=False))


def cached_graph(vectors: np.ndarray, config: RunConfig, cache: ReductionCache, show: bool):
    """The neighbour graph of `vectors` (indices, similarities) and its cache key, which later steps extend."""
    key = {"stage": "graph", "vectors": fingerprint(vectors), "n_neighbors": config.umap.n_neighbors,
           "seed": config.seed, "version": 1}
    with stage(f"Neighbour graph of {len(vectors):,} documents", show):
        arrays = cache.get_or_compute(key, lambda: dict(zip(
            ("indices", "similarities"), neighbor_graph(vectors, config.umap.n_neighbors, config.seed))))
    return (arrays["indices"], arrays["similarities"]), key


def cached_reduction(vectors: np.ndarray, graph, graph_key: dict, known: Optional[np.ndarray], config: RunConfig,
                     cache: ReductionCache, show: bool) -> np.ndarray:
    """UMAP coordinates of `vectors` on their graph (`known`: labels that guide it, -1 where unknown)."""
    umap = config.umap
    key = {**graph_key, "stage": "reduce", "umap": umap.model_dump(mode="json"),
           "labels": None if known is None else fingerprint(known)}

    def compute():
        return {"coords": umap_layout(vectors, graph, umap.n_components, min_dist=umap.min_dist,
                                      n_epochs=umap.n_epochs or 200, init=umap.init, seed=config.seed,
                                      progress=show, target=known)}

    with stage(f"Reducing to {umap.n_components} dimensions", show and not config.compute.cache):
        return cache.get_or_compute(key, compute)["coords"]


def cached_layers(coords: np.ndarray, graph_key: dict, config: RunConfig, cache: ReductionCache) -> Layers:
    """The cluster layers of the reduced coordinates, cached like the reduction they come from."""
    key = {**graph_key, "stage": "layers", "coords": fingerprint(coords), "version": 2,
           "clustering": config.clustering.method,
           "settings": config.clustering.method_settings.model_dump(mode="json")}
    arrays = cache.get_or_compute(key, lambda: vars(cluster(coords, config.clustering)))
    return Layers(arrays["labels"], arrays["persistence"])


def level_votes(vectors: np.ndarray, graph, graph_key: dict, known: Optional[np.ndarray], in_sample: np.ndarray,
                unit: np.ndarray, config: RunConfig, cache: ReductionCache, show: bool) -> list[int]:
    """The topic counts the granularity rule chooses on the further layouts of the fit sample's graph that
    `layouts_voting` asks for (other seeds), each cached like the fit's own (`unit`: the clustered documents'
    vectors); none when the level is fixed. See `cluster.voted_level`."""
    if config.topics.level != "auto":
        return []
    counts, n_votes = [], layouts_voting(config, len(vectors))
    for vote in range(1, n_votes):
        seed = (config.seed + VOTE_SEED_STEP * vote) % 2**31
        voter = config.model_copy(update={"seed": seed})
        key = {**graph_key, "layout_seed": seed}
        with stage(f"Level vote {vote} of {n_votes - 1}: another layout", show):
            coords = cached_reduction(vectors, graph, key, known, voter, cache, False)
            layers = cached_layers(coords[in_sample], key, voter, cache)
        counts.append(layers.n_topics[layers.choose(unit)])
    return counts


def layouts_voting(config: RunConfig, n_sampled: int) -> int:
    """How many layouts choose the level (`topics.level_votes`) for a fit sample of `n_sampled` documents."""
    votes = config.topics.level_votes
    return votes if votes != "auto" else AUTO_VOTES if n_sampled <= VOTED_SAMPLE else 1


def cluster_subset(unit: np.ndarray, config: RunConfig, min_dist: float) -> np.ndarray:
    """Clusters among some documents alone (a topic to split, an update's novel documents): their own graph,
    reduction and layer search, at the most persistent layer (-1: in no cluster)."""
    graph = neighbor_graph(unit, config.umap.n_neighbors, config.seed)
    coords = umap_layout(unit, graph, min(config.umap.n_components, len(unit) - 2), min_dist=min_dist,
                         n_epochs=config.umap.n_epochs or 200, init="pca", seed=config.seed)
    layers = cluster(coords, config.clustering)
    return layers.labels[layers.most_persistent()]


def choose_level(layers: Layers, unit_vectors: np.ndarray, config: RunConfig, votes: list[int]) -> int:
    """`topics.level`, checked against the layers; 'auto': the rule's choice given the level `votes`."""
    level = config.topics.level
    if level == "auto":
        return layers.choose(unit_vectors, votes)
    if level >= len(layers.labels):
        raise ConfigError(f"topics.level is {level}, but this corpus has {len(layers.labels)} layers "
                          f"(0 to {len(layers.labels) - 1}, with {layers.n_topics} topics).")
    return int(level)


def topics_from_clusters(clusters: np.ndarray, positions: np.ndarray, plan: guidance.Guidance,
                         unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Topic per document (`unit`: their unit embeddings) from the clusters (of the documents at `positions`)
    and the fixed documents; -1 where the vote must decide. Also how each got its topic."""
    n = len(unit)
    topics = np.full(n, OUTLIER, np.int64)
    assigned_by = np.full(n, "", object)
    label_of = np.where(np.isin(plan.fixed_by[positions], ("label", "zero-shot")), plan.fixed[positions], -1)
    clustered = guidance.clusters_to_topics(clusters, label_of, plan.n_named, label_offset=0, vectors=unit[positions],
                                            name_vectors=plan.all_name_vectors, n_names=plan.n_zero_shot)
    topics[positions] = clustered
    assigned_by[positions[clustered >= 0]] = "cluster"
    fixed = plan.fixed >= 0
    topics[fixed], assigned_by[fixed] = plan.fixed[fixed], plan.fixed_by[fixed]
    return topics, assigned_by


def assign_rest(unit: np.ndarray, topics: np.ndarray, assigned_by: np.ndarray, sample: np.ndarray,
                config: RunConfig, show: bool, partitions=None) -> tuple[Decided, Reference, Optional[TermCounts]]:
    """Reference from the decided documents; the vote for the others; honest probabilities for all. With
    `partitions` (see `TopicModel.fit`) the vote runs on the cluster, which also returns the term counts."""
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
    reference = Reference(unit[chosen], topics[chosen], chosen, n_neighbors=config.umap.n_neighbors)
    centroids = None
    if config.topics.outlier_reduction == "centroids":
        ids = np.unique(topics[topics != OUTLIER])
        centroids = (ids, normalize(np.vstack([unit[topics == t].mean(axis=0) for t in ids])))
    rule = {"threshold": config.topics.outlier_threshold, "keep_outliers": keep, "centroids": centroids}
    counts = None
    if partitions is None:
        candidates = cached_candidates(unit, candidate_pool, config, show)
        with stage("Topics by neighbour vote", show, total=len(unit), unit="doc") as bar:
            result = decide(reference, unit, topics, assigned_by, in_sample, **rule, progress=bar.update,
                            candidates=candidates)
    else:  # the same rule, partition by partition on the cluster, with each partition's term counts
        result, counts = partitions.assign(reference, topics, assigned_by, in_sample, rule, config.vectorizer)
    return result, reference, counts


def cached_candidates(unit: np.ndarray, pool: np.ndarray, config: RunConfig, show: bool) -> Candidates:
    """Every document's nearest pool documents (CANDIDATES_PER_VOTER times the vote's), cached by the
    embeddings and the pool: the pool is drawn without looking at topics, so re-fits and level changes
    find it here."""
    k = CANDIDATES_PER_VOTER * config.umap.n_neighbors
    key = {"stage": "candidates", "vectors": fingerprint(unit), "pool": fingerprint(pool), "k": k}

    def search() -> dict:
        with stage("Nearest reference documents", show, total=len(unit), unit="doc") as bar:
            indices, similarities = nearest(unit, unit[pool], k, progress=bar.update)
        return {"indices": indices.astype(np.int32), "similarities": similarities}  # rows of a pool < 2**31

    arrays = ReductionCache.for_config(config).get_or_compute(key, search)
    return Candidates(pool, arrays["indices"], arrays["similarities"])
