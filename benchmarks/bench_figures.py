"""The 3D document map (plotly) at scale: HTML size, and time to draw and answer a hover in headless Chromium.

For WordNet glosses (117,659) and 20 Newsgroups (18,331) from ../shared/data, a run is fitted once with
the static `wordllama` embedder (MiniLM on 2 CPU cores would take hours for WordNet; the figure path does
not depend on the embedder) and saved under outputs/bench-figures/. Then the whole figure path is
measured from the saved run, for several sample sizes: load_run -> document_map_3d -> write_html, and the
file opened in Debian's chromium (software WebGL, as in CI): seconds from navigation start until plotly
has drawn, and until a hover label shows a document. The 2D map is benchmarks/bench_map.py.

    python benchmarks/bench_figures.py [--corpora wordnet 20ng] [--points all 100000 default 20000]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from topiclab import fit_run, load_run
from topiclab.figures import document_map_3d, write_html
from topiclab.figures._document_map_3d import MAX_POINTS

import common

RUNS = common.ROOT / "outputs" / "bench-figures"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# Records when Plotly.newPlot has finished drawing, without touching the page under test.
RECORD_DRAW = """
let plotly;
Object.defineProperty(window, "Plotly", {configurable: true, get() { return plotly; }, set(value) {
  plotly = value;
  const newPlot = value.newPlot;
  value.newPlot = (...args) => newPlot(...args).then(gd => { window.drawnAt = performance.now(); return gd; });
}});
"""

# Where the point nearest the middle of the largest topic is on the page, in 2D or 3D (through the camera).
POINT_PIXEL = """() => { const gd = document.querySelector('.js-plotly-plot'), l = gd._fullLayout, z = l._size;
  const t = gd._fullData.reduce((a, b) => (b.x || []).length > (a.x || []).length ? b : a);
  const axes = l.scene ? ['x', 'y', 'z'] : ['x', 'y'], n = t.x.length;
  const mean = axes.map(a => t[a].reduce((sum, v) => sum + v, 0) / n);
  const gap = i => axes.reduce((sum, a, k) => sum + (t[a][i] - mean[k]) ** 2, 0);
  let i = 0;
  for (let j = 1; j < n; j++) if (gap(j) < gap(i)) i = j;
  const box = gd.getBoundingClientRect();
  if (!l.scene) return [box.x + z.l + l.xaxis.l2p(t.x[i]), box.y + z.t + l.yaxis.l2p(t.y[i])];
  const scene = l.scene._scene, c = scene.glplot.cameraParams, s = scene.dataScale;
  const mul = (m, v) => [0, 1, 2, 3].map(r => m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2] + m[12 + r] * v[3]);
  const clip = mul(c.projection, mul(c.view, mul(c.model, [t.x[i] * s[0], t.y[i] * s[1], t.z[i] * s[2], 1])));
  const d = l.scene.domain, left = z.l + d.x[0] * z.w, top = z.t + (1 - d.y[1]) * z.h;
  return [box.x + left + (clip[0] / clip[3] + 1) / 2 * (d.x[1] - d.x[0]) * z.w,
          box.y + top + (1 - clip[1] / clip[3]) / 2 * (d.y[1] - d.y[0]) * z.h]; }"""


def saved_run(name: str) -> Path:
    path = RUNS / f"{name}-wordllama"
    if not (path / "manifest.json").exists():
        started = time.perf_counter()
        run = fit_run(common.corpus(name), output_dir=RUNS, name=path.name, embedding={"model": "wordllama"},
                      progress=True)
        print(f"fitted {name}: {time.perf_counter() - started:.0f} s, stages {run.manifest['seconds']}")
    return path


def browser_times(browser, html: Path) -> tuple[float, float]:
    """Seconds from navigation start to drawn, and to a hover label with a document in it."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.add_init_script(RECORD_DRAW)
    page.goto(html.as_uri(), timeout=120_000)
    page.wait_for_function("window.drawnAt !== undefined", timeout=120_000)
    drawn = page.evaluate("window.drawnAt") / 1000
    x, y = page.evaluate(POINT_PIXEL)
    page.mouse.move(x, y)
    page.wait_for_function("() => { const h = document.querySelector('.hovertext');"
                           " return h && h.textContent.length > 10; }", timeout=60_000)
    hovered = page.evaluate("performance.now()") / 1000
    page.close()
    if errors:
        raise RuntimeError(f"console errors in {html}: {errors[:3]}")
    return drawn, hovered


def measure(name: str, points: list[str], browser) -> list[dict]:
    path = saved_run(name)
    rows = []
    for limit in points:
        started = time.perf_counter()
        run = load_run(path)
        n = len(run.documents)
        max_points = n if limit == "all" else MAX_POINTS if limit == "default" else int(limit)
        if max_points > n and limit != "all":
            continue
        fig = document_map_3d(run, max_points=max_points)
        built = time.perf_counter() - started
        started = time.perf_counter()
        html = write_html(fig, RUNS / f"{name}-map3d-{limit}.html")
        written = time.perf_counter() - started
        drawn, hovered = browser_times(browser, html)
        shown = sum(len(trace.x) for trace in fig.data)
        rows.append({"corpus": name, "map": "3D", "points": f"{shown:,} / {n:,}",
                     "MB": f"{html.stat().st_size / 1e6:.1f}", "load+map s": f"{built:.1f}",
                     "write s": f"{written:.1f}", "drawn s": f"{drawn:.1f}", "hover s": f"{hovered:.1f}",
                     "topics": run.metrics.get("n_topics"), "project s": run.manifest["seconds"].get("project")})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["wordnet", "20ng"])
    parser.add_argument("--points", nargs="+", default=["default", "25000"],
                        help="'all', 'default' (the map's own sample size) or a number")
    args = parser.parse_args()
    load = os.getloadavg()  # timings are only comparable on an equally busy machine
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        rows = [row for name in args.corpora for row in measure(name, args.points, browser)]
        browser.close()
    columns = list(rows[0])
    print(f"\nload average {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
