"""BERTopic models in and out: a real BERTopic fit becomes a topiclab run (report, map, edits, assign), a topiclab
run becomes a folder BERTopic loads and uses, and the round trip keeps topics, sizes, words and labels."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from topiclab import load_run
from topiclab.config import EmbeddingConfig
from topiclab.embed import embed_documents
from topiclab.errors import ConfigError, EmbeddingError, RunError
from topiclab.interop import bertopic as interop
from topiclab.interop import bertopic_export, export_bertopic, from_bertopic, to_bertopic

ROOT = Path(__file__).resolve().parents[1]
WORDLLAMA = EmbeddingConfig(model="wordllama")


def bertopic_fit(texts: list[str], vectors: np.ndarray):
    """BERTopic as a user fits it, seeded, with a KeyBERTInspired aspect (its words embedded by WordLlama through
    topiclab's adapter) and one custom label."""
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired
    from hdbscan import HDBSCAN
    from umap import UMAP

    from topiclab.embed.bertopic_adapter import BERTopicBackend

    model = BERTopic(embedding_model=BERTopicBackend.from_config(WORDLLAMA),
                     umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
                     hdbscan_model=HDBSCAN(min_cluster_size=10, prediction_data=True),
                     representation_model={"KeyBERT": KeyBERTInspired()})
    model.fit(texts, vectors)
    model.set_topic_labels({0: "Hand-set name"})
    return model


@pytest.fixture(scope="module")
def fitted_bertopic(tmp_path_factory, bbc_small):
    """(folder saved with safetensors, the corpus CSV, the live model, the vectors it was fitted on)."""
    folder = tmp_path_factory.mktemp("bertopic")
    corpus = folder / "articles.csv"
    bbc_small.to_csv(corpus, index=False)
    vectors, _ = embed_documents(bbc_small["text"].tolist(), WORDLLAMA, progress=False)
    model = bertopic_fit(bbc_small["text"].tolist(), vectors)
    model.save(folder / "model", serialization="safetensors", save_ctfidf=True, save_embedding_model="wordllama")
    model.save(folder / "pytorch", serialization="pytorch", save_ctfidf=True, save_embedding_model="wordllama")
    return folder / "model", corpus, model, vectors


def topics_of(model) -> np.ndarray:
    return np.asarray(model.topics_)


@pytest.mark.integration
def test_a_saved_bertopic_model_becomes_a_run_with_its_own_topics_words_labels_and_vectors(fitted_bertopic, tmp_path):
    folder, corpus, model, vectors = fitted_bertopic
    run = from_bertopic(folder, corpus, text_col="text", class_col="label", path=tmp_path / "run")

    assert (run.documents["topic"].to_numpy() == topics_of(model)).all()  # outliers stay -1
    assert run.config.embedding.model == "wordllama" and run.config.topics.outlier_reduction == "none"
    assert np.allclose(run.embeddings, vectors, atol=1e-5)  # the model's own embedding model, loaded offline
    info = model.get_topic_info().set_index("Topic")
    table = run.topics.set_index("topic")
    assert table["size"].to_dict() == info["Count"].to_dict()
    for topic in info.index:
        assert table.loc[topic, "words"] == [w for w, _ in model.get_topic(topic)]
        assert table.loc[topic, "words_keybert"] == [w for w, _ in model.topic_aspects_["KeyBERT"][topic]]
    assert table.loc[0, "label"] == "0: Hand-set name" and run.manifest["manual_labels"] == {"0": "0: Hand-set name"}
    rows = {int(t): v for t, v in zip(run.topics["topic"], run.topic_embeddings)}
    assert all(np.allclose(rows[t], model.topic_embeddings_[t + 1], atol=1e-6) for t in rows)
    provenance = run.manifest["bertopic"]
    assert provenance["source"]["path"] == str(folder.resolve()) and provenance["topic_embeddings"] == "BERTopic's"
    assert provenance["embedding_model"] == "wordllama" and "KeyBERT" in provenance["aspects"]

    reopened = load_run(tmp_path / "run")
    assert reopened == run and {"2d", "3d"} <= reopened.projections.keys()
    from topiclab import assign_topics
    from topiclab.workflow import merge

    assigned = assign_topics(reopened, run.documents["text"].head(20).tolist())
    assert (assigned["topic"].to_numpy() == run.documents["topic"].head(20).to_numpy()).mean() >= 0.8
    ids = [t for t in table.index if t >= 0]
    merged = merge(reopened, [ids[:2]])
    assert merged.topics.set_index("topic").loc[ids[0], "size"] == table.loc[ids[0], "size"] + table.loc[ids[1], "size"]
    assert load_run(tmp_path / "run").manifest["edits"][0]["op"] == "merge"


@pytest.mark.integration
def test_a_live_model_imports_and_topiclabs_reassignment_leaves_no_outliers(fitted_bertopic, bbc_small):
    _, _, model, vectors = fitted_bertopic
    outliers = int((topics_of(model) == -1).sum())
    kept = from_bertopic(model, bbc_small, vectors, text_col="text", save=False)
    assert kept.config.embedding.model == "wordllama" and "skipped" not in kept.manifest["labels"]
    reassigned = from_bertopic(model, bbc_small, vectors, text_col="text", save=False, reassign_outliers=True)
    assert kept.metrics["outlier_share"] == pytest.approx(outliers / len(bbc_small), abs=5e-5)  # saved to 4 places
    assert reassigned.metrics["outlier_share"] == 0.0
    assert reassigned.manifest["bertopic"]["outliers"] == {"bertopic": outliers, "reassigned_by_topiclab": outliers}
    clustered = topics_of(model) != -1
    assert (reassigned.documents["topic"].to_numpy()[clustered] == topics_of(model)[clustered]).all()
    assert (reassigned.documents.loc[~clustered, "assigned_by"] == "neighbors").all()


@pytest.mark.integration
def test_the_cli_imports_a_folder_and_its_report_opens_in_chromium(fitted_bertopic, tmp_path, browser):
    from test_report import drawn_figures, offline_page

    folder, corpus, _, _ = fitted_bertopic
    result = subprocess.run([sys.executable, "-m", "topiclab", "import-bertopic", str(folder), str(corpus), "--text-col",
                             "text", "--class-col", "label", "-o", str(tmp_path / "bbc")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "0: Hand-set name" in result.stdout and "report.html" in result.stdout
    run = load_run(tmp_path / "bbc" / "run")
    assert "bertopic" in run.manifest and "edits" not in run.manifest  # the report reopened the imported run
    page, errors = offline_page(browser, tmp_path / "bbc" / "report.html")
    total, drawn = drawn_figures(page)
    assert total >= 8 and drawn == total
    page.frame_locator("iframe.topiclab-map").locator("#tlmap[data-state=ready]").wait_for()
    assert page.locator("text=Hand-set name").count() > 0 and not errors
    page.close()


def test_a_pickled_model_is_refused_with_how_to_save_it_instead(tmp_path):
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"never": "loaded"}))
    with pytest.raises(RunError, match=re.escape('serialization="safetensors", save_ctfidf=True')):
        from_bertopic(pickled, ["a document"] * 30)
    from topiclab.cli import app

    result = CliRunner().invoke(app, ["import-bertopic", str(pickled), str(pickled), "--no-report"])
    assert result.exit_code == 2 and "never loads" in result.output and "Traceback" not in result.output


@pytest.mark.integration
def test_a_pytorch_folder_reads_as_the_safetensors_one(fitted_bertopic):
    safetensors, pytorch = interop.read_bertopic(fitted_bertopic[0]), interop.read_bertopic(fitted_bertopic[0].parent
                                                                                              / "pytorch")
    assert "topic_embeddings.bin" in pytorch.source["files"]
    assert np.array_equal(pytorch.topic_embeddings, safetensors.topic_embeddings)
    assert pytorch.words == safetensors.words and (pytorch.topics == safetensors.topics).all()


def test_an_embedding_model_path_saved_in_the_folder_is_not_followed(fitted_run, tmp_path):
    folder = export_bertopic(fitted_run, tmp_path / "exported")
    settings = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**settings, "embedding_model": str(tmp_path)}))
    with pytest.raises(EmbeddingError, match="a path saved in the model folder"):
        from_bertopic(folder, fitted_run.documents, text_col="text", save=False)
    run = from_bertopic(folder, fitted_run.documents, text_col="text", save=False, model="wordllama",
                        **{"projection.enabled": False})
    assert run.config.embedding.model == "wordllama"
    assert "not the BERTopic model's own" in run.manifest["bertopic"]["document_vectors"]


def test_documents_other_than_the_fitted_ones_are_refused(fitted_run, tmp_path):
    from topiclab.cli import app

    result = CliRunner().invoke(app, ["export-bertopic", str(fitted_run.path), str(tmp_path / "exported")])
    assert result.exit_code == 0 and "BERTopic.load(" in result.output
    folder = tmp_path / "exported"
    with pytest.raises(Exception, match="holds topics for 300 documents, the corpus has 299"):
        from_bertopic(folder, fitted_run.documents.head(299), text_col="text", save=False)


@pytest.mark.integration
def test_an_exported_run_loads_in_bertopic_which_draws_and_transforms_with_it(fitted_run, tmp_path, monkeypatch):
    import huggingface_hub.constants
    from bertopic import BERTopic

    from topiclab.embed.bertopic_adapter import BERTopicBackend

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # BERTopic.load looks the name up
    path = export_bertopic(fitted_run, tmp_path / "exported")
    model = BERTopic.load(str(path), embedding_model=BERTopicBackend.from_config(fitted_run.config.embedding))
    info = model.get_topic_info().set_index("Topic")
    table = fitted_run.topics.set_index("topic")
    assert info["Count"].to_dict() == table["size"].to_dict()
    assert info["CustomName"].to_dict() == {t: label.split(": ", 1)[1] for t, label in table["label"].items()}
    assert info["Representation"].map(list).to_dict() == table["words"].map(list).to_dict()
    assert list(model.get_topic(0)[0]) == [table.loc[0, "words"][0], pytest.approx(table.loc[0, "word_scores"][0])]
    assert model.c_tf_idf_.shape[0] == len(table) and model.vectorizer_model.vocabulary_
    assert len(model.visualize_topics().data) and len(model.visualize_barchart().data)
    texts = fitted_run.documents["text"].tolist()
    predicted, _ = model.transform(texts)
    assert set(predicted) <= set(table.index) and (predicted == fitted_run.documents["topic"]).mean() > 0.6
    live = to_bertopic(fitted_run)
    assert (live.transform(texts[:20])[0] == predicted[:20]).all() and live.get_topic_info()["Count"].sum() == len(texts)


def test_export_then_import_gives_the_same_topics_sizes_words_and_labels(fitted_run, tmp_path):
    fitted_run.set_label(1, "Relabelled by hand")
    path = export_bertopic(fitted_run, tmp_path / "exported")
    back = from_bertopic(path, fitted_run.documents[["doc_id", "text"]], fitted_run.embeddings, text_col="text",
                         save=False, model="wordllama")
    for column in ("topic", "size", "label", "words"):
        assert back.topics[column].map(str).tolist() == fitted_run.topics[column].map(str).tolist(), column
    assert (back.documents["topic"] == fitted_run.documents["topic"]).all()
    assert back.manifest["manual_labels"] == {"1": "1: Relabelled by hand"}


def test_an_edited_run_with_gaps_in_its_topic_ids_exports_numbered_from_zero(fitted_run, tmp_path):
    from topiclab.workflow import merge

    ids = sorted(t for t in fitted_run.topics["topic"] if t >= 0)
    edited = merge(fitted_run, [[ids[0], ids[1]]])
    path = export_bertopic(edited, tmp_path / "exported")
    saved = interop.read_bertopic(path)
    assert saved.topic_ids == list(range(-1 if -1 in saved.topic_ids else 0, len(ids) - 1))
    assert sorted(saved.sizes.values()) == sorted(edited.topics["size"].tolist())


def test_to_bertopic_without_the_package_says_which_pip_command_adds_it(fitted_run, monkeypatch):
    monkeypatch.setattr(bertopic_export, "installed", lambda module: False)
    with pytest.raises(ConfigError) as error:
        to_bertopic(fitted_run)
    message = str(error.value)
    assert "\n" not in message and message.endswith("-m pip install 'bertopic>=0.17'")
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert tuple(extras["bertopic"]) == bertopic_export.BERTOPIC_REQUIREMENTS and "bertopic" in extras["test"][3]


def test_an_imported_aspect_topiclab_does_not_compute_survives_an_edit(fitted_run, tmp_path):
    from topiclab.workflow import merge

    saved = interop.read_bertopic(export_bertopic(fitted_run, tmp_path / "exported"))
    saved.aspects["Part of speech"] = {t: [[w, 1.0] for w, _ in words[:3]] for t, words in saved.words.items()}
    from_bertopic(saved, fitted_run.documents[["doc_id", "text"]], fitted_run.embeddings, text_col="text",
                  path=tmp_path / "run", **{"projection.enabled": False})
    ids = sorted(t for t in saved.topic_ids if t >= 0)
    merge(tmp_path / "run", [ids[:2]])
    cells = load_run(tmp_path / "run").topics.set_index("topic")["words_part_of_speech"]
    assert cells.loc[ids[0]] == [] and cells.loc[ids[2]] == [w for w, _ in saved.words[ids[2]][:3]]
