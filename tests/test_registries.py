"""The name-keyed registries people extend: clustering methods, figures and topic aspects. A new one is a module
that registers itself (or an installed package's entry point); the config, the CLI and the report read it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from topiclab.aspects import ASPECTS
from topiclab.clusterers import CLUSTERERS
from topiclab.config import RunConfig
from topiclab.errors import ConfigError
from topiclab.figures import FIGURES, available_figures
from topiclab.plugins import load_plugins
from topiclab.results import load_run

TOYS = '''
import numpy as np
import plotly.graph_objects as go

from topiclab.aspects import AspectInfo, register_aspect
from topiclab.clusterers import ClustererSettings, register_clusterer
from topiclab.figures.registry import register_figure
from topiclab.represent.base import Aspect


class HalvesSettings(ClustererSettings):
    """Nothing to set: the documents are cut in two at the median of the first reduced dimension."""


@register_clusterer("halves", HalvesSettings, "the toy halves method (two topics, cut at a median)")
def halves(coords, settings):
    return (coords[:, 0] > np.median(coords[:, 0])).astype(np.int32)[None, :], np.zeros(1)


@register_figure("toy_bars", title="Toy bars heading", position=35,
                 about="Read the toy bars one by one.")
def toy_bars(run):
    sizes = run.topics["size"].tolist()
    return go.Figure(go.Bar(y=sizes), layout_title_text=f"Toy bars of {len(sizes)} topics")


class ShoutedWords(Aspect):
    """Each topic's first three c-TF-IDF words in capitals."""

    name = "shouted"

    @classmethod
    def from_config(cls, config):
        return cls()

    def transform(self, context):
        self.report_ = {}
        return {"words_shouted": [[w.upper() for w in list(words)[:3]] for words in context.topics["words"]]}


register_aspect("shouted", AspectInfo("the toy aspect: three words in capitals", "topiclab_toys:ShoutedWords.from_config",
                                      {"words_shouted": "Shouted words"}))
'''
ENTRY_POINTS = ("[topiclab.clusterers]\nhalves = topiclab_toys\n\n[topiclab.figures]\ntoy_bars = topiclab_toys\n\n"
                "[topiclab.aspects]\nshouted = topiclab_toys\n")


@pytest.fixture
def toys(tmp_path, monkeypatch) -> Path:
    """An installed extension: a module with a toy clustering method and a toy figure, declared as entry points
    (a dist-info folder on the path), visible to this process and to the report's kernel."""
    folder = tmp_path / "site"
    (folder / "topiclab_toys-0.1.dist-info").mkdir(parents=True)
    (folder / "topiclab_toys.py").write_text(TOYS)
    (folder / "topiclab_toys-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: topiclab-toys\n"
                                                                      "Version: 0.1\n")
    (folder / "topiclab_toys-0.1.dist-info" / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]))
    load_plugins.cache_clear()
    yield folder
    CLUSTERERS.pop("halves", None)
    FIGURES.pop("toy_bars", None)
    ASPECTS.pop("shouted", None)
    sys.modules.pop("topiclab_toys", None)  # so the next test's extension registers again on import
    load_plugins.cache_clear()


def test_every_figure_says_how_to_read_it_and_when_it_applies(fitted_run):
    for name, figure in FIGURES.items():
        assert figure.name == name and figure.title and figure.about and callable(figure.applies)
    assert [figure.position for figure in FIGURES.values()] == sorted(figure.position for figure in FIGURES.values())
    assert set(available_figures(fitted_run)) <= set(FIGURES)


def test_every_clustering_method_has_settings_and_says_what_ran():
    from topiclab.report.tables import how_fitted

    for name, clusterer in CLUSTERERS.items():
        config = RunConfig.build(overrides={"clustering.method": name})
        assert isinstance(config.clustering.method_settings, clusterer.settings)
        run = type("Run", (), {"manifest": {}, "config": config})()  # a run from before the manifest said it
        assert clusterer.summary in how_fitted(run)


def test_an_aspect_from_an_extension_is_found_by_name(toys):
    with pytest.raises(ConfigError, match="'whispered' is not an aspect"):
        RunConfig.build(overrides={"labels.aspects": "whispered"})
    config = RunConfig.build(overrides={"labels.aspects": "keybert,shouted"})  # loads the extension to find it
    assert config.labels.aspects == ["keybert", "shouted"] and "shouted" in ASPECTS


def test_a_clustering_method_from_an_extension_is_found_by_name(toys):
    from topiclab.pipeline.cluster import cluster

    with pytest.raises(ConfigError, match="not a clustering method; the methods are evoc, hdbscan"):
        RunConfig.build(overrides={"clustering.method": "thirds"})
    config = RunConfig.build(overrides={"clustering.method": "halves"})  # loads the extension to find it
    coords = np.random.default_rng(0).normal(size=(50, 5)).astype(np.float32)
    layers = cluster(coords, config.clustering)
    assert layers.n_topics == [2] and layers.labels.shape == (1, 50)
    assert config.to_dict()["clustering"] == {"method": "halves", "halves": {}}


@pytest.mark.integration
def test_an_extensions_clusterer_figure_and_aspect_show_in_a_report(toys, tmp_path, bbc_small):
    from topiclab.report import make_report

    corpus = tmp_path / "news.parquet"
    bbc_small.head(150).to_parquet(corpus)
    result = make_report(corpus, tmp_path / "out", settings={"embedding.model": "wordllama", "corpus.text_col": "text",
                                                             "clustering.method": "halves",
                                                             "labels.aspects": "names,shouted"})
    page = result.html.read_text(encoding="utf-8")
    assert result.summary["topics"] == 2
    assert "the toy halves method (two topics, cut at a median)" in page  # what ran, in the first paragraph
    assert "Toy bars heading" in page and "Read the toy bars one by one." in page
    assert "Toy bars of 2 topics" in page
    assert "Shouted words" in page  # the aspect's report column, with its words
    run = load_run(result.run_dir)
    shouted = run.topics.loc[run.topics["topic"] != -1, "words_shouted"]
    assert all(words and all(w.isupper() and w in page for w in words) for words in shouted)
    for figure in FIGURES.values():  # every registered figure has its section: drawn, or why not
        assert figure.title in page
    assert "UMAP and HDBSCAN (BERTopic)" not in page
