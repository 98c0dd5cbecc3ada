"""Configuration: YAML, keyword arguments and CLI-style overrides, with errors that give the allowed range."""

from __future__ import annotations

import pytest
import yaml

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
    config = resolve_config(path, umap={"min_dist": 0.1}, **{"clustering.hdbscan.min_cluster_size": 25})
    assert (config.seed, config.umap.n_neighbors, config.umap.min_dist) == (7, 30, 0.1)
    assert config.vectorizer.ngram_range == (1, 2)
    assert config.clustering.hdbscan.min_cluster_size == 25 and config.clustering.method == "evoc"


def test_cli_style_override_values_are_parsed_as_yaml():
    assert parse_override("umap.n_neighbors=10") == ("umap.n_neighbors", 10)
    assert parse_override("topics.level=auto") == ("topics.level", "auto")
    assert parse_override("vectorizer.stop_words=null") == ("vectorizer.stop_words", None)
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_override("umap.n_neighbors")


@pytest.mark.parametrize("override, message", [
    ({"umap.n_neighbors": 1}, r"umap\.n_neighbors: Input should be greater than or equal to 2 \(got 1\)"),
    ({"umap.min_dist": 1.5}, r"umap\.min_dist: Input should be less than or equal to 1"),
    ({"clustering.hdbscan.min_cluster_size": 1},
     r"\n  clustering\.hdbscan\.min_cluster_size: Input should be greater than or equal to 2 \(got 1\)"),
    ({"clustering.method": "kmeans"}, r"clustering\.method: .*not a clustering method; the methods are evoc, hdbscan"),
    ({"clustering.evoc.min_cluster_size": 5}, r"clustering\.evoc\.min_cluster_size: Extra inputs"),
    ({"clustering.hdbscn.min_samples": 5}, r"hdbscn is not a clustering method"),
    ({"umap.metric": "jaccard"}, r"umap\.metric: Input should be 'cosine', 'euclidean'"),
    ({"vectorizer.ngram_range": [2, 1]}, r"1 <= low <= high <= 5"),
    ({"umap.neighbours": 5}, r"umap\.neighbours: unknown setting"),
    ({"topics.nr_topics": 1}, r"topics\.nr_topics: Input should be greater than or equal to 2"),
    ({"topics.level": -1}, r"topics\.level: .*'auto' or a layer number >= 0"),
    ({"topics.level_votes": 0}, r"topics\.level_votes: .*'auto' or a number of layouts from 1 to 9"),
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
    assert config.clustering.hdbscan.min_cluster_size == 20 and config.topics.level == "auto"
    assert config.clustering.method == "hdbscan"  # a smallest topic size means HDBSCAN (the option implies it)
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


def test_the_clustering_method_is_a_named_setting_with_its_own_section():
    config = RunConfig()
    assert config.clustering.method == "evoc" and config.to_dict()["clustering"] == {"method": "evoc",
                                                                                   "evoc": {"min_samples": 5}}
    chosen = RunConfig.build(overrides={"clustering.method": "hdbscan", "clustering.hdbscan.min_cluster_size": 40})
    assert chosen.clustering.method_settings.min_cluster_size == chosen.clustering.smallest_cluster == 40
    assert RunConfig.build(chosen.to_dict()) == chosen
    assert "'evoc'" in RunConfig.model_fields["clustering"].annotation.model_fields["method"].description


@pytest.mark.parametrize("old, method, section", [
    ({"min_cluster_size": "auto", "min_samples": 3, "cluster_selection_method": "leaf"}, "evoc", {"min_samples": 3}),
    ({"min_samples": 7}, "evoc", {"min_samples": 7}),
    ({"min_cluster_size": 25, "cluster_selection_method": "leaf"}, "hdbscan",
     {"min_cluster_size": 25, "min_samples": 5, "cluster_selection_method": "leaf"}),
])
def test_old_hdbscan_sections_load_as_the_method_they_meant_with_a_note(tmp_path, old, method, section):
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump({"seed": 3, "hdbscan": old}))
    with pytest.warns(FutureWarning, match=r"hdbscan section is deprecated.*clustering\.method="):
        config = RunConfig.from_yaml(path)
    assert config.seed == 3 and config.to_dict()["clustering"] == {"method": method, method: section}


def test_old_hdbscan_keys_on_top_of_a_new_file_win_as_the_latest_word(tmp_path):
    path = tmp_path / "new.yaml"
    path.write_text(RunConfig().to_yaml())
    with pytest.warns(FutureWarning):
        config = resolve_config(path, **{"hdbscan.min_cluster_size": 30})
    assert (config.clustering.method, config.clustering.hdbscan.min_cluster_size) == ("hdbscan", 30)
    with pytest.warns(FutureWarning):
        tuned = RunConfig.build(config.to_dict(), {"hdbscan.min_samples": 9})  # no size: the method stays
    assert (tuned.clustering.method, tuned.clustering.hdbscan.min_samples) == ("hdbscan", 9)
    with pytest.warns(FutureWarning), pytest.raises(ConfigError, match=r"clustering\.hdbscan\.min_cluster_size"):
        RunConfig.build(overrides={"hdbscan.min_cluster_size": 0})
