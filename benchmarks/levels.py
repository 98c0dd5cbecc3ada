"""Every saved level of one topiclab fit, scored against the classes: what `bench_quality.py --levels` and
`--spread` print. A level's topics are the layer's clusters plus the fit's neighbour vote for the documents
the layer leaves out, exactly as `topiclab levels RUN --use N` would give them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topiclab.config import RunConfig
from topiclab.pipeline import TopicModel, steps
from topiclab.pipeline.cluster import separation_score
from topiclab.pipeline.neighbors import normalize


@dataclass
class Level:
    topics: int
    nmi: float
    ari: float
    persistence: float
    score: float  # the granularity rule's separation score (topiclab.pipeline.cluster)
    chosen: bool


def fitted_levels(texts: list[str], embeddings: np.ndarray, classes: list[str], seed: int) -> list[Level]:
    """Fit with the defaults (and `seed`), then score every saved layer after the vote."""
    config = RunConfig.build(overrides={"seed": seed})
    state = TopicModel(config, progress=False).fit(texts, embeddings=embeddings).state_
    unit = normalize(embeddings)
    levels = []
    for i, layer in enumerate(state.layers.labels):
        topics = np.full(len(unit), -1, np.int64)
        topics[state.layer_positions] = layer
        assigned_by = np.where(topics >= 0, "cluster", "").astype(object)
        voted = steps.assign_rest(unit, topics, assigned_by, state.fit_sample, config, False)[0].topics
        levels.append(Level(len(np.unique(voted[voted >= 0])), float(normalized_mutual_info_score(classes, voted)),
                            float(adjusted_rand_score(classes, voted)), float(state.layers.persistence[i]),
                            separation_score(unit[state.layer_positions], layer), i == state.level))
    return levels


def best_in_range(levels: list[Level], n_classes: int) -> Level | None:
    """The level with the best NMI among those of 0.5-3x as many topics as classes (issue 22's yardstick)."""
    fitting = [level for level in levels if 0.5 * n_classes <= level.topics <= 3 * n_classes]
    return max(fitting, key=lambda level: level.nmi, default=None)


def chosen(levels: list[Level]) -> Level:
    return next(level for level in levels if level.chosen)


def print_levels(title: str, levels: list[Level], n_classes: int) -> None:
    best = best_in_range(levels, n_classes)
    print(f"\n{title}, {n_classes} classes: every saved level (* the default; + the best NMI at 0.5-3x the classes)")
    print("| level | topics | × classes | NMI | ARI | persistence | separation score | |")
    print("|---|---|---|---|---|---|---|---|")
    for i, level in enumerate(levels):
        mark = ("*" if level.chosen else "") + ("+" if level is best else "")
        print(f"| {i} | {level.topics} | {level.topics / n_classes:.2f} | {level.nmi:.3f} | {level.ari:.3f} "
              f"| {level.persistence:.0f} | {level.score:.4f} | {mark} |")
