"""The 2D document map at scale: page size, and seconds to draw, to answer a hover and a search, in
headless Chromium (Debian's, software WebGL, as in CI), with the plotly map it replaced beside it.

Runs of M10 titles (10,310), WordNet glosses (117,659) and PyPI summaries (607,602) are built once by
benchmarks/map_runs.py (see there how) and saved under outputs/bench-map/. For each, the whole figure
path is timed from the saved run: load_run -> document_map -> write_html ("build s"). Then the page is
opened `--rounds` times, corpora alternating, each a fresh tab of one browser, and the medians are
printed: "drawn s", navigation start to the first frame with every point; "hover s", navigation start
to the first hover that shows a document (the mouse is put on a point as soon as the points are drawn,
and nudged until the tooltip answers); then, on the ready page, "hover ms" (mouse moved onto another
point until its tooltip shows), "search ms" (Enter in the search box until the count shows) and
"meaning ms" (the same, searching by meaning). Targets: 117k points at most 15 MB and drawn and hovering
within 3 s; 600k at most 40 MB and drawn within 10 s.

`--plotly` adds the map as it was before (plotly Scattergl, one trace per topic, 160-character hover
texts, sampled to 50,000 points by default) for WordNet, at 50,000 points and at every point.

    python benchmarks/bench_map.py [--corpora m10 wordnet pypi] [--rounds 3] [--plotly]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from bench_figures import RECORD_DRAW
from map_runs import RUNS, bench_run

from topiclab import load_run
from topiclab.figures import document_map, write_html
from topiclab.figures._common import sample_per_topic, topic_table
from topiclab.figures._document_map_3d import hover_texts

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
QUERIES = {"m10": ("learning", "neural networks"), "wordnet": ("water", "music"), "pypi": ("python", "image processing")}
MAP = "document.getElementById('tlmap')"
TOOLTIP = "document.querySelector('.tl-tooltip').dataset.index"
PLOTLY_SAMPLE = 50_000


def build(name: str) -> tuple[dict, object]:
    bench_run(name)  # built and saved once
    started = time.perf_counter()
    run = load_run(RUNS / name)
    dm = document_map(run)
    path = dm.write_html(RUNS / f"{name}-map.html")
    return {"corpus": name, "points": f"{len(dm.rows):,}", "MB": f"{path.stat().st_size / 1e6:.1f}",
            "build s": f"{time.perf_counter() - started:.1f}"}, (path, dm)


def middle_point(page) -> int:
    """The point nearest the middle of the map's first view, by the page's own projection."""
    return page.evaluate("""() => { const box = document.querySelector('.tl-stage').getBoundingClientRect();
      const cx = box.x + box.width / 2, cy = box.y + box.height / 2, n = JSON.parse(
        document.getElementById('tlmap-meta').textContent).n;
      let best = 0, gap = Infinity;
      for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 20000))) {
        const [x, y] = topiclabMap.screenPosition(i), d = (x - cx) ** 2 + (y - cy) ** 2;
        if (d < gap) { gap = d; best = i; } }
      return best; }""")


def elapsed_ms(page, action, until: str) -> float:
    started = page.evaluate("performance.now()")
    action()
    page.wait_for_function(until, timeout=120_000, polling=5)
    return page.evaluate("performance.now()") - started


def open_once(browser, path, name: str) -> dict:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri(), timeout=120_000)
    page.wait_for_function(f"{MAP}.dataset.drawn === '1'", timeout=120_000, polling=5)
    drawn = page.evaluate("topiclabMap.drawnAt") / 1000
    point = middle_point(page)
    x, y = page.evaluate(f"topiclabMap.screenPosition({point})")
    for step in range(100_000):  # until the page answers a hover (before its texts are read, it cannot)
        page.mouse.move(x + step % 2 * 0.5, y)
        if page.evaluate(f"{TOOLTIP} !== undefined"):
            break
    hovered = page.evaluate("performance.now()") / 1000
    page.wait_for_function(f"{MAP}.dataset.state === 'ready'", timeout=120_000)
    other = page.evaluate(f"(() => {{ const p = {point}; const [x, y] = topiclabMap.screenPosition(p); "
                          "for (let i = 0; i < 1e6 && i < JSON.parse(document.getElementById('tlmap-meta').textContent).n; i++) {"
                          "const [a, b] = topiclabMap.screenPosition(i); if (Math.hypot(a - x, b - y) > 60 && "
                          "Math.hypot(a - x, b - y) < 200) return i; } return p; })()")
    ox, oy = page.evaluate(f"topiclabMap.screenPosition({other})")
    hover_ms = elapsed_ms(page, lambda: page.mouse.move(ox, oy), f"{TOOLTIP} !== undefined && {TOOLTIP} !== '{point}'")
    words, meaning = QUERIES[name]
    page.mouse.move(0, 0)
    page.fill("input[type=search]", words)
    search_ms = elapsed_ms(page, lambda: page.press("input[type=search]", "Enter"), f"{MAP}.dataset.matches > 0")
    page.select_option("select[aria-label='Search by']", "meaning")
    page.wait_for_function(f"{MAP}.dataset.semantic === 'ready'", timeout=120_000)
    page.fill("input[type=search]", meaning)
    meaning_ms = elapsed_ms(page, lambda: page.press("input[type=search]", "Enter"),
                            f"{MAP}.dataset.matches === '200' && document.querySelector('.tl-count').textContent"
                            ".includes('meaning')")
    page.close()
    if errors:
        raise RuntimeError(f"console errors in {path}: {errors[:3]}")
    return {"drawn s": drawn, "hover s": hovered, "hover ms": hover_ms, "search ms": search_ms, "meaning ms": meaning_ms}


# ------------------------------------------------------------------ the plotly map it replaced
PLOTLY_POINT = """() => { const gd = document.querySelector('.js-plotly-plot'), l = gd._fullLayout, z = l._size;
  const t = gd._fullData.reduce((a, b) => (b.x || []).length > (a.x || []).length ? b : a), n = t.x.length;
  const mx = t.x.reduce((s, v) => s + v, 0) / n, my = t.y.reduce((s, v) => s + v, 0) / n;
  let i = 0;
  for (let j = 1; j < n; j++) if ((t.x[j] - mx) ** 2 + (t.y[j] - my) ** 2 < (t.x[i] - mx) ** 2 + (t.y[i] - my) ** 2) i = j;
  const box = gd.getBoundingClientRect();
  return [box.x + z.l + l.xaxis.l2p(t.x[i]), box.y + z.t + l.yaxis.l2p(t.y[i])]; }"""


def plotly_map(run, max_points: int):
    """The 2D map as it was: one Scattergl trace per topic with hover texts (topiclab before the new page)."""
    import plotly.graph_objects as go

    coords, topics = run.projections["2d"], run.documents["topic"].to_numpy()
    shown = sample_per_topic(topics, max_points, run.config.seed)
    hover = hover_texts(run.documents["text"].iloc[shown])
    fig = go.Figure()
    for topic in topic_table(run).itertuples():
        rows = np.flatnonzero(topics[shown] == topic.topic)
        fig.add_trace(go.Scattergl(x=coords[shown[rows], 0], y=coords[shown[rows], 1], mode="markers", name=topic.name,
                                   text=hover[rows], hovertemplate="<b>%{fullData.name}</b><br>%{text}<extra></extra>",
                                   marker={"color": topic.color, "size": 3, "opacity": 0.8}))
    fig.update_layout(height=750, hovermode="closest", xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def plotly_rows(browser, rounds: int) -> list[dict]:
    run = load_run(RUNS / "wordnet")
    rows = []
    for limit in (PLOTLY_SAMPLE, len(run.documents)):
        path = write_html(plotly_map(run, limit), RUNS / f"wordnet-plotly-{limit}.html")
        times = []
        for _ in range(rounds):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.add_init_script(RECORD_DRAW)
            page.goto(path.as_uri(), timeout=120_000)
            page.wait_for_function("window.drawnAt !== undefined", timeout=120_000)
            x, y = page.evaluate(PLOTLY_POINT)
            page.mouse.move(x, y)
            page.wait_for_function("() => { const h = document.querySelector('.hovertext');"
                                   " return h && h.textContent.length > 10; }", timeout=120_000, polling=5)
            times.append((page.evaluate("window.drawnAt") / 1000, page.evaluate("performance.now()") / 1000))
            page.close()
        rows.append({"corpus": "wordnet (plotly, before)", "points": f"{min(limit, len(run.documents)):,}",
                     "MB": f"{path.stat().st_size / 1e6:.1f}", "build s": "",
                     "drawn s": f"{statistics.median(t[0] for t in times):.1f}",
                     "hover s": f"{statistics.median(t[1] for t in times):.1f}",
                     "hover ms": "", "search ms": "(none)", "meaning ms": "(none)"})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["m10", "wordnet", "pypi"], choices=list(QUERIES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plotly", action="store_true", help="also the plotly map it replaced (WordNet)")
    args = parser.parse_args()
    built = {name: build(name) for name in args.corpora}
    for name, (row, _) in built.items():
        print(row, flush=True)
    load = os.getloadavg()  # timings are only comparable on an equally busy machine
    measured = {name: [] for name in args.corpora}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        for round_ in range(args.rounds):
            order = args.corpora if round_ % 2 == 0 else args.corpora[::-1]  # alternating
            for name in order:
                measured[name].append(open_once(browser, built[name][1][0], name))
                print(name, {k: round(v, 2) for k, v in measured[name][-1].items()}, flush=True)
        extra = plotly_rows(browser, args.rounds) if args.plotly else []
        browser.close()
    rows = []
    for name in args.corpora:
        medians = {key: statistics.median(m[key] for m in measured[name]) for key in measured[name][0]}
        rows.append({**built[name][0], **{k: f"{v:.1f}" if k.endswith(" s") else f"{v:.0f}" for k, v in medians.items()}})
    rows += extra
    columns = list(rows[0])
    print(f"\nmedians of {args.rounds} rounds; load average {load[0]:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
