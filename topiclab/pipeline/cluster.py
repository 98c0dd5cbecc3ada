"""Clustering the reduced fit sample into topics, at a granularity read from the data.

HDBSCAN's cluster tree holds every granularity at once. EVoC's layer search walks it over all minimum
cluster sizes and keeps the distinct clusterings that persist longest (the "layers", finest first), each
scored by its total persistence. All layers are kept, so a user can move to a finer or coarser one later
without re-embedding or re-reducing (`topiclab levels`).

Which layer is the default (`choose_level`) is read from how well each layer's clusters separate the
documents: the mean margin between a document's own topic centroid and the nearest other one
(`centroid_margin`), times the square root of the share of documents the layer clusters at all
(`separation_score`). Layers of MIN_TOPICS to MAX_TOPICS topics are candidates (more than a reader can
scan stays saved, one `topiclab levels` away).
- When a candidate separates better than the finest layer, the corpus has coarse structure (BBC's 5
  sections, 20 Newsgroups, M10's areas: coarse layers separate better and leave few documents out).
  The candidates that do compete, but only those that persist in the cluster tree about as long as the
  finer candidates (95%, STEADINESS): a grouping that lasts briefly is not the corpus's structure (20
  Newsgroups' 5 broad groups separate well on some seeds, persist less than its 16-topic layer, and
  would cost 0.14 NMI). The best-scoring one wins, and among those within TIE (2%) of it the finest, so
  a near tie breaks towards detail. When none of them is steady, steadiness tells them nothing and they
  all compete (BBC, seed 7: its 13- and 8-topic layers persist 92% and 90% as long as its 26-topic one,
  which separates worse than the finest layer; the most persistent candidate, the rule before, took the
  26 topics at NMI 0.588 instead of 8 at 0.759).
- When none does, the subjects overlap (WordNet's 45 lexicographer files, FOLDOC's 50 tags: the margin
  shrinks with every coarser layer) and the finest candidate wins.
- The finest layer's score is a noisy bar: on some seeds a corpus with coarse structure has its best
  candidate a hair under it (20 Newsgroups, seed 5: 15 topics at 0.121 against 0.122), and the finest
  candidate (113 topics) would win by that hair. So when a layer below MIN_TOPICS separates better than
  the finest (evidence of broad groups: 0.185 there), candidates within NEAR_FINEST (5%) of the finest
  layer's score count as separating better. Without that evidence the bar drops only FINEST_BAND (1%):
  WordNet's and FOLDOC's coarse layers come within 2-5% on some samples. That 1% is a hysteresis band: the
  finest layer's score moves about 2% between fits whose vectors differ in their last digits (another
  CPU's kernels), and M10's 3k sample (seed 2) had a 6-topic layer 0.4% under its 89 topics' score, so
  that such a fit landed on 89 topics or on 12 by chance (bench_cross_cpu.py --perturb). The band gives it
  6 and changes no other of 136 sample fits, and none of the six whole corpora.

The rule reads one UMAP layout, and a layout moves with the seed and with the last digits of the vectors
(another CPU's kernels give such vectors): a corpus whose layers sit near one of the rule's thresholds lands
on one side or the other by chance (M10's 3k sample: 12 topics on one fit, 5 on the same vectors plus
noise of 1e-7). So `topics.level_votes` layouts of the same neighbour graph (by default 5 on fit samples of
up to 20,000 documents), with the seed and seed + 100, ..., + 400, each choose by the rule, and the run takes its
own candidate layer nearest the median of their topic counts (`voted_level`): outlying layouts no longer
decide. Measured (bench_cross_cpu.py --perturb 1e-7 --level-votes 1 3 5, two noise draws, 96 pairs of fits on
3k samples of six corpora; bench_quality.py --spread): a pair's defaults were the same layer in 79 pairs (70 with
one layout, 74 with three), the neighbouring one in 17 and never further (5 pairs with one or three), topic
counts within 1.5x in 92 (86, 89); of the 88 sample fits of the spread table 83 are within 0.01 NMI of their
best level (82 with one or three). Three layouts removed single outliers (20 Newsgroups' 30 topics against
10-11) but left pairs where two of three went the same odd way; five need three. It does not make the level
the same everywhere: where two neighbouring layers are about equally likely choices (BBC's 8 and 11 topics,
M10's 12 and 5-6) the median is as likely to be either.

How it was chosen: candidate rules were scored offline on every saved level of 110 fits (BBC, M10,
20 Newsgroups, 20k WordNet glosses and FOLDOC, whole and in 3k/5k samples, 3-8 seeds), by how often the
default missed the best level with 0.5-3x as many topics as classes by more than 0.01 NMI: this rule in
12 (mostly 20 Newsgroups, whose 20 groups also form 4-6 broad ones), ties broken by persistence in 16.
The rule it replaced (start at 0.6 * sqrt(n) topics, coarsen when margin times persistence gained 15%)
missed in 15 of the first 37, every WordNet and FOLDOC sample among them. On GCIDE's 66 fields, which
the rule never saw, the default is within 0.01 NMI of that best level on every seed. NEAR_FINEST came
from 176 fits of the six corpora (13 misses instead of 15, 4-6% all alike, both fine-layer misfires
gone); the case of no steady candidate never arose in them and first did on new int8 vectors (BBC seed 7
above). See benchmarks/bench_quality.py --levels and --spread, and the README's Quality section.

The layers come from the method named by `clustering.method` (topiclab.clusterers): `evoc` (the default)
gives many, `hdbscan` (a fixed smallest topic size, BERTopic's behaviour) one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from topiclab.clusterers import CLUSTERERS
from topiclab.config import ClusteringConfig
from topiclab.pipeline.jit import rebuilt_if_damaged

#: Layers with fewer topics are not chosen by default (unless no layer has more).
MIN_TOPICS = 5
#: Nor layers with more: finer granularity than a reader can scan stays saved, one `topiclab levels` away.
MAX_TOPICS = 150
#: Layers scoring within this share of the best one count as tied; the finest of them is chosen.
TIE = 0.02
#: A coarser layer competes only when its persistence is at least this share of the finer candidates'.
STEADINESS = 0.95
#: With a layer of fewer than MIN_TOPICS topics beating the finest layer, candidates this close below it count.
NEAR_FINEST = 0.05
#: Without it, candidates this close below the finest layer's score count: the score's noise between fits.
FINEST_BAND = 0.01


@dataclass
class Layers:
    """Clusterings of the same documents, finest first; -1 marks documents in no cluster."""

    labels: np.ndarray       # (n_layers, n_documents) int32
    persistence: np.ndarray  # (n_layers,) total persistence of each layer (0 for the base layer)

    @property
    def n_topics(self) -> list[int]:
        return [int(len(np.unique(layer[layer >= 0]))) for layer in self.labels]

    def choose(self, unit_vectors: np.ndarray, votes: Sequence[int] = ()) -> int:
        """The default layer for documents with these unit embeddings, given the topic counts other layouts of
        them chose (`votes`; see the module docstring)."""
        return voted_level(self, choose_level(self, unit_vectors), votes)

    def most_persistent(self) -> int:
        """The layer with the largest total persistence; ties go to the finer layer."""
        return int(np.argmax(self.persistence))

    def candidates(self) -> list[int]:
        """The layers the default may be: those of MIN_TOPICS to MAX_TOPICS topics."""
        return [i for i, k in enumerate(self.n_topics) if MIN_TOPICS <= k <= MAX_TOPICS]

    def nearest_to(self, n_topics: float, near: int) -> int:
        """The candidate layer (any layer when none is) whose number of topics is closest to `n_topics` by ratio;
        ties: the one nearer layer `near`."""
        counts = self.n_topics
        return min(self.candidates() or range(len(counts)),
                   key=lambda i: (abs(np.log(max(counts[i], 1) / n_topics)), abs(i - near)))


def choose_level(layers: Layers, unit_vectors: np.ndarray) -> int:
    """Among layers of MIN_TOPICS to MAX_TOPICS topics (the candidates): when none separates better than the
    finest layer saved (`structure_bar`), the finest candidate; else, among the candidates that do and are
    `steady_enough` (all of them when none is), the finest whose `separation_score` is within TIE of the
    best. Without candidates: the most persistent layer."""
    counts, candidates = layers.n_topics, layers.candidates()
    if not candidates:
        return layers.most_persistent()
    scores = {i: separation_score(unit_vectors, layers.labels[i]) for i in candidates}
    finest = scores[0] if 0 in scores else separation_score(unit_vectors, layers.labels[0])
    bar = structure_bar(layers, unit_vectors, finest)
    better = [i for i in candidates if i > 0 and scores[i] > bar]
    if not better:  # no coarse structure: the finest readable layer
        return max(candidates, key=lambda i: counts[i])
    steady = [i for i in better if steady_enough(layers, i, candidates)] or better
    best = max(scores[i] for i in steady)
    return max((i for i in steady if scores[i] >= (1 - TIE) * best), key=lambda i: counts[i])


def voted_level(layers: Layers, own: int, votes: Sequence[int]) -> int:
    """The candidate layer nearest the median of the topic counts of this layout's choice (layer `own`) and of
    the other layouts' choices (`Layers.nearest_to`). Without votes: `own`."""
    if not votes:
        return own
    target = float(np.median([layers.n_topics[own], *votes]))
    return layers.nearest_to(target, near=own) if target >= 1 else own


def structure_bar(layers: Layers, unit_vectors: np.ndarray, finest: float) -> float:
    """The score a candidate must beat to show coarse structure: NEAR_FINEST below the finest layer's when a
    layer of fewer than MIN_TOPICS topics beats it, else FINEST_BAND below it (see the module docstring)."""
    broad = [i for i, k in enumerate(layers.n_topics) if 2 <= k < MIN_TOPICS]
    if any(separation_score(unit_vectors, layers.labels[i]) > finest for i in broad):
        return (1 - NEAR_FINEST) * finest
    return (1 - FINEST_BAND) * finest


def steady_enough(layers: Layers, i: int, candidates: list[int]) -> bool:
    """Whether layer i persists at least STEADINESS times as long as every finer candidate."""
    counts = layers.n_topics
    finer = [layers.persistence[j] for j in candidates if counts[j] > counts[i]]
    return not finer or layers.persistence[i] >= STEADINESS * max(finer)


def separation_score(unit_vectors: np.ndarray, labels: np.ndarray) -> float:
    """How well a layer's clusters separate the documents (`centroid_margin`), discounted by the square root
    of the share it clusters: a layer that leaves half the documents out explains less of the corpus."""
    return centroid_margin(unit_vectors, labels) * float(np.sqrt((labels >= 0).mean()))


def centroid_margin(unit_vectors: np.ndarray, labels: np.ndarray) -> float:
    """Mean, over clustered documents, of the cosine similarity to their own cluster's centroid minus that to
    the nearest other centroid: how clearly the clusters separate the documents."""
    clustered = labels >= 0
    members, vectors = labels[clustered], unit_vectors[clustered]
    ids = np.unique(members)
    if len(ids) < 2:
        return 0.0
    centroids = np.vstack([vectors[members == t].mean(axis=0) for t in ids])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ centroids.T
    rows, own = np.arange(len(vectors)), np.searchsorted(ids, members)
    mine = similarity[rows, own].copy()
    similarity[rows, own] = -np.inf
    return float((mine - similarity.max(axis=1)).mean())


def cluster(coords: np.ndarray, config: ClusteringConfig) -> Layers:
    """Layers of clusters of the reduced coordinates, by the configured method."""
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    method = CLUSTERERS[config.method]
    # EVoC's numba functions load their compiled code from disk: a damaged cache is rebuilt, not a crash
    labels, persistence = rebuilt_if_damaged(lambda: method.layers(coords, config.method_settings))
    return Layers(np.atleast_2d(np.asarray(labels, dtype=np.int32)),
                  np.atleast_1d(np.asarray(persistence, dtype=np.float64)))
