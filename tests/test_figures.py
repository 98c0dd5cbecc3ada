"""Figures from saved runs: projections, the data in each figure, escaping, sampling, HTML files, CLI."""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import plotly.graph_objects as go
import pytest
from test_map import many_topics_run  # noqa: F401  (a fixture)
from typer.testing import CliRunner

from topiclab import fit_run, load_run
from topiclab.errors import FigureError
from topiclab.figures import (
    FIGURES,
    DocumentMap,
    available_figures,
    compute_projections,
    document_map,
    document_map_3d,
    intertopic_distance,
    topic_hierarchy,
    topic_similarity,
    topic_sizes,
    topic_words,
    topics_over_time,
    topics_per_class,
    word_aspects,
    write_html,
)
from topiclab.figures._common import MIN_PER_TOPIC, OUTLIER_COLOR, sample_per_topic
from topiclab.figures._document_map_3d import LABELED_TOPICS

MARKUP = "<script>window.pwned = 1</script> <img src=x onerror=\"window.pwned = 2\"> <b>bold</b> & co"


@pytest.fixture(scope="module")
def tweets_run(tweets_small, tmp_path_factory):
    return fit_run(tweets_small, output_dir=tmp_path_factory.mktemp("runs"), name="tweets", text_col="text",
                   timestamp_col="created_at", embedding={"model": "wordllama"})


def points(fig: go.Figure) -> int:
    return sum(len(trace.x) for trace in fig.data)


# ---------------------------------------------------------------- projections
def test_fit_saves_seeded_projections(fitted_run):
    n = len(fitted_run.documents)
    assert fitted_run.projections["2d"].shape == (n, 2) and fitted_run.projections["3d"].shape == (n, 3)
    assert all(p.dtype == np.float32 and np.isfinite(p).all() for p in fitted_run.projections.values())
    assert "project" in fitted_run.manifest["seconds"]
    assert fitted_run.config.projection.enabled


def test_compute_projections_adds_what_is_missing_and_repeats_the_fit(fitted_run):
    saved = dict(fitted_run.projections)
    fitted_run.projections.clear()
    assert "document_map" not in available_figures(fitted_run)
    assert compute_projections(fitted_run) is fitted_run
    for key in ("2d", "3d"):
        np.testing.assert_array_equal(fitted_run.projections[key], saved[key])  # seeded: the same arrays
    fitted_run.save()
    assert load_run(fitted_run.path).projections.keys() == {"2d", "3d"}


def test_compute_projections_needs_embeddings(fitted_run):
    fitted_run.projections.clear()
    fitted_run.embeddings = None
    with pytest.raises(FigureError, match="embeddings"):
        compute_projections(fitted_run)
    with pytest.raises(FigureError, match="compute_projections"):
        document_map(fitted_run)
    with pytest.raises(FigureError, match="compute_projections"):
        document_map_3d(fitted_run)


# ---------------------------------------------------------------- the 3D document map (plotly)
def test_document_map_3d_has_one_trace_per_topic_and_every_document(fitted_run):
    fig = document_map_3d(fitted_run)
    topics = fitted_run.topics.sort_values("topic")
    assert [t.type for t in fig.data] == ["scatter3d"] * len(topics)
    assert [t.legendgroup for t in fig.data] == [str(t) for t in topics["topic"]]
    rows = np.concatenate([t.customdata for t in fig.data])
    assert sorted(rows) == list(range(len(fitted_run.documents)))
    for trace in fig.data:  # each point sits in its document's topic, at its projected place
        topic = fitted_run.documents["topic"].to_numpy()[trace.customdata]
        assert (topic == int(trace.legendgroup)).all()
        np.testing.assert_array_equal(trace.z, fitted_run.projections["3d"][trace.customdata, 2])
    assert len(fig.layout.scene.annotations) == min(LABELED_TOPICS, (topics["topic"] != -1).sum())
    assert f"{len(fitted_run.documents):,} documents" in fig.layout.title.subtitle.text


def test_outliers_are_muted_grey(fitted_run):
    documents = fitted_run.documents
    documents.loc[documents.index[:7], "topic"] = -1  # a run with outliers left
    if -1 not in set(fitted_run.topics["topic"]):
        fitted_run.topics.loc[len(fitted_run.topics)] = {**fitted_run.topics.iloc[0].to_dict(), "topic": -1,
                                                         "label": "-1: outliers", "size": 7}
    fig = document_map_3d(fitted_run)
    outliers, first_topic = fig.data[0], fig.data[1]
    assert outliers.legendgroup == "-1" and len(outliers.x) == (documents["topic"] == -1).sum()
    assert outliers.marker.color == OUTLIER_COLOR
    assert outliers.marker.opacity < first_topic.marker.opacity and outliers.marker.size < first_topic.marker.size
    assert not any(a.text.startswith("-1:") for a in fig.layout.scene.annotations)


def test_hover_text_is_escaped_and_starts_the_document(fitted_run):
    fitted_run.documents.loc[0, "text"] = MARKUP + " and then the article goes on for a while. " * 20
    fig = document_map_3d(fitted_run)
    hover = {row: text for trace in fig.data for row, text in zip(trace.customdata, trace.text)}
    assert hover[0].startswith("&lt;script&gt;window.pwned = 1&lt;/script&gt; &lt;img src=x")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in hover[0] and hover[0].endswith("…")
    for text in hover.values():  # no markup of the data's own; only the line breaks we put in
        assert "<" not in text.replace("<br>", "")
    second = " ".join(fitted_run.documents.loc[1, "text"].split())
    assert html.unescape(hover[1].replace("<br>", " "))[:60] == second[:60]
    assert all(t.hovertemplate.startswith("<b>%{fullData.name}</b><br>%{text}") for t in fig.data)


def test_names_and_labels_are_escaped(fitted_run):
    fitted_run.set_label(int(fitted_run.topics["topic"].max()), "<i>dogs</i> & cats")
    names = [t.name for t in document_map_3d(fitted_run).data] + list(topic_sizes(fitted_run).data[0].y)
    assert any("&lt;i&gt;dogs&lt;/i&gt; &amp; cats" in n for n in names)
    assert not any("<i>" in n for n in names)


def test_large_maps_are_sampled_keeping_every_topic(fitted_run):
    fig = document_map_3d(fitted_run, max_points=100)
    shown = points(fig)
    topics = set(fitted_run.documents["topic"])
    assert {int(t.legendgroup) for t in fig.data if len(t.x)} == topics
    assert shown <= 100 + MIN_PER_TOPIC * len(topics)
    assert f"{shown:,} of {len(fitted_run.documents):,} documents shown" in fig.layout.title.subtitle.text
    assert points(document_map_3d(fitted_run, max_points=100)) == shown  # seeded
    with pytest.raises(FigureError, match="max_points"):
        document_map_3d(fitted_run, max_points=0)


def test_sample_per_topic_keeps_shares_small_topics_and_is_seeded():
    topics = np.repeat([-1, 0, 1, 2], [5_000, 20_000, 3, 40])
    kept = sample_per_topic(topics, 1_000, seed=1)
    assert np.array_equal(kept, np.unique(kept))
    counts = dict(zip(*np.unique(topics[kept], return_counts=True)))
    assert counts == {-1: 199, 0: 798, 1: 3, 2: MIN_PER_TOPIC}
    assert np.array_equal(kept, sample_per_topic(topics, 1_000, seed=1))
    assert not np.array_equal(kept, sample_per_topic(topics, 1_000, seed=2))
    assert np.array_equal(sample_per_topic(topics[:50], 1_000, seed=1), np.arange(50))


# ---------------------------------------------------------------- topic views
def test_topic_words_draws_each_aspect_behind_a_menu(fitted_run):
    fitted_run.topics = fitted_run.topics[[c for c in fitted_run.topics if not c.startswith(("words_", "word_scores_"))]]
    topics = fitted_run.topics[fitted_run.topics["topic"] != -1]  # c-TF-IDF words alone, then one aspect
    fig = topic_words(fitted_run)
    assert len(fig.data) == min(12, len(topics)) and not fig.layout.updatemenus
    first = fig.data[0]
    assert list(first.y)[::-1] == topics.iloc[0]["words"][:10]
    fitted_run.topics["words_keybert"] = fitted_run.topics["words"].map(lambda w: ["<w>"] + list(w[1:]))
    fitted_run.topics["word_scores_keybert"] = fitted_run.topics["word_scores"]
    assert word_aspects(fitted_run) == ["keybert"]
    fig = topic_words(fitted_run)
    assert len(fig.data) == 2 * min(12, len(topics))
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["c-TF-IDF", "keybert"]
    assert [t.visible for t in fig.data] == [True] * (len(fig.data) // 2) + [False] * (len(fig.data) // 2)
    only = topic_words(fitted_run, aspect="keybert", topics=[int(topics.iloc[1]["topic"])])
    assert len(only.data) == 1 and only.data[0].y[-1] == "&lt;w&gt;"
    with pytest.raises(FigureError, match="'keybert'"):
        topic_words(fitted_run, aspect="mmr")
    with pytest.raises(FigureError, match="No topics"):
        topic_words(fitted_run, topics=[999])


def test_topic_sizes_count_every_document(fitted_run):
    (bars,) = topic_sizes(fitted_run).data
    assert sum(bars.x) == len(fitted_run.documents)
    assert list(bars.x) == sorted(bars.x, reverse=True)


def test_topic_comparisons(fitted_run):
    n_topics = int((fitted_run.topics["topic"] != -1).sum())
    (bubbles,) = intertopic_distance(fitted_run).data
    assert len(bubbles.x) == n_topics and sorted(bubbles.marker.size) == sorted(
        fitted_run.topics.loc[fitted_run.topics["topic"] != -1, "size"])
    hierarchy = topic_hierarchy(fitted_run)
    links = [trace for trace in hierarchy.data if trace.mode == "lines"]
    assert len(links) == n_topics - 1 and len(hierarchy.layout.yaxis.ticktext) == n_topics
    (heatmap,) = topic_similarity(fitted_run).data
    z = np.asarray(heatmap.z)
    assert z.shape == (n_topics, n_topics) and np.allclose(z, z.T) and np.allclose(np.diag(z), 1, atol=1e-5)
    assert set(heatmap.x) == set(hierarchy.layout.yaxis.ticktext)


def test_the_hierarchy_names_each_parent_at_the_branch_of_its_topics(many_topics_run):  # noqa: F811
    """Each named group of the saved hierarchy is written where its topics, and no others, join."""
    fig = topic_hierarchy(many_topics_run)
    (names,) = [trace for trace in fig.data if trace.mode == "markers+text"]
    leaf = {int(text.split(":")[0]): y for text, y in zip(fig.layout.yaxis.ticktext, fig.layout.yaxis.tickvals)}
    tops = {(link.x[1], (link.y[1] + link.y[2]) / 2) for link in fig.data if link.mode == "lines"}
    groups = many_topics_run.hierarchy[many_topics_run.hierarchy["topics"].map(len) > 1]
    shown = {}
    for title, topics in zip(groups["title"], groups["topics"]):
        shown.setdefault(frozenset(topics), []).append(title)
    hover = {html.escape(f"{' / '.join(titles)}: {len(topics)} topics", quote=False): topics
             for topics, titles in shown.items()}
    assert len(shown) >= 2 and sorted(names.hovertext) == sorted(hover)
    for text, x, y in zip(names.hovertext, names.x, names.y):
        topics = hover[text]
        assert (x, y) in tops  # on a branch point of the drawn tree
        span = sorted(leaf[t] for t in topics)
        assert span[0] < y < span[-1] and {t for t, at in leaf.items() if span[0] <= at <= span[-1]} == set(topics)
    unnamed = dataclasses.replace(many_topics_run, hierarchy=None)  # a run saved without a hierarchy: the tree alone
    assert [trace.mode for trace in topic_hierarchy(unnamed).data] == ["lines"] * (len(leaf) - 1)


def test_topics_per_class_shows_the_agreement(fitted_run):
    fig = topics_per_class(fitted_run)
    (heatmap,) = fig.data
    assert np.allclose(np.asarray(heatmap.z).sum(axis=1), 1, atol=1e-5)
    assert np.asarray(heatmap.customdata).sum() == len(fitted_run.documents)
    assert f"NMI {fitted_run.metrics['nmi']:.2f}, ARI {fitted_run.metrics['ari']:.2f}" in fig.layout.title.subtitle.text


def test_topics_over_time(tweets_run):
    assert "topics_over_time" in available_figures(tweets_run)
    assert "topics_per_class" not in available_figures(tweets_run)
    fig = topics_over_time(tweets_run)
    assert sum(sum(t.y) for t in fig.data) == len(tweets_run.documents)
    assert sum(t.visible is True for t in fig.data) == 6
    assert "per month" in fig.layout.title.subtitle.text  # 2009-2018: 104 months
    yearly = topics_over_time(tweets_run, freq="YS")
    assert len(yearly.data[0].x) <= 10
    with pytest.raises(FigureError, match="frequency"):
        topics_over_time(tweets_run, freq="fortnightly")
    with pytest.raises(FigureError, match="class_col"):
        topics_per_class(tweets_run)


def test_views_that_need_a_column_say_which(fitted_run):
    with pytest.raises(FigureError, match="timestamp_col"):
        topics_over_time(fitted_run)
    names = available_figures(fitted_run)
    assert "topics_over_time" not in names and "topics_per_class" in names and "document_map_3d" in names
    for name in names:
        assert isinstance(FIGURES[name](fitted_run), DocumentMap if name == "document_map" else go.Figure)


# ---------------------------------------------------------------- HTML files and the CLI
def test_write_html_inlines_plotly_once_and_replaces_atomically(fitted_run, tmp_path):
    path = tmp_path / "out" / "figures.html"
    path.parent.mkdir()
    path.write_text("old")
    figures = [topic_sizes(fitted_run), document_map(fitted_run), topic_similarity(fitted_run)]
    assert write_html(figures, path, title="Run <1> & co") == path
    page = path.read_text(encoding="utf-8")
    assert page.count("* plotly.js v") == 1 and page.count('class="figure"') == 3
    assert page.count('<iframe class="topiclab-map"') == 1 and 'sandbox="allow-scripts allow-downloads"' in page
    assert "<title>Run &lt;1&gt; &amp; co</title>" in page and "<script src=" not in page
    assert [p.name for p in path.parent.iterdir()] == ["figures.html"]
    write_html(topic_sizes(fitted_run), path)
    assert "<title>Topic sizes</title>" in path.read_text(encoding="utf-8")
    write_html(document_map(fitted_run, title="Map <2>"), path)
    assert "<title>Map &lt;2&gt;</title>" in path.read_text(encoding="utf-8")
    with pytest.raises(FigureError):
        write_html([], path)


def test_cli_figures(fitted_run, tmp_path):
    from topiclab.cli import app

    fitted_run.projections.clear()
    fitted_run.save()
    result = CliRunner().invoke(app, ["figures", str(fitted_run.path), "-o", str(tmp_path / "f.html")])
    assert result.exit_code == 0, result.output
    assert "Projecting" in result.output and (tmp_path / "f.html").stat().st_size > 1e6
    assert "topics_per_class" in result.output and "topics_over_time" not in result.output
    assert load_run(fitted_run.path).projections.keys() == {"2d", "3d"}
    result = CliRunner().invoke(app, ["figures", str(fitted_run.path), "--which", "topics_over_time"])
    assert result.exit_code == 2 and "timestamp_col" in result.output
    result = CliRunner().invoke(app, ["figures", str(fitted_run.path), "-w", "document_map", "--max-points", "50"])
    assert result.exit_code == 0 and (fitted_run.path / "figures.html").exists()
    page = (fitted_run.path / "figures.html").read_text(encoding="utf-8")
    assert page.count('<iframe class="topiclab-map"') == 1 and "plotly.js v" not in page
