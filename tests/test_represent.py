"""Topic aspects: word re-ranking (KeyBERTInspired, MMR, chains), prompts, answer cleaning, the label
cache, the labels configuration, relabelling a saved run and labelling by hand from the CLI."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from topiclab import ConfigError, RunConfig, load_run, relabel
from topiclab.cli import app
from topiclab.represent import keyword_label
from topiclab.represent.llm import DEFAULT_TEMPLATE, LabelCache, build_prompt, clean_label
from topiclab.represent.llm.prompt import approx_tokens


# ---------------------------------------------------------------------------------------------- answers
@pytest.mark.parametrize("answer, label", [
    (" Ice hockey", "Ice hockey"),
    ('Label: "Space exploration"', "Space exploration"),
    ("Topic: Gun control - debates about the second amendment", "Gun control"),
    ("**Car engines**. This topic is about engines.", "Car engines"),
    ("The topic is medical research (cancer)", "medical research"),
    ("\n\n1. Image formats\nExplanation: JPEG and GIF", "Image formats"),
    ("Topic modeling", "Topic modeling"),
])
def test_answers_are_cleaned_to_one_short_label(answer, label):
    assert clean_label(answer) == label


@pytest.mark.parametrize("answer", ["", "  \n ", "Label:", "2018-01-24 22:2", "{keywords}",
                                    "team, game, period, goal, play",
                                    "this answer rambles on for far too many words to be any kind of label"])
def test_empty_or_absurd_answers_are_rejected(answer):
    assert clean_label(answer) is None


def test_prompt_fits_its_token_budget_and_keeps_every_document_it_can():
    documents = ["word " * 2000, "A short post about hockey.", "x " * 1000]
    prompt = build_prompt(DEFAULT_TEMPLATE, ["hockey", "team", "game"], documents, 400)
    assert approx_tokens(prompt) <= 400
    assert "Topic keywords: hockey, team, game\n" in prompt and prompt.endswith("Label:")
    filled = prompt.split("Topic keywords: hockey")[1]
    assert "- A short post about hockey." in filled and filled.count(" ...") == 2


def test_custom_template_and_no_room_for_documents():
    prompt = build_prompt("Name this: {keywords}\n{documents}\nName:", ["tax"], ["some text " * 50], 8)
    assert prompt == "Name this: tax\n\nName:"


# ---------------------------------------------------------------------------------------------- configuration
def test_labels_configuration_defaults_and_allowed_values():
    labels = RunConfig().labels
    assert labels.aspects == ["keybert", "mmr", "names"] and labels.resolved_display == "names"
    assert labels.llm.backend == "local"
    assert RunConfig.build(overrides={"labels.aspects": ""}).labels.aspects == []  # --set labels.aspects= for none
    config = RunConfig.build(overrides={"labels.aspects": "keybert, llm"})
    assert config.labels.aspects == ["keybert", "llm"] and config.labels.resolved_display == "llm"
    with pytest.raises(ConfigError, match="'keywords2' is not an aspect; the aspects are keybert, mmr, keybert_mmr, llm, names"):
        RunConfig.build({"labels": {"aspects": ["keywords2"]}})
    with pytest.raises(ConfigError, match="not in labels.aspects"):
        RunConfig.build({"labels": {"display": "keybert_mmr"}})
    with pytest.raises(ConfigError, match="needs base_url and model"):
        RunConfig.build({"labels": {"llm": {"backend": "openai"}}})


def test_a_pasted_key_is_refused_and_not_echoed():
    key = "sk-proj-abc123DEF456"
    with pytest.raises(ConfigError) as caught:
        RunConfig.build({"labels": {"llm": {"api_key_env": key}}})
    assert "NAME of an environment variable" in str(caught.value) and key not in str(caught.value)


# ---------------------------------------------------------------------------------------------- label cache
def test_label_cache_persists_and_recovers_from_a_damaged_file(tmp_path):
    with LabelCache(tmp_path) as cache:
        cache.put("k1", "Ice hockey")
    with LabelCache(tmp_path) as cache:
        assert cache.get(["k1", "k2"]) == {"k1": "Ice hockey"}
    for leftover in tmp_path.glob("labels.sqlite-*"):
        leftover.unlink()
    (tmp_path / "labels.sqlite").write_bytes(b"not a database" * 100)
    with LabelCache(tmp_path) as cache:
        assert cache.get(["k1"]) == {}
        cache.put("k1", "Space")
    assert list(tmp_path.glob("labels.sqlite.damaged-*"))
    assert sqlite3.connect(tmp_path / "labels.sqlite").execute("SELECT answer FROM labels").fetchall() == [("Space",)]


# ---------------------------------------------------------------------------------------------- word aspects
def test_word_aspects_side_by_side_and_chained_survive_load_run(fitted_run):
    ctfidf_words = fitted_run.topics["words"].tolist()
    keyword_labels = [keyword_label(t, words) for t, words in zip(fitted_run.topics["topic"], ctfidf_words)]
    run = relabel(fitted_run, aspects=["keybert", "mmr", "keybert_mmr"], display="mmr", mmr_diversity=0.5)
    saved = load_run(run.path)
    top_n = saved.config.topics.top_n_words
    for aspect in ("keybert", "mmr", "keybert_mmr"):
        for words, scores in zip(saved.topics[f"words_{aspect}"], saved.topics[f"word_scores_{aspect}"]):
            assert 0 < len(words) <= top_n and len(scores) == len(words)
            assert all(isinstance(w, str) and w for w in words) and all(isinstance(s, float) for s in scores)
    for row in saved.topics.itertuples():
        if row.topic != -1:
            assert row.label == f"{row.topic}: {', '.join(row.words_mmr[:4])}"
        assert set(row.words_mmr) <= set(_candidates(saved, row.topic))  # MMR picks among c-TF-IDF candidates
    assert saved.manifest["labels"]["aspects"] == ["keybert", "mmr", "keybert_mmr"]
    assert saved.config.labels.mmr_diversity == 0.5
    assert saved.topics["words"].tolist() == ctfidf_words  # c-TF-IDF words untouched

    back = relabel(saved, aspects=[])
    assert not [c for c in back.topics.columns if c.startswith("words_")]
    assert back.topics["label"].tolist() == keyword_labels


def _candidates(run, topic: int) -> list[str]:
    from topiclab.represent import TopicContext
    from topiclab.results import load_model

    context = TopicContext(run.topics, load_model=lambda: load_model(run))
    return [word for word, _ in context.candidates()[topic]]


# ---------------------------------------------------------------------------------------------- by hand
def test_set_label_from_the_cli_survives_a_relabel(fitted_run):
    topic = int(fitted_run.topics["topic"].max())
    result = CliRunner().invoke(app, ["set-label", str(fitted_run.path), str(topic), "Business news"])
    assert result.exit_code == 0, result.output
    assert load_run(fitted_run.path).topic_labels[topic] == f"{topic}: Business news"

    result = CliRunner().invoke(app, ["label", str(fitted_run.path), "--aspects", "mmr", "--display", "mmr"])
    assert result.exit_code == 0, result.output
    assert f"{topic}: Business news" in result.output
    assert load_run(fitted_run.path).topic_labels[topic] == f"{topic}: Business news"

    result = CliRunner().invoke(app, ["label", str(fitted_run.path), "--drop-manual"])
    assert result.exit_code == 0, result.output
    assert load_run(fitted_run.path).topic_labels[topic] != f"{topic}: Business news"


def test_cli_errors_say_what_to_fix(fitted_run):
    result = CliRunner().invoke(app, ["set-label", str(fitted_run.path), "999", "x"])
    assert result.exit_code == 2 and "has no topic 999" in result.output
    result = CliRunner().invoke(app, ["label", str(fitted_run.path), "--llm", "openai"])
    assert result.exit_code == 2 and "needs base_url and model" in result.output
    result = CliRunner().invoke(app, ["label", str(fitted_run.path), "--llm", "/nowhere/model.gguf"])
    assert result.exit_code == 2 and "No GGUF model at /nowhere/model.gguf" in result.output


def test_word_embeddings_are_embedded_once_each_and_never_nan(monkeypatch):
    import numpy as np
    import pandas as pd

    import topiclab.embed
    from topiclab.represent.base import TopicContext

    asked = []

    def fake_embed(texts, config, progress=None):  # like WordLlama: a text with no tokens gives NaN
        asked.append(list(texts))
        return np.array([[np.nan, np.nan] if not text else [len(text), 1.0] for text in texts]), None

    monkeypatch.setattr(topiclab.embed, "embed_documents", fake_embed)
    model = type("Model", (), {"topic_embeddings_": np.ones((1, 2))})()
    context = TopicContext(pd.DataFrame({"topic": [0]}), load_model=lambda: model)
    vectors = context.embed(["tax", "", "tax", "budget"])
    assert asked == [["", "budget", "tax"]]  # each text once, in one batch
    assert all(np.isfinite(v).all() for v in vectors.values()) and vectors[""].tolist() == [0.0, 0.0]
    assert np.isclose(np.linalg.norm(vectors["tax"]), 1.0)


def test_label_takes_the_llm_flags_of_fit_from_the_settings_registry():
    import typer

    from topiclab.options import LABELS, options

    commands = {command.name: command for command in typer.main.get_command(app).commands.values()}
    flags = {name: {opt for param in commands[name].params if not param.hidden for opt in param.opts}
             for name in ("fit", "label")}
    registry = {option.flag for option in options(LABELS)}
    assert {"--llm-backend", "--llm-model", "--llm-base-url", "--llm-api-key-env"} <= registry
    assert registry <= flags["fit"] & flags["label"]
    assert not {"--llm", "--base-url", "--api-key-env"} & flags["label"]  # kept only as hidden aliases


@pytest.mark.parametrize("args, deprecated", [
    (["--llm-backend", "openai", "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-api-key-env", "sk-pasted"], False),
    (["--llm", "openai", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "sk-pasted"], True),
])
def test_label_llm_flags_reach_the_settings_and_old_ones_still_work(fitted_run, args, deprecated):
    result = CliRunner().invoke(app, ["label", str(fitted_run.path), *args, "--llm-model", "m"])
    # the pasted "key" reached labels.llm.api_key_env, whose check refuses it before any request
    assert result.exit_code == 2 and "api_key_env must be the upper-case NAME" in result.output
    assert "sk-pasted" not in result.output
    assert ("deprecated" in result.output) is deprecated
