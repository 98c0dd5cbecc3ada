"""Topic modeling variants on real data: zero-shot names, seed words, known labels (semi-supervised and
supervised), online updates of a saved run, edits that persist, and search."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score
from typer.testing import CliRunner

from topiclab import fit_run, load_run
from topiclab.cli import app
from topiclab.errors import ConfigError
from topiclab.report.tables import LEVELS_NOTE, levels_note
from topiclab.search import search, search_topics
from topiclab.workflow import merge, move, set_level, split, update_run

from conftest import FAST

BBC = {"text_col": "text", "class_col": "label", "id_col": "doc_id", **FAST}


def test_zero_shot_names_take_their_documents_and_survive_edits_and_transform(bbc_small, tmp_path):
    run = fit_run(bbc_small, output_dir=tmp_path, name="zs", zero_shot="sport, politics, quantum chromodynamics",
                  topics={"zero_shot_threshold": 0.3}, **BBC)
    report = run.manifest["clustering"]["zero_shot"]
    assert sorted([*report["topics"], *report["matched"], *report["unused"]]) == \
        ["politics", "quantum chromodynamics", "sport"]  # every name is accounted for, once
    assert report["unused"] == ["quantum chromodynamics"]  # no article is about it: no topic carries it
    assert report["topics"] and report["matched"]  # on these 300 articles: one name forms a topic, one names one
    named = run.topics[run.topics["name"] != ""].set_index("name")
    assert set(named.index) == {"sport", "politics"}
    for name, topic in report["topics"].items():  # a name that forms a topic gathers as many as any topic has
        row = named.loc[name]
        assert row["topic"] == topic and row["label"] == f"{topic}: {name}" and row["origin"] == "zero-shot"
        by_name = run.documents[(run.documents["topic"] == topic) & (run.documents["assigned_by"] == "zero-shot")]
        assert len(by_name) >= report["min_documents"]
    for name, topic in report["matched"].items():  # a name too few articles are close to names a fitted topic
        assert named.loc[name, "topic"] == topic and named.loc[name, "origin"] == "fit"
        assert not (run.documents.loc[run.documents["topic"] == topic, "assigned_by"] == "zero-shot").any()
    for name, topic in named["topic"].items():  # named topics hold what their name says
        assert (run.documents.loc[run.documents["topic"] == topic, "class"] == name).mean() > 0.8
    from topiclab.report.tables import guidance_table

    shown = guidance_table(run).set_index("Name or words")["Gathered"]
    assert shown["quantum chromodynamics"].startswith("unused") and "names fitted topic" in \
        shown[next(iter(report["matched"]))]
    from topiclab import assign_topics

    by_name = run.documents[run.documents["assigned_by"] == "zero-shot"]
    again = assign_topics(run, by_name["text"].tolist())  # transform applies the same names, same threshold
    assert (again["topic"].to_numpy() == by_name["topic"].to_numpy()).all()
    name, formed = next(iter(report["topics"].items()))
    other = int(run.topics.loc[run.topics["name"] == "", "topic"].iloc[0])
    merged = merge(run, [[other, formed]])
    assert f"{formed}: {name}" not in merged.topic_labels.values()  # merged into the other topic ...
    assert merged.topics.loc[merged.topics["topic"] == other, "name"].item() == name  # ... which takes the name


def test_a_cluster_joins_a_name_only_when_several_of_its_documents_carry_it():
    from topiclab.pipeline.guidance import clusters_to_topics

    clusters = np.repeat([0, 1, 2], 100)
    known = np.full(300, -1)
    known[[0, 1, 2, 3]] = [0, 0, 0, 1]      # cluster 0: three of four named documents say name 0: joins it
    known[[100, 101]] = 0                   # cluster 1: two documents, by chance over the threshold: stays apart
    known[[200, 201, 202, 203]] = [1, 1, 0, 0]  # cluster 2: no majority: stays apart
    topics = clusters_to_topics(clusters, known, n_named=2, label_offset=0)
    assert (topics[:100] == 0).all()
    assert set(topics[100:200]) == {2} and set(topics[200:]) == {3}  # new topics, numbered after the names


def test_a_cluster_joins_a_zero_shot_name_only_when_that_name_is_closest_to_its_centroid():
    from topiclab.pipeline.guidance import clusters_to_topics

    clusters = np.repeat([0, 1], 50)
    vectors = np.repeat(np.eye(3)[[0, 2]], 50, axis=0)   # cluster 0 lies along name 0, cluster 1 along name 1
    names = np.array([[1.0, 0, 0], [0, 0.6, 0.8]])  # name 0 formed a topic; name 1 (last row) formed none
    known = np.full(100, -1)
    known[[0, 1, 2]] = 0                     # three documents of each cluster were close to name 0
    known[[50, 51, 52]] = 0
    topics = clusters_to_topics(clusters, known, n_named=1, label_offset=0, vectors=vectors, name_vectors=names,
                                n_names=1)
    assert (topics[:50] == 0).all()          # about name 0: joins it
    assert set(topics[50:]) == {1}           # closer to name 1: keeps a topic of its own


def test_a_name_names_the_topic_it_fits_best_and_only_one_name_per_topic():
    from topiclab.pipeline.guidance import match_names

    centroids = np.eye(3)
    names = np.array([[0.9, 0.1, 0.0], [0.8, 0.0, 0.2], [0.3, 0.3, 0.3]])
    assert match_names(names, centroids, threshold=0.6) == {0: 0}  # name 1 loses topic 0 to the closer name 0;
    assert match_names(None, centroids, threshold=0.6) == {}       # name 2 reaches no centroid: both unused
    formed = np.array([[1.0, 0.0, 0.0]])  # topic 0 is closer still to a name that formed a topic of its own:
    assert match_names(names, centroids, threshold=0.6, rivals=formed) == {}  # the other names leave it alone


def test_seed_words_steer_topics_and_the_manifest_counts_their_documents(bbc_small, tmp_path):
    run = fit_run(bbc_small, output_dir=tmp_path, name="seeded", seed_words="film award; election party", **BBC)
    matched = run.manifest["clustering"]["seed_words_matched"]
    assert set(matched) == {"0", "1"} and all(count > 0 for count in matched.values())
    words = {w for ws in run.topics["words"] for w in ws}
    assert {"film", "election"} <= words


def test_known_labels_shape_topics_and_class_col_never_does(bbc_small, tmp_path):
    frame = bbc_small.copy()
    rng = np.random.default_rng(0)
    frame["known"] = np.where(rng.random(len(frame)) < 0.3, frame["label"], "")
    free = fit_run(frame, output_dir=tmp_path, name="free", **BBC)
    guided = fit_run(frame, output_dir=tmp_path, name="semi", label_col="known", **BBC)
    truth = frame["label"].to_numpy()
    assert normalized_mutual_info_score(truth, guided.documents["topic"]) > \
        normalized_mutual_info_score(truth, free.documents["topic"])
    labelled = guided.documents["label"].notna()
    named = dict(zip(guided.topics["topic"], guided.topics["name"]))
    assert all(named[t] == k for t, k in zip(guided.documents.loc[labelled, "topic"],
                                              guided.documents.loc[labelled, "label"]))
    scrambled = frame.assign(label=rng.permutation(frame["label"].to_numpy()))  # the class column is for scoring only
    again = fit_run(scrambled, output_dir=tmp_path, name="free2", **BBC)
    np.testing.assert_array_equal(again.documents["topic"], free.documents["topic"])


def test_labels_for_every_document_give_supervised_topics(bbc_small, tmp_path):
    run = fit_run(bbc_small, output_dir=tmp_path, name="sup", label_col="label", **BBC)
    assert sorted(run.topics["name"]) == sorted(bbc_small["label"].unique())
    assert (run.documents["assigned_by"] == "label").all()
    assert normalized_mutual_info_score(run.documents["class"], run.documents["topic"]) == pytest.approx(1.0)


def test_update_adds_documents_keeps_ids_and_logs_it(bbc_small, tmp_path):
    first, second = bbc_small.iloc[::2], bbc_small.iloc[1::2]
    run = fit_run(first, output_dir=tmp_path, name="online", **BBC)
    before = run.documents[["doc_id", "topic"]].copy()
    run.set_label(int(run.topics["topic"].iloc[0]), "Kept by hand")
    run.save()
    updated = update_run(run.path, second, text_col="text", id_col="doc_id", class_col="label")
    assert len(updated.documents) == len(bbc_small) and set(updated.documents["batch"]) == {0, 1}
    kept = updated.documents.merge(before, on="doc_id", suffixes=("", "_before"))
    assert (kept["topic"] == kept["topic_before"]).all()  # old documents keep their topics
    assert "Kept by hand" in updated.topic_labels[int(run.topics["topic"].iloc[0])]
    assert updated.projections["2d"].shape == (len(bbc_small), 2) and len(updated.embeddings) == len(bbc_small)
    log = load_run(run.path).manifest["updates"]
    assert log[0]["n_documents"] == len(second) and log[0]["batch"] == 1
    with pytest.raises(Exception, match="already in run"):
        update_run(run.path, second, text_col="text", id_col="doc_id")


def test_edits_persist_with_lineage_and_refit_keeps_them(bbc_small, tmp_path):
    run = fit_run(bbc_small, output_dir=tmp_path, name="edits", **BBC)
    a, b, c = (int(t) for t in run.topics["topic"].iloc[:3])
    run = merge(run.path, [[a, b]])
    assert run.topics.set_index("topic").loc[a, "parents"] == [a, b] and b not in run.topic_labels
    run = split(run.path, a, parts=2)
    parts = run.topics[run.topics["origin"] == "split"]
    assert len(parts) == 2 and all(p == [a] for p in parts["parents"])
    moved = run.documents["doc_id"].iloc[:3].tolist()
    run = move(run.path, moved, c)
    saved = load_run(run.path)
    assert (saved.documents.set_index("doc_id").loc[moved, "topic"] == c).all()
    assert [e["op"] for e in saved.manifest["edits"]] == ["merge", "split", "move"]
    saved.set_label(c, "Hand label")
    saved.save()
    again = fit_run(bbc_small, output_dir=tmp_path, name="edits", **BBC)  # the same run, fitted again
    carried = again.manifest["carried"]
    assert carried["labels"] and not carried["labels_unplaced"]
    assert "Hand label" in " ".join(again.topic_labels.values())
    assert any(e["op"] == "move" for e in carried["edits"])
    target = again.documents.set_index("doc_id").loc[moved, "topic"]
    assert target.nunique() == 1 and "Hand label" in again.topic_labels[int(target.iloc[0])]
    with pytest.raises(ConfigError, match="No topic 999"):
        merge(again, [[999, a]])


def test_edits_return_a_new_run_and_leave_the_one_passed_unchanged(fitted_run):
    """A notebook tries edits with save=False and then compares with the fit: the fit must still be the fit."""
    from topiclab import assign_topics

    saved = load_run(fitted_run.path)
    a, b, c = (int(t) for t in fitted_run.topics.nlargest(3, "size")["topic"])
    labels = dict(fitted_run.topic_labels)
    merged = merge(fitted_run, [[b, c]], save=False)
    parted = split(merged, a, parts=2, save=False)
    moved = move(parted, fitted_run.documents["doc_id"].iloc[:2].tolist(), b, save=False)
    finest = set_level(fitted_run, 0, save=False)
    assert c not in merged.topic_labels and merged.topics.set_index("topic").loc[b, "parents"] == sorted([b, c])
    assert len(parted.topics) == len(merged.topics) + 1 and (parted.topics["origin"] == "split").sum() == 2
    assert (moved.documents["topic"].iloc[:2] == b).all() and len(finest.topics) == finest.levels["topics"].iloc[0]
    assert [e["op"] for e in moved.manifest["edits"]] == ["merge", "split", "move"]
    assert fitted_run == saved and load_run(fitted_run.path) == saved  # the object passed in, and its folder
    assert fitted_run.topic_labels == labels and c in fitted_run.topic_labels
    again = assign_topics(fitted_run, saved.documents["text"].tolist())  # the run's own model, not the edited one
    assert set(again["label"]) <= set(labels.values()) | {"-1: outliers"} and c in set(again["topic"])


def test_levels_switch_without_refitting(bbc_small, tmp_path):
    run = fit_run(bbc_small, output_dir=tmp_path, name="levels", **BBC)
    finest = run.levels["topics"].max()
    switched = set_level(run.path, 0)
    assert len(switched.topics) == finest and switched.levels["chosen"].tolist()[0]
    back = set_level(run.path, "auto")
    np.testing.assert_array_equal(back.documents["topic"], run.documents["topic"])  # the saved votes decide again
    votes = run.manifest["clustering"]["level_votes"]
    listed = CliRunner().invoke(app, ["levels", str(run.path)])
    others = ", ".join(map(str, votes))
    assert len(votes) == 4 and f"4 other layouts' ({others} topics" in listed.output
    assert run.level_votes == votes and f"5 UMAP layouts chose (the others: {others})" in levels_note(run)
    run.manifest["clustering"]["level_votes"] = ["<b>many</b>", 2.5, votes[0]]  # a run folder is data
    assert run.level_votes == [votes[0]]
    run.manifest["clustering"] = ["not", "a", "section"]
    assert run.level_votes == [] and levels_note(run) == LEVELS_NOTE


def test_search_by_words_and_meaning(fitted_run):
    found = search(fitted_run, "election campaign", limit=5)
    assert len(found) == 5 and list(found.columns) == ["doc_id", "topic", "label", "score", "matched", "text"]
    assert found["score"].is_monotonic_decreasing
    words = search(fitted_run, "Blair", mode="keyword")
    assert len(words) and words["text"].str.contains("Blair").all()
    assert search(fitted_run, "zzyzxq", mode="keyword").empty
    topics = search_topics(fitted_run, "football match", limit=3)
    assert len(topics) == 3 and topics["score"].is_monotonic_decreasing
    with pytest.raises(ConfigError, match="query is empty"):
        search(fitted_run, "  ")
