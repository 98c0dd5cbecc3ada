"""The 2D document map's page, as data: every point where it belongs, texts within budget, labels per zoom
level, columns to color by, search by meaning, the packaged page, escaping, the notebook widget.

What the page does with it in a browser is tests/test_map_browser.py.
"""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from topiclab import fit_run
from topiclab.errors import FigureError
from topiclab.figures import DocumentMap, document_map, topic_levels
from topiclab.figures.docmap import page as map_page
from topiclab.figures.docmap import search
from topiclab.figures.docmap.data import GRID, _water_level
from topiclab.figures.docmap.semantic import semantic_index

from conftest import FAST

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<b onmouseover=alert(3)>bold</b>",
           "</script><script>alert(4)</script>", "<!-- <script>"]


@pytest.fixture(scope="session")
def many_topics_run(tmp_path_factory, newsgroups_small):
    """600 newsgroup posts in about 20 topics: enough for two zoom levels of labels."""
    return fit_run(newsgroups_small, output_dir=tmp_path_factory.mktemp("runs"), name="ng-many", text_col="text",
                   class_col="label", id_col="doc_id", clustering={"method": "hdbscan", "hdbscan": {"min_cluster_size": 5, "min_samples": 2}}, **FAST)


def arrays(document_map: DocumentMap, blob: str) -> dict:
    """The arrays of one of the page's blobs, decoded as the page decodes them."""
    raw = gzip.decompress(document_map.data.blobs[blob])
    found = {}
    for a in document_map.data.meta["arrays"][blob]:
        part = raw[a["offset"]:a["offset"] + a["bytes"]]
        found[a["name"]] = part.decode("utf-8") if a["dtype"] == "utf8" else np.frombuffer(part, a["dtype"])
    return found


class Scripts(HTMLParser):
    """The page's <script> elements as the browser's parser sees them, (attributes, text), and every
    element's attributes (script text is not parsed for tags, as in a browser)."""

    def __init__(self):
        super().__init__()
        self.scripts, self.attributes, self._open = [], [], None

    def handle_starttag(self, tag, attrs):
        self.attributes.append((tag, dict(attrs)))
        if tag == "script":
            self._open = (dict(attrs), [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open:
            self.scripts.append((self._open[0], "".join(self._open[1])))
            self._open = None


def scripts(page: str) -> list[tuple[dict, str]]:
    parser = Scripts()
    parser.feed(page)
    assert not [tag for tag, attrs in parser.attributes if {"src", "href"} & set(attrs)], "nothing may be loaded"
    return parser.scripts


# ---------------------------------------------------------------- points
def test_every_document_is_a_point_at_its_place(fitted_run):
    dm = document_map(fitted_run)
    documents, n = fitted_run.documents, len(fitted_run.documents)
    assert dm.data.meta["n"] == n == dm.data.meta["total"] and sorted(dm.rows) == list(range(n))
    points = arrays(dm, "points")
    coords = fitted_run.projections["2d"][dm.rows]
    low, high = coords.min(axis=0), coords.max(axis=0)
    placed = np.column_stack([points["x"], points["y"]]) / GRID * (high - low) + low
    np.testing.assert_allclose(placed, coords, atol=float((high - low).max()) / GRID)
    topics = [t["id"] for t in dm.data.meta["topics"]]
    assert topics == sorted(fitted_run.topics["topic"])
    codes = points["topic"]
    assert (np.diff(codes.astype(int)) >= 0).all()  # sorted by topic: outliers first, drawn underneath
    assert [topics[c] for c in codes] == documents["topic"].iloc[dm.rows].tolist()
    texts = arrays(dm, "texts")
    assert texts["text"].split("\0") == documents["text"].iloc[dm.rows].tolist()
    assert texts["doc_id"].split("\0") == documents["doc_id"].astype(str).iloc[dm.rows].tolist()
    x0, y0, x1, y1 = dm.data.meta["view"]
    inside = (points["x"] >= x0) & (points["x"] <= x1) & (points["y"] >= y0) & (points["y"] <= y1)
    assert inside.mean() >= 0.99  # the first view holds (nearly) every point
    assert dm.documents([0, 1])["doc_id"].tolist() == documents["doc_id"].iloc[dm.rows[:2]].tolist()


def test_large_runs_are_sampled_keeping_every_topic(fitted_run):
    dm = document_map(fitted_run, max_points=60)
    meta = dm.data.meta
    assert meta["n"] == len(dm.rows) < meta["total"] == len(fitted_run.documents)
    assert {t["id"] for t in meta["topics"] if t["shown"]} == set(fitted_run.documents["topic"])
    with pytest.raises(FigureError, match="max_points"):
        document_map(fitted_run, max_points=0)


def test_a_run_without_a_projection_says_how_to_add_one(fitted_run):
    fitted_run.projections.clear()
    with pytest.raises(FigureError, match="compute_projections"):
        document_map(fitted_run)


# ---------------------------------------------------------------- texts
def test_water_level_cuts_only_the_longest_texts():
    lengths = np.array([10, 20, 30, 1000, 5000])
    assert _water_level(lengths, 10_000) is None
    cap = _water_level(lengths, 1000)
    assert np.minimum(lengths, cap).sum() <= 1000 < np.minimum(lengths, cap + 1).sum()
    assert cap == (1000 - 60) // 2


def test_texts_beyond_the_budget_are_cut_to_one_length(fitted_run):
    lengths = fitted_run.documents["text"].str.len()
    budget = int(lengths.sum() // 3)
    dm = document_map(fitted_run, text_chars=budget)
    meta, texts = dm.data.meta["text"], arrays(dm, "texts")
    shipped = texts["text"].split("\0")
    assert meta["cap"] and max(map(len, shipped)) == meta["cap"] and sum(map(len, shipped)) <= budget
    assert meta["cut"] == int((lengths > meta["cap"]).sum()) > 0
    full = lengths.iloc[dm.rows].to_numpy()
    assert (texts["length"] == full).all()  # so the page can say how much of a text it holds
    assert all(t == d[:meta["cap"]] for t, d in zip(shipped, fitted_run.documents["text"].iloc[dm.rows]))


# ---------------------------------------------------------------- zoom levels
def test_levels_go_from_few_groups_to_every_topic(many_topics_run):
    topics = sorted(t for t in many_topics_run.topics["topic"] if t != -1)
    levels = topic_levels(many_topics_run)
    assert len(levels) >= 2 and len(levels[0].groups) >= 4
    assert [g for g in levels[-1].groups] == [[t] for t in topics]
    assert [level.zoom for level in levels] == sorted(level.zoom for level in levels) and levels[0].zoom == 0
    for coarse, fine in zip(levels, levels[1:]):
        assert sorted(t for g in coarse.groups for t in g) == topics  # a partition of the topics ...
        assert len(coarse.groups) < len(fine.groups)
        for group in fine.groups:  # ... nested in the coarser one
            assert sum(set(group) <= set(other) for other in coarse.groups) == 1
    words = set(w for ws in many_topics_run.topics["words"] for w in ws)
    assert all(set(label.split(" · ")) <= words for label in levels[0].labels)  # shared top words
    finest = dict(zip(many_topics_run.topics["topic"], many_topics_run.topics["label"]))
    assert levels[-1].labels == [finest[t].split(": ", 1)[1] for t in topics]


def test_few_topics_get_one_level(fitted_run):
    levels = topic_levels(fitted_run)
    assert len(levels) == 1 and len(levels[0].groups) == (fitted_run.topics["topic"] != -1).sum()


def test_the_page_places_each_level_s_labels_on_its_documents(many_topics_run):
    dm = document_map(many_topics_run)
    meta, points = dm.data.meta, arrays(dm, "points")
    assert len(meta["levels"]) == len(topic_levels(many_topics_run))
    for level in meta["levels"]:
        shown = sorted(code for label in level["labels"] for code in label["topics"])
        assert shown == [i for i, t in enumerate(meta["topics"]) if not t["outlier"]]
        for label in level["labels"]:  # at one of its own documents
            at = (points["x"] == label["x"]) & (points["y"] == label["y"])
            assert np.isin(points["topic"][at], label["topics"]).any()
            assert label["size"] == np.isin(points["topic"], label["topics"]).sum()


# ---------------------------------------------------------------- columns
def test_columns_to_color_by(fitted_run, tweets_small, tmp_path):
    fitted_run.documents["rating"] = np.linspace(0, 5, len(fitted_run.documents))
    fitted_run.documents["stars"] = np.arange(len(fitted_run.documents)) % 5
    fitted_run.documents["source"] = ["web" if i % 3 else None for i in range(len(fitted_run.documents))]
    dm = document_map(fitted_run)
    columns = {c["name"]: c for c in dm.data.meta["columns"]}
    assert list(columns)[:2] == ["class", "length (words)"]
    assert set(columns) >= {"probability", "rating", "stars", "source"}
    points = arrays(dm, "points")
    docs = fitted_run.documents.iloc[dm.rows]
    classes = columns["class"]["categories"]
    assert [classes[c] for c in points["column:class"]] == docs["class"].tolist()
    assert (points["column:length (words)"] == docs["text"].str.split().str.len()).all()
    assert (points["column:stars"] == docs["stars"]).all() and "scale" not in columns["stars"]
    low, step = columns["rating"]["scale"]
    np.testing.assert_allclose(low + points["column:rating"] * step, docs["rating"], atol=step)
    assert points["column:probability"].dtype == np.uint8  # probabilities in 255 steps
    source = columns["source"]["categories"]
    assert set(source) == {"web", "(missing)"}
    assert [source[c] for c in points["column:source"]] == docs["source"].fillna("(missing)").tolist()


def test_many_categories_keep_the_most_frequent(fitted_run):
    fitted_run.documents["class"] = [f"c{i % 60}" if i % 2 else "common" for i in range(len(fitted_run.documents))]
    column = next(c for c in document_map(fitted_run).data.meta["columns"] if c["name"] == "class")
    assert len(column["categories"]) == 21 and column["categories"][0] == "common"
    assert column["categories"][-1] == "other (11 values)"


def test_times_become_whole_units_from_the_earliest(tweets_small, tmp_path):
    run = fit_run(tweets_small.head(300), output_dir=tmp_path, name="tweets", text_col="text",
                  timestamp_col="created_at", **FAST)
    run.documents.loc[run.documents.index[0], "timestamp"] = pd.NaT
    dm = document_map(run)
    column = next(c for c in dm.data.meta["columns"] if c["kind"] == "time")
    values = arrays(dm, "points")["column:time"]
    stamps = pd.to_datetime(run.documents["timestamp"].iloc[dm.rows], utc=True)
    seconds = np.where(values == column["missing"], np.nan, column["origin"] + values.astype(float) * column["unit"])
    expected = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    np.testing.assert_array_equal(seconds, expected.to_numpy(dtype=float))
    assert column["unit"] == 1 and np.isnan(seconds).sum() == 1


# ---------------------------------------------------------------- search by meaning
def test_search_by_meaning_ranks_documents_about_the_words_first(fitted_run):
    rows = np.arange(len(fitted_run.documents))
    index = semantic_index(fitted_run, rows)
    assert len(index.words) > 1000 and index.codes.shape == (len(rows), index.codebooks.shape[0])
    m, w = index.codebooks.shape[0], index.codebooks.shape[2]
    documents = np.concatenate([index.codebooks[s][index.codes[:, s]] for s in range(m)], axis=1)
    texts = fitted_run.documents["text"].str.lower()
    for word in ("film", "election", "mobile"):
        k = index.words.index(word)
        query = np.concatenate([index.word_codebooks[s][index.word_codes[k, s]]
                                for s in range(index.word_codes.shape[1])])
        best = np.argsort(-(documents @ query))[:20]
        assert texts.iloc[best].str.contains(word).mean() > 3 * texts.str.contains(word).mean()
    assert index.meta == {"words": len(index.words), "dims": m * w, "m": m, "word_m": index.word_codes.shape[1],
                          "centroids": 256}


def test_search_by_meaning_needs_embeddings(fitted_run):
    assert document_map(fitted_run, search_words=0).data.meta["semantic"] == {"unavailable": "turned off (search_words=0)"}
    fitted_run.embeddings = None
    dm = document_map(fitted_run)
    assert "semantic" not in dm.data.blobs and "no saved embeddings" in dm.data.meta["semantic"]["unavailable"]


# ---------------------------------------------------------------- the page
def test_the_page_holds_everything_and_fetches_nothing(fitted_run):
    dm = document_map(fitted_run, title="BBC <map>")
    page = dm.to_html()
    assert "<title>BBC &lt;map&gt;</title>" in page
    found = scripts(page)  # and no element that loads anything
    kinds = [attrs.get("type", "javascript") for attrs, _ in found]
    assert kinds == ["application/json"] + ["application/octet-stream"] * len(dm.data.blobs) + ["javascript"]
    assert json.loads(found[0][1]) == {**dm.data.meta, "title": "BBC <map>"}
    assert found[-1][1] == map_page.asset("static/map.js")
    assert dm.write_html(fitted_run.path / "map.html").read_text(encoding="utf-8") == page


def test_the_page_s_files_are_package_data():
    pyproject = (map_page.HERE.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"topiclab.figures.docmap" = ["static/*"]' in pyproject
    assert {p.name for p in (map_page.HERE / "static").iterdir()} == {"map.css", "map.js", "widget.js"}


def test_hostile_documents_labels_and_columns_stay_data(fitted_run):
    documents = fitted_run.documents
    for i, text in enumerate(HOSTILE):
        documents.loc[i, "text"] = text + " " + documents.loc[i, "text"]
        documents.loc[i, "doc_id"] = text
    documents["class"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(documents))]
    documents[HOSTILE[0]] = HOSTILE[1]
    documents.loc[documents.index[::2], HOSTILE[0]] = HOSTILE[2]
    fitted_run.set_label(int(fitted_run.topics["topic"].max()), HOSTILE[3])
    dm = document_map(fitted_run, title=HOSTILE[3])
    page = dm.to_html()
    found = scripts(page)
    assert len(found) == 1 + len(dm.data.blobs) + 1  # no script of the data's own
    meta = json.loads(found[0][1])
    assert meta["title"] == HOSTILE[3] and any(t["label"].endswith(HOSTILE[3]) for t in meta["topics"])
    assert {HOSTILE[0]} <= {c["name"] for c in meta["columns"]}
    assert "<" not in found[0][1] and ">" not in found[0][1]  # escaped in the JSON, parsed back above
    for attrs, text in found[1:-1]:  # blobs: base64 only
        assert re.fullmatch(r"[A-Za-z0-9+/=]*", text)
    assert "</script><script>alert(4)" not in page and "<img src=x" not in page
    frame = dm.to_iframe()
    assert frame.count("<iframe") == 1 and 'sandbox="allow-scripts allow-downloads"' in frame
    assert "<script" not in frame and "<img src=x" not in frame  # the page is an attribute value


# ---------------------------------------------------------------- the notebook widget
def test_widget_carries_the_page_and_brings_documents_back(fitted_run):
    dm = document_map(fitted_run)
    widget = dm.widget()
    assert widget._page == dm.to_html() and widget._height == dm.height
    esm = widget._esm if isinstance(widget._esm, str) else widget._esm.read_text()
    assert "export default" in esm and "render" in esm and "postMessage" in esm
    assert widget.selection.empty and widget.matches.empty
    widget.selected_points = [0, 3]
    assert widget.selection["doc_id"].tolist() == fitted_run.documents["doc_id"].iloc[dm.rows[[0, 3]]].tolist()
    assert "label" in widget.selection
    widget.select_documents([5, 7, 10**6])
    assert sorted(dm.rows[widget.selected_points]) == [5, 7]
    widget.search("film", mode="meaning")
    assert (widget.query, widget.mode) == ("film", "meaning") and len(widget.matches) == search.MEANING_TOP


def test_a_search_from_python_has_its_matches_at_once_by_the_pages_rules(fitted_run):
    """Run All runs the cell after the map before the browser answers: the widget finds the matches itself."""
    dm = document_map(fitted_run)
    widget = dm.widget()
    widget.search('Minister "prime minister"')
    texts = fitted_run.documents["text"].iloc[dm.rows].str.lower()
    expected = texts.str.contains("prime minister", regex=False).to_numpy()
    assert widget.matched_points == np.flatnonzero(expected).tolist() and len(widget.matches) > 0
    widget.search("   ")
    assert widget.matches.empty
    script = (map_page.HERE / "static" / "map.js").read_text()
    for name, value in (("MEANING_TOP", search.MEANING_TOP), ("POST_LIMIT", search.POST_LIMIT)):
        assert re.search(rf"const {name} = {value};", script), f"{name} differs between map.js and search.py"
    assert search.terms('"a b" c  "d"') == ["a b", "c", "d"]
