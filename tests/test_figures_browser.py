"""Figures as a person sees them: the standalone HTML file opened in headless Chromium.

Every figure draws without a console error, a hover on the 3D document map shows that point's document
(as text, even when the document holds markup), the topic-words menu switches aspects, and
screenshots are kept in test-artifacts/ for a look. The 2D document map: tests/test_map_browser.py.
"""

from __future__ import annotations

import html

import pytest

from topiclab.figures import FIGURES, DocumentMap, available_figures, document_map_3d, topic_words, write_html

pytestmark = pytest.mark.integration
PLOTS = "document.querySelectorAll('.js-plotly-plot')"


@pytest.fixture
def page(browser):
    """A page that records console errors, uncaught exceptions and dialogs (an alert() would be one)."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.problems = []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield page
    page.close()


def open_figures(page, figures, path):
    write_html(figures, path, title="topiclab figures")
    page.goto(path.as_uri())
    plots = sum(not isinstance(figure, DocumentMap) for figure in figures)
    page.wait_for_function(f"{PLOTS}.length === {plots} && "
                           f"[...{PLOTS}].every(gd => gd._fullLayout && gd.querySelector('.main-svg'))")
    next_frame(page)  # WebGL scenes draw on the next animation frame


def next_frame(page) -> None:
    """Wait until the browser has drawn two more frames (the one scheduled now, and one after it)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def hover_label(page) -> str:
    page.wait_for_function("() => { const h = document.querySelector('.hovertext'); "
                           "return h && h.textContent.length > 0; }")
    return page.evaluate("document.querySelector('.hovertext').textContent")


def expected_label(trace, point: int) -> str:
    """What the hover box shows for a point: its topic and its text, as text (tags gone, entities decoded)."""
    return html.unescape(trace.name + trace.text[point].replace("<br>", ""))


def test_every_figure_draws_without_errors(fitted_run, page, tmp_path, artifacts_dir):
    names = available_figures(fitted_run)
    open_figures(page, [FIGURES[name](fitted_run) for name in names], tmp_path / "all.html")
    drawn = page.evaluate(f"[...{PLOTS}].map(gd => gd._fullData.filter(t => t.visible === true).length)")
    assert len(drawn) == len(names) - 1 and all(count > 0 for count in drawn)
    assert page.evaluate(f"[...{PLOTS}].every(gd => gd.getBoundingClientRect().height > 200)")
    page.frame_locator("iframe.topiclab-map").locator("#tlmap[data-state=ready]").wait_for()  # the 2D map
    page.screenshot(path=str(artifacts_dir / "figures-all.png"), full_page=True)
    assert page.problems == []


def test_3d_map_draws_and_hovers(fitted_run, page, tmp_path, artifacts_dir):
    fig = document_map_3d(fitted_run)
    open_figures(page, [fig], tmp_path / "map3d.html")
    page.evaluate(f"{PLOTS}[0].on('plotly_hover', e => window.hovered = [e.points[0].curveNumber, "
                  "e.points[0].pointNumber])")
    box = page.locator(".js-plotly-plot").bounding_box()
    for i in range(400):  # points are picked on the GPU: sweep the middle of the scene until one answers
        page.mouse.move(box["x"] + box["width"] * (0.25 + 0.025 * (i % 20)),
                        box["y"] + box["height"] * (0.3 + 0.025 * (i // 20)))
        if page.evaluate("window.hovered !== undefined"):
            break
    else:
        pytest.fail("no point of the 3D map answered a hover")
    curve, point = page.evaluate("window.hovered")
    assert hover_label(page) == expected_label(fig.data[curve], point)
    page.screenshot(path=str(artifacts_dir / "figures-map-3d.png"))
    assert page.problems == []


def test_topic_words_menu_switches_aspect(fitted_run, page, tmp_path):
    fitted_run.topics["words_keybert"] = fitted_run.topics["words"].map(lambda w: [f"kb_{x}" for x in w])
    fitted_run.topics["word_scores_keybert"] = fitted_run.topics["word_scores"]
    open_figures(page, [topic_words(fitted_run)], tmp_path / "words.html")
    words = "[...document.querySelectorAll('.yaxislayer-above .ytick text')].map(t => t.textContent)"
    assert not any(w.startswith("kb_") for w in page.evaluate(words))
    page.locator(".updatemenu-header").click()
    page.locator(".updatemenu-dropdown-button", has_text="keybert").click()
    page.wait_for_function(f"() => {{ const shown = {words}; return shown.length > 0 && "
                           "shown.every(w => w.startsWith('kb_')); }")
    assert "keybert" in page.evaluate(f"{PLOTS}[0]._fullLayout.title.text")
    assert page.problems == []
