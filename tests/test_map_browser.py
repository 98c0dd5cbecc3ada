"""The 2D document map as a person uses it: the page opened from disk in headless Chromium, every network
request refused. Search, hover, click, zoom levels, hiding topics, box and lasso selection with the CSV,
color by, the time filter, hostile documents, the page inside a figures page, and the widget's front end.

Every wait is on the page's own state (`#tlmap` data attributes, `window.topiclabMap`), never a sleep.
"""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
from test_map import HOSTILE, arrays, many_topics_run  # noqa: F401  (a fixture)

from topiclab import fit_run
from topiclab.figures import document_map, topic_sizes, write_html
from topiclab.figures.docmap.page import HERE as DOCMAP

from conftest import FAST

pytestmark = pytest.mark.integration
MAP = "document.getElementById('tlmap')"
FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"  # layout settled
FORMULAS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]


@pytest.fixture
def page(browser):
    """A page that refuses every request but file://, and records console errors, uncaught exceptions,
    dialogs (an alert() would be one) and every request that was tried."""
    page = browser.new_page(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page.problems, page.requests = [], []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    yield page
    page.close()


def open_map(page, dm, path):
    dm.write_html(path)
    page.goto(path.as_uri())
    page.wait_for_function(f"{MAP}.dataset.state === 'ready' && {MAP}.dataset.drawn === '1'")
    return dm


def data(page, key: str):
    return page.evaluate(f"{MAP}.dataset[{key!r}]")


def point_of(dm, row: int) -> int:
    """The page's number for the document at `row` of run.documents."""
    return int(np.flatnonzero(dm.rows == row)[0])


def clear_row(dm) -> int:
    """A document far from every other one (so the mouse on it hovers it alone), away from the edges."""
    points = arrays(dm, "points")
    coords = np.column_stack([points["x"], points["y"]]).astype(float)
    gaps = np.linalg.norm(coords[:, None] - coords[None], axis=2) + np.eye(len(coords)) * 1e12
    lo, hi = np.percentile(coords, 15, axis=0), np.percentile(coords, 85, axis=0)
    inside = ((coords > lo) & (coords < hi)).all(axis=1)
    return int(dm.rows[int(np.argmax(np.where(inside, gaps.min(axis=1), -1)))])


def hover(page, point: int) -> str:
    x, y = page.evaluate(f"topiclabMap.screenPosition({point})")
    page.mouse.move(x, y)
    page.wait_for_function(f"document.querySelector('.tl-tooltip').dataset.index === '{point}'")
    return page.text_content(".tl-tooltip")


def snippet(text: str, limit: int = 240) -> str:
    flat = " ".join(text[: 3 * limit].split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def test_the_map_draws_offline_and_hover_shows_the_document(fitted_run, page, tmp_path, artifacts_dir):
    dm = open_map(page, document_map(fitted_run), tmp_path / "map.html")
    assert page.locator(".tl-stage canvas.tl-points").count() == 1
    row = clear_row(dm)
    text = hover(page, point_of(dm, row))
    label = fitted_run.topic_labels[int(fitted_run.documents.loc[row, "topic"])]
    assert text == label + snippet(fitted_run.documents.loc[row, "text"])
    page.screenshot(path=str(artifacts_dir / "map-hover.png"))
    x, y = page.evaluate(f"topiclabMap.screenPosition({point_of(dm, row)})")
    page.mouse.click(x, y)  # opens the whole document
    page.wait_for_function(f"document.querySelector('.tl-panel:not([hidden])').dataset.index === '{point_of(dm, row)}'")
    assert page.text_content(".tl-doc-text") == fitted_run.documents.loc[row, "text"]
    assert not [url for url in page.requests if not url.startswith("file:")], "the page fetched something"
    assert page.problems == []


def test_search_highlights_counts_lists_and_clears(fitted_run, page, tmp_path):
    dm = open_map(page, document_map(fitted_run), tmp_path / "map.html")
    texts = fitted_run.documents["text"].str.lower()
    for query in ("minister", "Prime minister", '"prime minister" labour'):
        page.fill("input[type=search]", query)
        page.press("input[type=search]", "Enter")
        terms = [t.strip('"').lower() for t in re.findall(r'"[^"]+"|\S+', query)]
        expected = int(np.logical_and.reduce([texts.str.contains(t, regex=False) for t in terms]).sum())
        page.wait_for_function(f"{MAP}.dataset.matches === '{expected}'")
        assert page.text_content(".tl-count") == f"{expected} documents match" and expected > 0
        assert page.locator(".tl-result").count() == min(expected, 200)
        shown = page.evaluate("topiclabMap.matches")
        assert all(all(t in texts.iloc[dm.rows[p]] for t in terms) for p in shown)
    page.fill("input[type=search]", "")
    page.press("input[type=search]", "Enter")
    page.wait_for_function(f"{MAP}.dataset.matches === ''")
    assert page.text_content(".tl-count") == ""
    page.select_option("select[aria-label='Search by']", "meaning")
    page.wait_for_function(f"{MAP}.dataset.semantic === 'ready'")
    page.fill("input[type=search]", "film awards")
    page.press("input[type=search]", "Enter")
    page.wait_for_function(f"{MAP}.dataset.matches === '200'")
    best = [dm.rows[p] for p in page.evaluate("topiclabMap.matches")[:20]]
    assert texts.iloc[best].str.contains("film").mean() > 2 * texts.str.contains("film").mean()
    page.fill("input[type=search]", "qwxzv")
    page.press("input[type=search]", "Enter")
    page.wait_for_function(f"{MAP}.dataset.matches === '0'")
    assert "qwxzv" in page.text_content(".tl-panel:not([hidden])")  # named as not in the vocabulary
    assert page.problems == []


def visible_labels(page) -> list[tuple[str, str, str]]:
    return page.evaluate("[...document.querySelectorAll('.tl-label:not([hidden])')]"
                         ".map(l => [l.dataset.level, l.dataset.topics, l.textContent])")


def test_zoom_shows_finer_labels_and_hidden_topics_lose_theirs(many_topics_run, page, tmp_path, artifacts_dir):  # noqa: F811
    dm = open_map(page, document_map(many_topics_run), tmp_path / "map.html")
    levels = dm.data.meta["levels"]
    assert len(levels) >= 2 and data(page, "level") == "0"
    coarse = visible_labels(page)
    assert coarse and {level for level, _, _ in coarse} == {"0"}
    assert {text for _, _, text in coarse} <= {label["text"] for label in levels[0]["labels"]}
    box = page.locator(".tl-stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    finest = str(len(levels) - 1)
    for _ in range(30):  # the mouse wheel, as a person zooms in
        if data(page, "level") == finest:
            break
        zoom = page.evaluate("topiclabMap.zoom")
        page.mouse.wheel(0, -120)
        page.wait_for_function(f"topiclabMap.zoom > {zoom}")
    assert data(page, "level") == finest
    page.wait_for_function("document.querySelectorAll('.tl-label:not([hidden])').length > 0")
    fine = visible_labels(page)
    assert {level for level, _, _ in fine} == {finest} and {t for _, _, t in fine}.isdisjoint({t for _, _, t in coarse})
    page.screenshot(path=str(artifacts_dir / "map-zoomed.png"))
    _, topic, text = fine[0]
    page.locator(f"input[data-topic='{topic}']").uncheck()
    page.wait_for_function(f"document.querySelector(\".tl-label[data-level='{finest}'][data-topics='{topic}']\").hidden")
    assert text not in [t for _, _, t in visible_labels(page)]
    hidden = int((many_topics_run.documents["topic"] == int(topic)).sum())
    page.wait_for_function(f"{MAP}.dataset.active === '{len(dm.rows) - hidden}'")
    assert page.problems == []


def screen_positions(page) -> np.ndarray:
    """Where every point is on the screen now, by the page's own projection of its coordinates."""
    return np.array(page.evaluate("Array.from({length: JSON.parse(document.getElementById('tlmap-meta').textContent).n},"
                                  " (_, i) => topiclabMap.screenPosition(i))"))


def drag(page, path: list[tuple[float, float]]):
    page.mouse.move(*path[0])
    page.mouse.down()
    for x, y in path[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def test_box_and_lasso_select_documents_into_a_table_and_a_csv(fitted_run, page, tmp_path, artifacts_dir):
    for row, formula in enumerate(FORMULAS):
        fitted_run.documents.loc[row, "text"] = formula
        fitted_run.documents.loc[row, "doc_id"] = formula
    dm = open_map(page, document_map(fitted_run), tmp_path / "map.html")
    positions = screen_positions(page)
    page.click("button[data-tool=box]")
    # a box around the middle of the points, wherever this CPU's layout put them
    (x0, x1), (y0, y1) = np.percentile(positions[:, 0], [25, 75]), np.percentile(positions[:, 1], [25, 75])
    drag(page, [(x0, y0), (x1, y1)])
    expected = np.flatnonzero((positions[:, 0] >= x0) & (positions[:, 0] <= x1) &
                              (positions[:, 1] >= y0) & (positions[:, 1] <= y1))
    page.wait_for_function(f"{MAP}.dataset.selected === '{len(expected)}'")
    assert page.evaluate("topiclabMap.selection") == expected.tolist() and len(expected) > 10
    assert page.locator(".tl-table tbody tr").count() == len(expected)
    page.screenshot(path=str(artifacts_dir / "map-selected.png"))

    page.evaluate(FRAMES)  # the table took room from the map: where is everything now
    positions, stage = screen_positions(page), page.locator(".tl-stage").bounding_box()
    page.click("button[data-tool=lasso]")  # a triangle, Shift held: added to the selection
    triangle = [(stage["x"] + stage["width"] * 0.05, stage["y"] + stage["height"] * 0.05),
                (stage["x"] + stage["width"] * 0.95, stage["y"] + stage["height"] * 0.05),
                (stage["x"] + stage["width"] * 0.5, stage["y"] + stage["height"] * 0.95)]
    page.keyboard.down("Shift")
    drag(page, triangle + [triangle[0]])
    page.keyboard.up("Shift")
    in_triangle = np.flatnonzero([_inside(p, triangle) for p in positions])
    added = sorted(set(expected) | set(in_triangle))
    page.wait_for_function(f"{MAP}.dataset.selected === '{len(added)}'")
    assert page.evaluate("topiclabMap.selection") == added

    page.click("text=Reset view")
    page.evaluate("topiclabMap.zoomBy(-2)")  # every point on the screen, then a new lasso round them all
    drag(page, [(stage["x"] + 1, stage["y"] + 1), (stage["x"] + stage["width"] - 1, stage["y"] + 1),
                (stage["x"] + stage["width"] - 1, stage["y"] + stage["height"] - 1),
                (stage["x"] + 1, stage["y"] + stage["height"] - 1)])
    page.wait_for_function(f"{MAP}.dataset.selected === '{len(dm.rows)}'")
    with page.expect_download() as download:
        page.click("text=Download CSV")
    with open(download.value.path(), encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    head, rows = table[0], table[1:]
    assert head[:3] == ["doc_id", "topic", "topic_label"] and head[-1] == "text"
    texts = fitted_run.documents["text"].iloc[dm.rows]
    assert [r[-1] for r in rows] == [neutral(t) for t in texts]  # every selected document, whole
    assert [r[0] for r in rows] == [neutral(i) for i in fitted_run.documents["doc_id"].iloc[dm.rows]]
    for formula in FORMULAS:  # a spreadsheet must not read these as formulas
        assert ["'" + formula] * 2 in [[r[0], r[-1]] for r in rows]
    page.click("text=Clear selection")
    page.wait_for_function(f"{MAP}.dataset.selected === '0'")
    assert page.problems == []


def neutral(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _inside(point, polygon) -> bool:
    x, y = point
    hit = False
    for (xa, ya), (xb, yb) in zip(polygon, polygon[-1:] + polygon[:-1]):
        if (ya > y) != (yb > y) and x < (xb - xa) * (y - ya) / (yb - ya) + xa:
            hit = not hit
    return hit


def test_color_by_switches_the_colors_and_the_legend(fitted_run, page, tmp_path):
    dm = open_map(page, document_map(fitted_run), tmp_path / "map.html")
    before = page.locator(".tl-stage canvas.tl-points").screenshot()
    page.select_option("select[aria-label='Color by']", "class")
    page.wait_for_function(f"{MAP}.dataset.colorBy === 'class'")
    categories = next(c for c in dm.data.meta["columns"] if c["name"] == "class")["categories"]
    assert page.locator(".tl-category").all_text_contents() == categories
    page.wait_for_function("requestAnimationFrame(() => {}) >= 0")
    assert page.locator(".tl-stage canvas.tl-points").screenshot() != before
    page.select_option("select[aria-label='Color by']", "length (words)")
    page.wait_for_function(f"{MAP}.dataset.colorBy === 'length (words)'")
    assert page.locator(".tl-scale").count() == 1
    assert page.problems == []


def test_the_time_filter_keeps_documents_in_range(tweets_small, page, tmp_path):
    run = fit_run(tweets_small.head(400), output_dir=tmp_path, name="tweets", text_col="text",
                  timestamp_col="created_at", **FAST)
    dm = open_map(page, document_map(run), tmp_path / "map.html")
    assert page.locator(".tl-time").is_visible()
    page.locator("input[aria-label=From]").fill("500")
    page.wait_for_function(f"{MAP}.dataset.time !== ''")
    low, high = map(float, data(page, "time").split(","))
    seconds = (pd.to_datetime(run.documents["timestamp"], utc=True) - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    kept = (seconds >= low) & (seconds <= high)
    page.wait_for_function(f"{MAP}.dataset.active === '{int(kept.sum())}'")
    assert 0 < kept.sum() < len(run.documents)
    page.fill("input[type=search]", "the")
    page.press("input[type=search]", "Enter")
    expected = int((kept & run.documents["text"].str.lower().str.contains("the")).sum())
    page.wait_for_function(f"{MAP}.dataset.matches === '{expected}'")  # search sees only what is shown
    assert len(dm.rows) == len(run.documents) and page.problems == []


def test_hostile_documents_labels_and_columns_show_as_text(fitted_run, page, tmp_path, artifacts_dir):
    row = None
    documents = fitted_run.documents
    documents["class"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(documents))]
    documents[HOSTILE[1]] = [HOSTILE[2] if i % 2 else HOSTILE[0] for i in range(len(documents))]
    fitted_run.set_label(int(fitted_run.topics["topic"].max()), HOSTILE[2])
    dm = document_map(fitted_run, title=HOSTILE[3])
    row = clear_row(dm)
    documents.loc[row, "text"] = " ".join(HOSTILE)
    documents.loc[row, "doc_id"] = HOSTILE[0]
    dm = open_map(page, document_map(fitted_run, title=HOSTILE[3]), tmp_path / "map.html")
    point = point_of(dm, row)
    assert " ".join(HOSTILE) in hover(page, point)
    x, y = page.evaluate(f"topiclabMap.screenPosition({point})")
    page.mouse.click(x, y)
    page.wait_for_function(f"document.querySelector('.tl-panel:not([hidden])').dataset.index === '{point}'")
    assert page.text_content(".tl-doc-text") == " ".join(HOSTILE)
    assert HOSTILE[0] in page.text_content(".tl-doc-fields")
    page.click("text=Topics")
    assert any(t.endswith(HOSTILE[2]) for t in page.locator(".tl-topic .tl-name").all_text_contents())
    assert HOSTILE[1] in page.locator("select[aria-label='Color by'] option").all_text_contents()
    page.select_option("select[aria-label='Color by']", "class")
    page.wait_for_function(f"{MAP}.dataset.colorBy === 'class'")
    assert set(page.locator(".tl-category").all_text_contents()) == set(HOSTILE)
    page.fill("input[type=search]", "<script>")
    page.press("input[type=search]", "Enter")
    page.wait_for_function(f"{MAP}.dataset.matches === '1'")
    assert HOSTILE[0] in page.text_content(".tl-result")
    assert page.title() == HOSTILE[3] and page.text_content(".tl-title") == HOSTILE[3]
    page.screenshot(path=str(artifacts_dir / "map-hostile.png"))
    counts = page.evaluate("['img', 'b', 'script'].map(t => document.getElementsByTagName(t).length)")
    assert counts == [0, 0, 1 + 1 + len(dm.data.blobs)]  # only the page's own scripts
    assert page.problems == []


def test_the_map_inside_a_figures_page(fitted_run, page, tmp_path):
    path = write_html([topic_sizes(fitted_run), document_map(fitted_run)], tmp_path / "figures.html")
    page.goto(path.as_uri())
    frame = page.frame_locator("iframe.topiclab-map")
    frame.locator("#tlmap[data-state=ready]").wait_for()
    page.wait_for_function("document.querySelector('.js-plotly-plot') && document.querySelector('.js-plotly-plot')._fullLayout")
    assert frame.locator(".tl-stage canvas.tl-points").count() == 1
    assert not [url for url in page.requests if not url.startswith(("file:", "about:"))]
    assert page.problems == []


HARNESS = """<!DOCTYPE html><html><body><div id="out"></div><script type="module">
import widget from "http://topiclab.test/widget.js";
const values = JSON.parse(document.getElementById("values").textContent), handlers = {};
const model = {
  get: (key) => values[key],
  set(changes) { for (const [k, v] of Object.entries(changes)) if (JSON.stringify(values[k]) !== JSON.stringify(v)) {
    values[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); } },
  on: (event, f) => { (handlers[event] = handlers[event] || []).push(f); },
  off: (event, f) => { handlers[event] = (handlers[event] || []).filter((g) => g !== f); },
  save_changes() { window.saved = (window.saved || 0) + 1; },
};
window.model = model;
widget.render({ model, el: document.getElementById("out") });
</script></body></html>"""


def test_the_widget_front_end_syncs_selection_and_search(fitted_run, page, tmp_path):
    dm = document_map(fitted_run)
    widget = dm.widget()
    values = {"_page": widget._page, "_height": widget._height, "query": "", "mode": "words",
              "selected_points": [], "matched_points": []}
    harness = HARNESS.replace("</body>", '<script type="application/json" id="values">'
                              + json.dumps(values).replace("<", "\\u003c") + "</script></body>")
    files = {"/": (harness, "text/html"), "/widget.js": ((DOCMAP / "static" / "widget.js").read_text(), "text/javascript")}
    page.unroute(re.compile(r"^(?!file:).*"))
    page.route("http://topiclab.test/**", lambda route: route.fulfill(
        body=files[route.request.url.removeprefix("http://topiclab.test")][0],
        content_type=files[route.request.url.removeprefix("http://topiclab.test")][1]))
    page.goto("http://topiclab.test/")
    frame = page.frame_locator("iframe")
    frame.locator("#tlmap[data-state=ready]").wait_for()
    page.evaluate("model.set({query: 'minister'})")  # Python sets widget.query
    frame.locator("#tlmap[data-matches]:not([data-matches=''])").wait_for()
    page.wait_for_function("window.model.get('matched_points').length > 0")
    matched = page.evaluate("model.get('matched_points')")
    assert all("minister" in fitted_run.documents["text"].iloc[dm.rows[p]].lower() for p in matched)
    widget.search("minister")  # Python finds the same documents by the page's rules, with no browser
    assert widget.matched_points == matched
    widget.search("minister", mode="meaning")
    page.evaluate("model.set({mode: 'meaning'})")  # posted once the page has read its word table
    page.wait_for_function(f"window.model.get('matched_points').length === {len(widget.matched_points)}")
    assert page.evaluate("model.get('matched_points')") == widget.matched_points
    stage = frame.locator(".tl-stage").bounding_box()
    frame.locator("button[data-tool=box]").click()
    drag(page, [(stage["x"] + stage["width"] * 0.2, stage["y"] + stage["height"] * 0.2),
                (stage["x"] + stage["width"] * 0.8, stage["y"] + stage["height"] * 0.8)])
    page.wait_for_function("window.model.get('selected_points').length > 0")
    selected = page.evaluate("model.get('selected_points')")
    widget.selected_points = selected
    assert len(widget.selection) == len(selected) and page.evaluate("window.saved") >= 2
    assert page.problems == []


def test_every_zoom_level_shows_names_not_keyword_lists(many_topics_run, page, tmp_path):  # noqa: F811
    """Zoomed out, the map names groups of topics by the run's saved hierarchy; zoomed in, the topics by their
    names: at every level a short name, never a list of keywords (unless a topic has no word of letters)."""
    dm = open_map(page, document_map(many_topics_run), tmp_path / "map.html")
    hierarchy = many_topics_run.hierarchy
    expected = [set(level["title"]) for _, level in sorted(hierarchy.groupby("level"))]
    topics = many_topics_run.topics[many_topics_run.topics["topic"] != -1]
    expected.append(set(topics["title"]))
    assert len(dm.data.meta["levels"]) == len(expected) >= 2
    box = page.locator(".tl-stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    seen = {}
    for _ in range(40):  # the mouse wheel, as a person zooms in, reading the labels of each level on the way
        level = int(data(page, "level"))
        page.wait_for_function("document.querySelectorAll('.tl-label:not([hidden])').length > 0")
        seen.setdefault(level, set()).update(text for shown, _, text in visible_labels(page) if shown == str(level))
        if level == len(expected) - 1:
            break
        zoom = page.evaluate("topiclabMap.zoom")
        page.mouse.wheel(0, -120)
        page.wait_for_function(f"topiclabMap.zoom > {zoom}")
    assert sorted(seen) == list(range(len(expected)))
    for level, texts in seen.items():
        assert texts and texts <= expected[level], (level, texts - expected[level])
        assert all(1 <= len(text.split()) <= 6 and "," not in text and " · " not in text for text in texts
                   if re.search(r"[^\W\d_]", text)), texts  # a topic of "__" lines has no words to name it
