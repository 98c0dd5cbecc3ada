"""Fitting and saved runs: the files a user gets, reloading, new documents, atomic writes, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from topiclab import assign_topics, fit_run, load_run
from topiclab.errors import EmbeddingError, RunError, TopicLabError
from topiclab.metrics import run_metrics, topic_diversity
from topiclab.results import load_model

from conftest import FAST


def test_run_directory_holds_every_artifact(fitted_run_dir):
    names = {p.name for p in fitted_run_dir.iterdir()}
    assert {"documents.parquet", "topics.parquet", "topics.csv", "config.yaml", "manifest.json", "levels.parquet",
            "embeddings.npy", "topic_embeddings.npy", "projections.npz", "model"} <= names
    assert {p.name for p in (fitted_run_dir / "model").iterdir()} == {"model.json", "arrays.npz", "term_counts.npz"}
    documents = pd.read_parquet(fitted_run_dir / "documents.parquet")
    assert {"doc_id", "text", "topic", "probability", "assigned_by", "batch", "class"} <= set(documents.columns)
    assert len(documents) == 300 and set(documents["assigned_by"]) <= {"cluster", "neighbors"}
    topics = pd.read_csv(fitted_run_dir / "topics.csv")
    assert {"topic", "size", "label", "name", "words", "word_scores", "representative_docs", "parents",
            "origin"} <= set(topics.columns)
    assert topics["size"].sum() == 300
    manifest = json.loads((fitted_run_dir / "manifest.json").read_text())
    assert manifest["corpus"]["n_documents"] == 300 and manifest["seed"] == 42
    assert {"embed", "neighbors", "reduce", "cluster", "votes", "assign", "words", "project", "metrics"} <= set(manifest["seconds"])
    assert {"umap-learn", "hdbscan", "evoc", "numpy"} <= set(manifest["versions"])
    assert manifest["clustering"]["sampled"] is False and manifest["clustering"]["fit_sample"] == 300
    assert {"n_topics", "outlier_share", "npmi", "diversity", "nmi", "ari"} <= set(manifest["metrics"])
    assert manifest["metrics"]["nmi"] > 0.3  # BBC classes are recoverable even from static embeddings


def test_topics_have_words_and_representative_documents(fitted_run):
    topics = fitted_run.topics[fitted_run.topics["topic"] != -1]
    assert len(topics) >= 2
    for _, row in topics.iterrows():
        assert len(row["words"]) == 10 and len(row["word_scores"]) == 10
        assert row["label"].startswith(f"{row['topic']}: ")
        docs = fitted_run.topic_documents(row["topic"])["text"].tolist()
        assert row["representative_docs"] and all(d in docs for d in row["representative_docs"])


def test_load_run_gives_back_an_equal_object(fitted_run_dir):
    assert load_run(fitted_run_dir) == load_run(fitted_run_dir)
    run = load_run(fitted_run_dir)
    run.topics.loc[0, "label"] = "changed"
    assert run != load_run(fitted_run_dir)


def test_a_run_reopened_without_arrays_has_its_tables_and_manifest(fitted_run_dir):
    whole, tables = load_run(fitted_run_dir), load_run(fitted_run_dir, arrays=False)
    assert tables.embeddings is None and tables.topic_embeddings is None and tables.projections == {}
    pd.testing.assert_frame_equal(tables.documents, whole.documents)
    pd.testing.assert_frame_equal(tables.topics, whole.topics)
    assert tables.manifest == whole.manifest


def test_assigning_the_runs_own_documents_gives_their_topics(fitted_run):
    documents = fitted_run.documents
    assigned = assign_topics(fitted_run, documents["text"].tolist())
    assert list(assigned.columns) == ["text", "topic", "probability", "label"]
    assert (assigned["topic"].to_numpy() == documents["topic"].to_numpy()).mean() >= 0.95
    assert assigned["probability"].between(0, 1).all()
    assert assigned["label"].tolist() == [fitted_run.topic_labels[t] for t in assigned["topic"]]


def test_saved_model_reloads_with_the_runs_topics(fitted_run):
    model = load_model(fitted_run)
    assert sorted(model.topic_ids_) == sorted(fitted_run.topics["topic"].tolist())
    assert model.config == fitted_run.config


def test_manual_label_survives_save_and_load(fitted_run):
    fitted_run.set_label(0, "Politics and elections")
    fitted_run.save()
    reloaded = load_run(fitted_run.path)
    assert reloaded.topic_labels[0] == "0: Politics and elections"
    assert reloaded.manifest["manual_labels"] == {"0": "0: Politics and elections"}
    with pytest.raises(KeyError, match="No topic 999"):
        reloaded.set_label(999, "x")


def test_failed_save_leaves_nothing_that_looks_complete(fitted_run, tmp_path, monkeypatch):
    target = tmp_path / "new-run"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the user presses Ctrl-C half-way through the write

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        fitted_run.save(target)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new-run")]
    before = (fitted_run.path / "manifest.json").read_text()
    with pytest.raises(KeyboardInterrupt):
        fitted_run.save()  # overwriting an existing run: the old one stays whole
    assert (fitted_run.path / "manifest.json").read_text() == before
    assert load_run(fitted_run.path) is not None


def test_incomplete_run_directory_is_refused(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "documents.parquet").write_bytes(b"")
    with pytest.raises(RunError, match=r"not a complete run: manifest\.json, config\.yaml, topics\.parquet missing"):
        load_run(tmp_path / "half")
    with pytest.raises(RunError, match="No run folder"):
        load_run(tmp_path / "nothing")


def test_too_few_documents_says_the_minimum(tmp_path):
    with pytest.raises(TopicLabError, match=r"12 documents are too few to find topics: give at least 20"):
        fit_run([f"document number {i}" for i in range(12)], output_dir=tmp_path, **FAST)


def test_precomputed_embeddings_must_match_the_corpus(tmp_path, bbc_small):
    with pytest.raises(EmbeddingError, match=r"shape \(10, 8\), but the corpus has 300 documents"):
        fit_run(bbc_small, text_col="text", embeddings=np.zeros((10, 8)), output_dir=tmp_path)


def test_precomputed_embeddings_are_used_as_given(tmp_path, fitted_run):
    texts = fitted_run.documents["text"].tolist()
    with pytest.warns(UserWarning, match="keybert words left out"):  # WordLlama vectors, MiniLM configured
        run = fit_run(texts, embeddings=fitted_run.embeddings, output_dir=tmp_path, name="pre")
    assert run.manifest["embedding"]["model"]["backend"] == "precomputed"
    assert set(run.manifest["labels"]["skipped"]) == {"keybert", "mmr", "names"}
    np.testing.assert_array_equal(run.documents["topic"], fitted_run.documents["topic"])


def test_metrics_on_known_inputs():
    assert topic_diversity([["a", "b"], ["b", "c"]]) == 0.75
    texts = ["apple banana", "apple banana", "cherry date", "cherry date"]
    metrics = run_metrics(np.array([0, 0, 1, -1]), [["apple", "banana"], ["cherry", "date"]], texts,
                          classes=["a", "a", "b", "b"])
    assert metrics["n_topics"] == 2 and metrics["outlier_share"] == 0.25
    assert 0 < metrics["nmi"] <= 1


def _grouped_vectors(offset: float, groups: int = 6, subgroups: int = 2, per: int = 34):
    """Unit vectors of `groups` x `subgroups` blobs; `offset` sets how far subgroups sit from their group."""
    rng = np.random.default_rng(0)
    directions = np.linalg.qr(rng.normal(size=(24, 24)))[0]
    vectors, fine = [], []
    for g in range(groups):
        for s in range(subgroups):
            centre = directions[g] + offset * directions[groups + 2 * g + s]
            vectors.append(centre + 0.05 * rng.normal(size=(per, 24)))
            fine += [g * subgroups + s] * per
    unit = np.vstack(vectors)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    fine = np.asarray(fine, np.int32)
    return unit, np.vstack([fine, fine // subgroups])  # 12 subgroups, then their 6 groups


def test_the_granularity_rule_takes_the_layer_that_separates_the_documents_best():
    from topiclab.pipeline.cluster import Layers, choose_level, separation_score

    persistence = np.array([0.0, 1.0])
    unit, labels = _grouped_vectors(offset=0.35)  # subgroups of one group nearly coincide: the 6 groups are real
    assert separation_score(unit, labels[1]) > separation_score(unit, labels[0])
    assert choose_level(Layers(labels, persistence), unit) == 1
    apart, labels = _grouped_vectors(offset=10.0)  # subgroups unrelated to each other: merging them blurs topics
    assert separation_score(apart, labels[0]) > separation_score(apart, labels[1])
    assert choose_level(Layers(labels, persistence), apart) == 0
    # a layer that leaves most documents unclustered separates those it keeps, but explains less
    sparse = labels.copy()
    sparse[0, np.arange(sparse.shape[1]) % 4 != 0] = -1
    assert choose_level(Layers(sparse, persistence), apart) == 1


def test_the_granularity_rule_breaks_near_ties_towards_the_finer_layer_and_keeps_to_readable_counts(monkeypatch):
    from topiclab.pipeline import cluster

    unit, labels = _grouped_vectors(offset=0.35)  # 12 topics, then 6; a finest layer of 200 below them
    layers = cluster.Layers(np.vstack([np.arange(len(unit)) % 200, labels]), np.array([0.0, 1.0, 1.0]))
    for fine_share, chosen in ((1 - cluster.TIE / 2, 1), (1 - 2 * cluster.TIE, 2)):
        monkeypatch.setattr(cluster, "separation_score", lambda _, layer, share=fine_share: {
            199: 0.5, 11: share}.get(int(layer.max()), 1.0))
        assert cluster.choose_level(layers, unit) == chosen
    # when no candidate separates better than the finest layer saved (overlapping subjects), the finest candidate
    n = len(unit)
    finest, middle, coarse = np.arange(n) % 200, np.arange(n) % 100, labels[1]  # 200 topics: above MAX_TOPICS
    scores = {199: 1.0, 99: 0.8, 5: 0.9}
    monkeypatch.setattr(cluster, "separation_score", lambda _, layer: scores[int(layer.max())])
    stack = cluster.Layers(np.vstack([finest, middle, coarse]), np.array([0.0, 1.0, 2.0]))
    assert cluster.choose_level(stack, unit) == 1
    scores[5] = 1.1  # a coarse layer that separates better than the finest: coarse structure, and it wins
    assert cluster.choose_level(stack, unit) == 2
    brief = cluster.Layers(stack.labels, np.array([0.0, 1.0, 0.8 * cluster.STEADINESS]))  # it persists less, but
    assert cluster.choose_level(brief, unit) == 2  # no steady layer separates better: steadiness tells nothing
    scores[99] = 1.05  # a steady layer that separates better than the finest wins over the brief one
    assert cluster.choose_level(brief, unit) == 1
    assert cluster.choose_level(cluster.Layers(stack.labels, np.array([0.0, 0.5, 0.49])), unit) == 2  # steady again
    # a hair under the finest layer's score (within FINEST_BAND, its noise between near-identical fits) is
    # coarse structure too; further under, it is not
    scores.update({99: 0.8, 5: 1 - cluster.FINEST_BAND / 2})
    assert cluster.choose_level(stack, unit) == 2
    scores[5] = 1 - 2 * cluster.FINEST_BAND
    assert cluster.choose_level(stack, unit) == 1
    monkeypatch.undo()
    few = np.vstack([labels[0], labels[1] % 2])  # 2 topics: below MIN_TOPICS, never the default
    assert cluster.MIN_TOPICS > 2 and cluster.choose_level(cluster.Layers(few, np.array([0.0, 1.0])), unit) == 0
    many = np.vstack([np.arange(len(unit)) % (cluster.MAX_TOPICS + 1), labels[1]])  # more than a reader scans
    assert cluster.choose_level(cluster.Layers(many, np.array([0.0, 1.0])), unit) == 1




def test_broad_groups_let_a_layer_just_under_the_finest_one_count_as_coarse_structure(monkeypatch):
    from topiclab.pipeline import cluster

    unit, labels = _grouped_vectors(offset=0.35)
    n = len(unit)  # layers of 200, 100, 6 and 3 topics, keyed below by their largest label
    stack = cluster.Layers(np.vstack([np.arange(n) % 200, np.arange(n) % 100, labels[1], labels[1] % 3]),
                           np.array([0.0, 1.0, 2.0, 2.0]))
    scores = {199: 1.0, 99: 0.8, 5: 1 - cluster.NEAR_FINEST / 2, 2: 0.9}
    monkeypatch.setattr(cluster, "separation_score", lambda _, layer: scores[int(layer.max())])
    assert cluster.choose_level(stack, unit) == 1  # nothing beats the finest layer: the finest candidate
    scores[2] = 1.2  # 3 broad groups separate better than the finest layer: the 6 topics just under it win
    assert cluster.choose_level(stack, unit) == 2
    scores[5] = 1 - 2 * cluster.NEAR_FINEST  # but not from further under it
    assert cluster.choose_level(stack, unit) == 1


def test_the_level_is_the_layer_nearest_the_median_of_the_layouts_choices():
    from topiclab.pipeline import cluster

    n_topics = [120, 60, 30, 12, 6]
    labels = np.vstack([np.arange(240) % k for k in n_topics])
    stack = cluster.Layers(labels, np.zeros(len(n_topics)))
    assert cluster.voted_level(stack, 2, []) == 2  # no votes: this layout's choice
    assert cluster.voted_level(stack, 2, [12, 14]) == 3  # outvoted: the median, 12 topics
    assert cluster.voted_level(stack, 2, [12, 55]) == 2  # median 30: its own
    assert cluster.voted_level(stack, 0, [6, 9]) == 3  # nearest by ratio: 12 is 1.33x the median 9, 6 is 1.5x
    pair = cluster.Layers(np.vstack([np.arange(240) % 24, np.arange(240) % 6]), np.zeros(2))
    assert cluster.voted_level(pair, 1, [12, 12]) == 1 and cluster.voted_level(pair, 0, [12, 12]) == 0  # 2x either way
    many = cluster.Layers(np.vstack([np.arange(480) % 160, np.arange(480) % 100]), np.zeros(2))
    assert cluster.MAX_TOPICS < 160 and cluster.voted_level(many, 1, [150, 150]) == 1  # candidates only


def test_five_layouts_vote_on_small_samples_and_one_chooses_on_large_ones():
    from topiclab.config import RunConfig
    from topiclab.pipeline.steps import VOTED_SAMPLE, layouts_voting

    auto = RunConfig()
    assert layouts_voting(auto, 3_000) == layouts_voting(auto, VOTED_SAMPLE) == 5
    assert layouts_voting(auto, VOTED_SAMPLE + 1) == 1  # more UMAP layouts of 50,000 documents cost too much
    assert layouts_voting(RunConfig.build(overrides={"topics.level_votes": 3}), 50_000) == 3  # unless asked for
