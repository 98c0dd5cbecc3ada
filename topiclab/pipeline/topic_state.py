"""The learned state of a fitted TopicModel, as one object that keeps its tables in step.

Per document: topic, probability, how it was assigned. Per topic: c-TF-IDF words from its term counts,
size, name and kind, centroid and representative documents, lineage. From the fit: the cluster layers and
the level chosen, the documents they were computed on, the reference documents whose vote gives new
documents their topics, the novelty threshold, the update log. Edits (`edits.py`), online updates
(`online.py`), document maps (`projection.py`) and saving (`state.py`) go through its methods, which change
documents, counts, reference and per-topic tables together: renumbered ids everywhere at once, moved and
added documents counted again, words refreshed only for the topics that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np
import scipy.sparse as sp

from topiclab.config import RunConfig, TopicsConfig, VectorizerConfig
from topiclab.pipeline import guidance
from topiclab.pipeline.cluster import Layers
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER, Assignment, Reference, choose_reference
from topiclab.pipeline.words import TermCounts

#: How a document got its topic, in the order the saved codes use.
ASSIGNED_BY = ["", "cluster", "neighbors", "zero-shot", "label", "edit"]


@dataclass(eq=False)
class FitLayout:
    """What the fit computed on its sample that document maps reuse. Not saved: maps of a loaded model
    compute it again (`projection.project_saved`)."""

    graph: tuple[np.ndarray, np.ndarray]  # the neighbour graph of the fit sample (indices, similarities)
    coords: np.ndarray                     # the sample's reduced coordinates the clustering ran on
    reduction_key: dict                    # the cache key of the graph, which map layouts extend
    neighbors: np.ndarray                  # (n, k) positions of each document's nearest reference documents
    similarities: np.ndarray               # (n, k) their similarities


@dataclass(eq=False)
class TopicState:
    """Everything a TopicModel learned; `topic_ids` (sorted) are the rows of the term counts and of
    `topic_embeddings`."""

    topics: np.ndarray             # (n,) int64 topic per document, -1 for outliers
    probabilities: np.ndarray      # (n,) float32
    assigned_by: np.ndarray        # (n,) object: one of ASSIGNED_BY
    term_counts: TermCounts
    reference: Reference
    layers: Layers
    level: int
    layer_positions: np.ndarray    # the documents the layers cluster
    fit_sample: np.ndarray         # the documents the reduction was fitted on
    novelty_threshold: float
    level_votes: list[int] = field(default_factory=list)  # topic counts other layouts chose (cluster.voted_level)
    topic_names: dict[int, str] = field(default_factory=dict)
    topic_kinds: dict[int, str] = field(default_factory=dict)
    seed_matches: dict[int, int] = field(default_factory=dict)
    zero_shot_vectors: Optional[np.ndarray] = None  # the zero-shot names that formed topics 0, 1, ...
    zero_shot_names: dict = field(default_factory=dict)  # what became of each zero-shot name: formed, matched, unused
    lineage: dict[int, dict] = field(default_factory=dict)
    topic_words: dict[int, list[tuple[str, float]]] = field(default_factory=dict)
    topic_sizes: dict[int, int] = field(default_factory=dict)
    topic_embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    representative_docs: dict[int, list[int]] = field(default_factory=dict)
    ctfidf: Any = None
    updates: list[dict] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    layout: Optional[FitLayout] = None

    @property
    def topic_ids(self) -> np.ndarray:
        return self.term_counts.topic_ids

    @property
    def n_documents(self) -> int:
        return len(self.topics)

    # ------------------------------------------------------------------ per-topic tables
    def refresh_words(self, config: RunConfig, changed: Optional[set[int]] = None) -> None:
        """c-TF-IDF and sizes of every topic, and the words of the `changed` topics (all when None): the
        others keep theirs, so an edit does not reword topics it left alone."""
        self.ctfidf = _ctfidf(self.term_counts, config, len(self.topics))
        words = self.term_counts.top_words(self.ctfidf, config.topics.top_n_words)
        old = self.topic_words
        self.topic_words = {t: (words[t] if changed is None or t in changed or t not in old else old[t])
                            for t in map(int, self.topic_ids)}
        self.topic_sizes = {int(t): int((self.topics == t).sum()) for t in self.topic_ids}

    def refresh_vectors(self, embeddings: np.ndarray, n_representative: int) -> None:
        """Centroids and the documents closest to them (`representative_docs`), from every document."""
        unit = normalize(embeddings)
        centroids, representative = [], {}
        for topic in self.topic_ids:
            members = np.flatnonzero(self.topics == topic)
            centroid = embeddings[members].mean(axis=0) if len(members) else np.zeros(embeddings.shape[1], np.float32)
            centroids.append(centroid)
            if len(members):
                closeness = unit[members] @ (centroid / max(np.linalg.norm(centroid), 1e-12))
                representative[int(topic)] = members[np.argsort(-closeness, kind="stable")][:n_representative].tolist()
        self.topic_embeddings = np.vstack(centroids).astype(np.float32)
        self.representative_docs = representative

    def name_topic(self, topic: int, name: str, kind: Optional[str]) -> None:
        self.topic_names[int(topic)], self.topic_kinds[int(topic)] = name, kind

    def record_lineage(self, topic: int, parents: Sequence[int], how: str, update: Optional[int] = None) -> None:
        """Where `topic` came from: its parent topics and the operation (fit, merge, split, move, update...)."""
        self.lineage[int(topic)] = {"from": list(parents), "how": how, **({} if update is None else {"update": update})}

    # ------------------------------------------------------------------ edits
    def renumber(self, mapping: dict[int, int]) -> None:
        """Give the topics in `mapping` their new ids, merging each into the topic that has it: documents,
        reference and term counts change together; names, kinds and lineage of the ids that went away go."""
        if mapping:
            lookup = np.vectorize(lambda t: mapping.get(int(t), int(t)), otypes=[np.int64])
            self.topics = lookup(self.topics)
            self.reference.topics = lookup(self.reference.topics)
        self.term_counts = self.term_counts.relabel(mapping)
        for gone in mapping:
            for table in (self.topic_names, self.topic_kinds, self.lineage):
                table.pop(gone, None)

    def move(self, positions: np.ndarray, new_topics: np.ndarray, texts: Sequence[str],
             vectorizer: VectorizerConfig) -> None:
        """Reassign the documents at `positions` (assigned by 'edit'): their counts, their reference entries;
        topics left empty go from every table."""
        chosen = [texts[i] for i in positions]
        counts = self.term_counts.add(chosen, self.topics[positions], vectorizer, sign=-1)
        self.term_counts = counts.add(chosen, new_topics, vectorizer)
        self.topics = self.topics.copy()
        self.topics[positions] = new_topics
        self.assigned_by = self.assigned_by.copy()
        self.assigned_by[positions] = "edit"
        self.probabilities = self.probabilities.copy()
        self.probabilities[positions] = 1.0
        lookup = dict(zip(positions.tolist(), new_topics.tolist()))
        reference = self.reference
        reference.topics = np.array([lookup.get(int(p), t) for p, t in zip(reference.positions, reference.topics)])
        empty = [t for t in self.term_counts.topic_ids if not (self.topics == t).any()]
        self.term_counts = _drop_rows(self.term_counts, empty)
        for topic in empty:
            for table in (self.topic_names, self.topic_kinds, self.lineage, self.representative_docs):
                table.pop(int(topic), None)

    # ------------------------------------------------------------------ new documents
    def zero_shot(self, unit: np.ndarray, threshold: float) -> Optional[np.ndarray]:
        """The zero-shot name each document reaches (-1: none), or None without zero-shot names."""
        if self.zero_shot_vectors is None:
            return None
        return guidance.zero_shot(unit, self.zero_shot_vectors, threshold)[0]

    def assign(self, unit: np.ndarray, config: TopicsConfig) -> Assignment:
        """Topics of new documents (unit vectors) by the fit's rule: zero-shot names, then the vote."""
        centroids = None
        if config.outlier_reduction == "centroids":
            keep = self.topic_ids != OUTLIER
            centroids = (self.topic_ids[keep], normalize(self.topic_embeddings[keep]))
        result = self.reference.assign(unit, threshold=config.outlier_threshold,
                                       keep_outliers=config.outlier_reduction == "none", centroids=centroids)
        named = self.zero_shot(unit, config.zero_shot_threshold)
        if named is not None:
            hit = named >= 0
            result.topics[hit] = named[hit]
            result.probabilities[hit] = 1.0
        return result

    def distribution(self, unit: np.ndarray, config: TopicsConfig) -> np.ndarray:
        """Each topic's share of each document's vote (one column per topic id); a zero-shot name a document
        reaches counts fully."""
        shares = self.reference.distribution(unit, self.topic_ids, keep_outliers=config.outlier_reduction == "none")
        named = self.zero_shot(unit, config.zero_shot_threshold)
        if named is not None:
            hit = named >= 0
            shares[hit] = 0.0
            shares[hit, np.searchsorted(self.topic_ids, named[hit])] = 1.0
        return shares

    def append(self, texts: list[str], embeddings: np.ndarray, topics: np.ndarray, probabilities: np.ndarray,
               assigned_by: np.ndarray, created: list[int], config: RunConfig, record: dict) -> None:
        """Add documents with decided topics after the fitted ones, which keep theirs: term counts, running-mean
        centroids, representative documents, the reference (keeping the documents of the `created` topics),
        the words of the topics that received documents, and `record` in the update log."""
        unit, offset = normalize(embeddings), self.n_documents
        changed = set(np.unique(topics).tolist())
        before = dict(zip(map(int, self.topic_ids), zip(self.topic_embeddings, map(self.topic_sizes.get,
                                                                                   map(int, self.topic_ids)))))
        self.topics = np.concatenate([self.topics, topics])
        self.probabilities = np.concatenate([self.probabilities, probabilities.astype(np.float32)])
        self.assigned_by = np.concatenate([self.assigned_by, assigned_by])
        self.term_counts = self.term_counts.add(texts, topics, config.vectorizer)
        self._grow_vectors(unit, embeddings, topics, offset, before, config.topics.representative_docs)
        self._grow_reference(unit, topics, offset, created, config)
        self.refresh_words(config, changed)
        self.updates.append(record)

    def _grow_vectors(self, unit: np.ndarray, embeddings: np.ndarray, topics: np.ndarray, offset: int,
                      before: dict[int, tuple[np.ndarray, int]], n_representative: int) -> None:
        """Running means for centroids (`before`: each old topic's centroid and size); representative documents
        re-chosen among the topic's reference documents and its new members."""
        centroids = []
        for topic in map(int, self.topic_ids):
            added = embeddings[topics == topic]
            previous, size = before.get(topic, (0.0, 0))
            centroids.append((previous * size + added.sum(axis=0)) / max(size + len(added), 1))
        self.topic_embeddings = np.vstack(centroids).astype(np.float32)
        reference = self.reference
        for row, topic in enumerate(map(int, self.topic_ids)):
            new = np.flatnonzero(topics == topic)
            if not len(new):
                continue
            old = reference.topics == topic
            positions = np.concatenate([reference.positions[old], offset + new])
            vectors = np.vstack([reference.vectors[old], unit[new]])
            centroid = normalize(self.topic_embeddings[row:row + 1])[0]
            order = np.argsort(-(vectors @ centroid), kind="stable")[:n_representative]
            self.representative_docs[topic] = positions[order].astype(int).tolist()

    def _grow_reference(self, unit: np.ndarray, topics: np.ndarray, offset: int, created: list[int],
                        config: RunConfig) -> None:
        reference = self.reference
        vectors = np.vstack([reference.vectors, unit])
        all_topics = np.concatenate([reference.topics, topics])
        positions = np.concatenate([reference.positions, offset + np.arange(len(topics))])
        voters = all_topics != OUTLIER if config.topics.outlier_reduction != "none" else np.ones(len(all_topics), bool)
        vectors, all_topics, positions = vectors[voters], all_topics[voters], positions[voters]
        keep = choose_reference(all_topics, config.compute.reference_size, config.seed + len(self.updates) + 1,
                                must_keep=np.isin(all_topics, created))
        self.reference = Reference(vectors[keep], all_topics[keep], positions[keep], reference.n_neighbors)

    # ------------------------------------------------------------------ saving
    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray], sp.csr_matrix]:
        """What `state.py` writes: JSON-ready facts, NumPy arrays, and the term count matrix."""
        facts = {
            "level": int(self.level),
            "novelty_threshold": float(self.novelty_threshold),
            "level_votes": [int(count) for count in self.level_votes],
            "n_documents": int(self.n_documents),
            "topic_ids": [int(t) for t in self.topic_ids],
            "topic_sizes": {str(t): int(n) for t, n in self.topic_sizes.items()},
            "topic_words": {str(t): [[w, round(float(s), 6)] for w, s in words] for t, words in self.topic_words.items()},
            "topic_names": {str(t): name for t, name in self.topic_names.items()},
            "topic_kinds": {str(t): kind for t, kind in self.topic_kinds.items()},
            "lineage": {str(t): entry for t, entry in self.lineage.items()},
            "representative_docs": {str(t): [int(i) for i in docs] for t, docs in self.representative_docs.items()},
            "seed_matches": {str(k): int(v) for k, v in self.seed_matches.items()},
            "zero_shot_names": self.zero_shot_names,
            "updates": self.updates,
            "stage_seconds": self.stage_seconds,
            "vocabulary": self.term_counts.vocabulary,
            "reference_neighbors": int(self.reference.n_neighbors),
        }
        arrays = {
            "topics": self.topics.astype(np.int64),
            "probabilities": self.probabilities.astype(np.float32),
            "assigned_by": np.array([ASSIGNED_BY.index(v) for v in self.assigned_by], dtype=np.int8),
            "fit_sample": self.fit_sample.astype(np.int64),
            "layer_positions": self.layer_positions.astype(np.int64),
            "layers": self.layers.labels.astype(np.int32),
            "persistence": self.layers.persistence.astype(np.float64),
            "reference_vectors": self.reference.vectors.astype(np.float32),
            "reference_topics": self.reference.topics.astype(np.int64),
            "reference_positions": self.reference.positions.astype(np.int64),
            "topic_embeddings": self.topic_embeddings.astype(np.float32),
            "document_frequency": self.term_counts.document_frequency.astype(np.int64),
            "count_topic_ids": self.term_counts.topic_ids.astype(np.int64),
        }
        if self.zero_shot_vectors is not None:
            arrays["zero_shot_vectors"] = self.zero_shot_vectors.astype(np.float32)
        return facts, arrays, self.term_counts.counts.tocsr()

    @classmethod
    def from_arrays(cls, facts: dict, arrays: dict[str, np.ndarray], counts: sp.csr_matrix,
                    config: RunConfig) -> "TopicState":
        """The state `to_arrays` gave (KeyError, ValueError, TypeError or IndexError when they do not fit)."""
        ints = lambda mapping: {int(k): v for k, v in mapping.items()}  # noqa: E731
        if counts.shape != (len(arrays["count_topic_ids"]), len(facts["vocabulary"])):
            raise ValueError(f"term counts of shape {counts.shape} for {len(facts['vocabulary'])} words")
        if [int(t) for t in arrays["count_topic_ids"]] != list(facts["topic_ids"]):
            raise ValueError("the term counts' topics are not the model's topics")
        state = cls(
            topics=arrays["topics"], probabilities=arrays["probabilities"],
            assigned_by=np.array([ASSIGNED_BY[i] for i in arrays["assigned_by"]], dtype=object),
            term_counts=TermCounts(arrays["count_topic_ids"], counts, arrays["document_frequency"],
                                   list(facts["vocabulary"])),
            reference=Reference(arrays["reference_vectors"], arrays["reference_topics"], arrays["reference_positions"],
                                n_neighbors=facts["reference_neighbors"]),
            layers=Layers(arrays["layers"], arrays["persistence"]), level=facts["level"],
            layer_positions=arrays["layer_positions"], fit_sample=arrays["fit_sample"],
            novelty_threshold=facts["novelty_threshold"],
            level_votes=[int(count) for count in facts.get("level_votes", [])],  # none in runs saved before them
            topic_names=ints(facts["topic_names"]),
            topic_kinds=ints(facts["topic_kinds"]), seed_matches=ints(facts["seed_matches"]),
            zero_shot_vectors=arrays.get("zero_shot_vectors"), zero_shot_names=facts.get("zero_shot_names", {}),
            lineage=ints(facts["lineage"]),
            topic_words={int(t): [(w, float(s)) for w, s in words] for t, words in facts["topic_words"].items()},
            topic_sizes=ints(facts["topic_sizes"]), topic_embeddings=arrays["topic_embeddings"],
            representative_docs=ints(facts["representative_docs"]), updates=facts["updates"],
            stage_seconds=facts["stage_seconds"])
        if state.n_documents != facts["n_documents"]:
            raise ValueError(f"{state.n_documents} documents' topics for {facts['n_documents']} documents")
        state.ctfidf = _ctfidf(state.term_counts, config, state.n_documents)
        return state


def _ctfidf(counts: TermCounts, config: RunConfig, n_documents: int):
    seed_words = tuple(w for words in config.topics.seed_words for w in words)
    return counts.ctfidf(config.vectorizer, n_documents, seed_words, config.topics.seed_multiplier)


def _drop_rows(counts: TermCounts, topics: list) -> TermCounts:
    if not topics:
        return counts
    keep = ~np.isin(counts.topic_ids, topics)
    return TermCounts(counts.topic_ids[keep], counts.counts[np.flatnonzero(keep)], counts.document_frequency,
                      counts.vocabulary)
