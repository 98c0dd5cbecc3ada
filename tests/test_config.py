"""Configuration: YAML, keyword arguments and CLI-style overrides, with errors that give the allowed range."""

from __future__ import annotations

import pytest

from topiclab.config import RunConfig, parse_override
from topiclab.errors import ConfigError
from topiclab.workflow import resolve_config


def test_defaults_are_valid_and_round_trip_through_yaml(tmp_path):
    config = RunConfig()
    path = tmp_path / "config.yaml"
    path.write_text(config.to_yaml())
    assert RunConfig.from_yaml(path) == config


def test_yaml_keywords_and_dotted_overrides_combine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: 7\numap:\n  n_neighbors: 30\nvectorizer:\n  ngram_range: [1, 2]\n")
    config = resolve_config(path, umap={"min_dist": 0.1}, **{"hdbscan.min_cluster_size": 25})
    assert (config.seed, config.umap.n_neighbors, config.umap.min_dist) == (7, 30, 0.1)
    assert config.vectorizer.ngram_range == (1, 2)
    assert config.hdbscan.min_cluster_size == 25


def test_cli_style_override_values_are_parsed_as_yaml():
    assert parse_override("umap.n_neighbors=10") == ("umap.n_neighbors", 10)
    assert parse_override("topics.level=auto") == ("topics.level", "auto")
    assert parse_override("vectorizer.stop_words=null") == ("vectorizer.stop_words", None)
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_override("umap.n_neighbors")


@pytest.mark.parametrize("override, message", [
    ({"umap.n_neighbors": 1}, r"umap\.n_neighbors: Input should be greater than or equal to 2 \(got 1\)"),
    ({"umap.min_dist": 1.5}, r"umap\.min_dist: Input should be less than or equal to 1"),
    ({"hdbscan.min_cluster_size": 1}, r"hdbscan\.min_cluster_size: .*'auto' or an integer from 2 to 100000"),
    ({"umap.metric": "jaccard"}, r"umap\.metric: Input should be 'cosine', 'euclidean'"),
    ({"vectorizer.ngram_range": [2, 1]}, r"1 <= low <= high <= 5"),
    ({"umap.neighbours": 5}, r"umap\.neighbours: unknown setting"),
    ({"topics.nr_topics": 1}, r"topics\.nr_topics: Input should be greater than or equal to 2"),
    ({"topics.level": -1}, r"topics\.level: .*'auto' or a layer number >= 0"),
    ({"topics.zero_shot": ["Sport", "sport"]}, r"names a zero-shot topic twice"),
    ({"compute.fit_sample": 10}, r"compute\.fit_sample: Input should be greater than or equal to 1000"),
])
def test_invalid_values_say_the_allowed_range(override, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.build(overrides=override)


def test_bad_yaml_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("umap: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        RunConfig.from_yaml(path)
    with pytest.raises(ConfigError, match="not found"):
        RunConfig.from_yaml(tmp_path / "missing.yaml")


def test_guidance_settings_take_the_command_line_forms():
    config = RunConfig.build(overrides={"topics.zero_shot": "sport, politics ,", "topics.seed_words": "Tax budget; match"})
    assert config.topics.zero_shot == ["sport", "politics"]
    assert config.topics.seed_words == [["tax", "budget"], ["match"]]
    assert RunConfig.build(overrides={"topics.outlier_reduction": "embeddings"}).topics.outlier_reduction == "centroids"


def test_registry_names_map_to_settings_and_unknown_names_are_refused():
    from topiclab.options import OPTIONS, settings_from

    config = resolve_config(text_col="body", model="wordllama", min_cluster_size="20", level="auto")
    assert (config.corpus.text_col, config.embedding.model) == ("body", "wordllama")
    assert config.hdbscan.min_cluster_size == 20 and config.topics.level == "auto"
    for option in OPTIONS:  # every registered option names a real setting and explains itself
        assert RunConfig.build(overrides=settings_from({option.name: None})) == RunConfig()
        assert option.description()
    with pytest.raises(ConfigError, match="Unknown option"):
        settings_from({"min_clustersize": 3})


def test_settings_that_name_a_machine_are_dropped_from_a_shared_config():
    config = RunConfig.build({"labels": {"llm": {"backend": "openai", "base_url": "https://evil.example/v1",
                                                   "model": "m", "api_key_env": "AWS_SECRET_ACCESS_KEY"}},
                              "embedding": {"cache_dir": "/etc", "model": "/home/alice/model"},
                              "compute": {"scheduler": "tcp://10.0.0.1:8786"}})
    safe, dropped = config.without_machine_settings()
    assert set(dropped) == {"labels.llm.base_url", "labels.llm.api_key_env", "labels.llm.model", "labels.llm.backend",
                            "embedding.cache_dir", "embedding.model", "compute.scheduler"}
    assert safe.labels.llm.base_url is None and safe.labels.llm.api_key_env is None
    assert safe.labels.llm.backend == "local" and safe.embedding.cache_dir is None
    assert safe.embedding.model == RunConfig().embedding.model and safe.compute.scheduler is None
    hub = RunConfig.build({"embedding": {"model": "sentence-transformers/all-mpnet-base-v2"}})
    assert hub.without_machine_settings()[1] == {}
