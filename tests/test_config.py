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
    assert parse_override("topics.nr_topics=auto") == ("topics.nr_topics", "auto")
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
    ({"topics.nr_topics": 1}, r"'auto', empty, or an integer >= 2"),
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


def test_auto_min_cluster_size_scales_with_corpus():
    hdbscan = RunConfig().hdbscan
    assert hdbscan.resolved_min_cluster_size(300) == 10
    assert hdbscan.resolved_min_cluster_size(2225) == 22
    assert hdbscan.resolved_min_cluster_size(117_000) == 100
