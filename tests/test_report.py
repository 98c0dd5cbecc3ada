"""Reports: offline HTML export, batch files, resume and failures, the index page, the CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from topiclab.errors import ReportError
from topiclab.report import load_batch, run_batch, write_index
from topiclab.report.batch import plan
from topiclab.report.html import notebook_to_html
from topiclab.report.kernel import ReportKernel
from topiclab.report.notebook import ensure_kernel, execute
from topiclab.report.report import finished, input_hashes, report_parameters

ROOT = Path(__file__).resolve().parents[1]
FAST = {"embedding.model": "wordllama"}
PLOTLYJS_BANNER = re.compile(r"plotly\.js v\d+\.\d+\.\d+")


def topiclab(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topiclab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


# ---------------------------------------------------------------------------------------------- export
def figure_notebook() -> nbformat.NotebookNode:
    """A notebook as the report leaves it: plotly.js once, two figures, a hidden set-up cell."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    from topiclab.report.display import OfflineRenderer

    renderer = OfflineRenderer(config={"displaylogo": False})
    figures = [go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), go.Figure(go.Scatter3d(x=[1, 2], y=[1, 2], z=[1, 2]))]

    def output(data):
        return nbformat.v4.new_output("display_data", data=data)

    hidden = nbformat.v4.new_code_cell("secret_setup()", outputs=[nbformat.v4.new_output("stream", text="SECRET")])
    hidden.metadata["tags"] = ["remove-cell"]
    first = nbformat.v4.new_code_cell("fig.show()", outputs=[
        output({"text/html": f'<script type="text/javascript">{get_plotlyjs()}</script>'}),
        output(renderer.to_mimebundle(figures[0].to_dict()))])
    second = nbformat.v4.new_code_cell("fig3d.show()", outputs=[output(renderer.to_mimebundle(figures[1].to_dict()))])
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A report"), hidden, first, second])


def test_export_hides_code_embeds_plotlyjs_once_and_fetches_nothing():
    page = notebook_to_html(figure_notebook(), title="My report")
    assert len(PLOTLYJS_BANNER.findall(page)) == 1
    assert page.count('class="plotly-graph-div"') == 2
    assert "<title>My report</title>" in page
    assert "fig.show()" not in page and "SECRET" not in page  # code hidden, remove-cell cells left out
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page), "nothing may be fetched"


def offline_page(browser, path: Path):
    """A page with every request other than file:// refused; console errors collected."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    page.goto(path.as_uri(), wait_until="load")
    return page, errors


def drawn_figures(page) -> tuple[int, int]:
    """(figures on the page, figures plotly drew: an SVG with marks, or a WebGL scene)."""
    return tuple(page.evaluate("""() => {
        const divs = [...document.querySelectorAll('.plotly-graph-div')];
        const marks = 'g.trace path, .hm image, .gl-container canvas';
        const drawn = divs.filter(d => d._fullLayout && d.querySelector(marks));
        return [divs.length, drawn.length];
    }"""))


@pytest.mark.integration
def test_exported_figures_draw_in_a_browser_with_the_network_off(browser, tmp_path):
    path = tmp_path / "figures.html"
    path.write_text(notebook_to_html(figure_notebook()), encoding="utf-8")
    page, errors = offline_page(browser, path)
    assert drawn_figures(page) == (2, 2)
    assert not errors
    page.close()


# ---------------------------------------------------------------------------------------------- warm kernels
def code_notebook(path: Path, *cells: str) -> Path:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells]), path)
    return path


def printed(notebook: Path) -> list[str]:
    cells = nbformat.read(notebook, as_version=4).cells
    return "".join(o.get("text", "") for cell in cells for o in cell.get("outputs", [])).split()


@pytest.mark.integration
def test_a_started_kernel_runs_each_notebook_in_an_empty_namespace_and_replaces_a_dead_kernel(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first = code_notebook(tmp_path / "first.ipynb", "import os\nleft_over = 1\nprint(os.getpid())")
    second = code_notebook(tmp_path / "second.ipynb", "import os\nprint(os.getpid(), 'left_over' in globals(), "
                                                      "os.path.basename(os.getcwd()))")
    dies = code_notebook(tmp_path / "dies.ipynb", "import os\nos._exit(1)")
    warm = ReportKernel(ensure_kernel(), reuse=True)
    try:
        execute(first, tmp_path / "out1.ipynb", {}, cwd=tmp_path / "a", started_kernel=warm)
        execute(second, tmp_path / "out2.ipynb", {}, cwd=tmp_path / "b", started_kernel=warm)
        with pytest.raises(Exception):
            execute(dies, tmp_path / "out3.ipynb", {}, cwd=tmp_path / "a", started_kernel=warm)
        execute(second, tmp_path / "out4.ipynb", {}, cwd=tmp_path / "a", started_kernel=warm)
    finally:
        warm.shutdown()
    [pid] = printed(tmp_path / "out1.ipynb")
    assert printed(tmp_path / "out2.ipynb") == [pid, "False", "b"]  # same process, nothing left, its own folder
    replaced, left_over, folder = printed(tmp_path / "out4.ipynb")
    assert replaced != pid and (left_over, folder) == ("False", "a")


@pytest.mark.integration
def test_a_kernel_started_ahead_has_imported_the_report_modules_into_an_empty_namespace_and_stops_after(tmp_path):
    notebook = code_notebook(tmp_path / "n.ipynb", "import os, sys\nprint(os.getpid(), 'topiclab.figures' in sys.modules, "
                                                   "'importlib' in globals() or '_name' in globals(), "
                                                   "os.path.basename(os.getcwd()))")
    (tmp_path / "here").mkdir()
    kernel = ReportKernel(ensure_kernel())
    kernel.start(tmp_path / "here")  # returns at once; the notebook waits for the imports
    try:
        execute(notebook, tmp_path / "out.ipynb", {}, cwd=tmp_path / "here", started_kernel=kernel)
    finally:
        kernel.shutdown()
    pid, preloaded, leftovers, folder = printed(tmp_path / "out.ipynb")
    assert (preloaded, leftovers, folder) == ("True", "False", "here")
    with pytest.raises(ProcessLookupError):  # gone once shutdown() returns
        os.kill(int(pid), 0)


@pytest.mark.integration
def test_a_lone_report_fits_in_the_calling_process_before_its_notebook_starts(tmp_path, bbc_small, monkeypatch):
    import topiclab.report.report as report_module
    from topiclab.report import make_report

    corpus = tmp_path / "news.parquet"
    bbc_small.head(120).to_parquet(corpus)
    found = {}

    def notebook_sees(notebook, output, parameters, **kwargs):
        found["run"] = (Path(parameters["output_dir"]) / "run" / "manifest.json").exists()
        raise RuntimeError("the notebook stops here")

    monkeypatch.setattr(report_module, "execute", notebook_sees)
    with pytest.raises(ReportError, match="the notebook stops here"):
        make_report(corpus, tmp_path / "out", settings={**FAST, "corpus.text_col": "text"})
    assert found == {"run": True}  # saved where the notebook's open_or_fit reopens it


# ---------------------------------------------------------------------------------------------- batch files
def write_batch(folder: Path, data: dict) -> Path:
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("data, message", [
    ({"corpora": [{"path": "a.csv", "txt_col": "body"}]}, "corpora.0.txt_col: unknown key"),
    ({"corpora": []}, "corpora: List should have at least 1 item"),
    ({"workers": 0, "corpora": [{"path": "a.csv"}]}, "workers: Input should be greater than or equal to 1"),
    ({"corpora": [{"path": "a.csv"}, {"path": "other/a.csv"}]}, "corpora repeat the name a"),
    ({"corpora": [{"path": "a.csv", "name": "bad name"}]}, "corpora.0.name: must be 1 to 128 letters"),
    ({"variants": [{"name": "x"}]}, "corpora: required"),
])
def test_invalid_batch_files_say_what_to_fix(tmp_path, data, message):
    with pytest.raises(ReportError) as error:
        load_batch(write_batch(tmp_path, data))
    assert message in str(error.value) and "A batch file looks like this" in str(error.value)


def test_a_wrong_setting_stops_the_batch_before_anything_runs(tmp_path):
    (tmp_path / "a.csv").write_text("text\nhello\n", encoding="utf-8")
    spec = load_batch(write_batch(tmp_path, {"corpora": [{"path": "a.csv"}],
                                             "variants": [{"name": "x", "settings": {"umap": {"n_neighbours": 5}}}]}))
    with pytest.raises(ReportError, match=r"(?s)Report .a. .*umap.n_neighbours: unknown setting"):
        plan(spec, tmp_path, tmp_path / "out")


def test_plan_crosses_corpora_and_variants_with_paths_from_the_batch_file(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("news.csv", "tweets.csv"):
        (tmp_path / "data" / name).write_text("text\nhello\n", encoding="utf-8")
    spec = load_batch(write_batch(tmp_path, {
        "settings": {"embedding": {"model": "wordllama"}},
        "corpora": [{"path": "data/news.csv", "class_col": "label"}, {"path": "data/tweets.csv", "name": "tw"}],
        "variants": [{"name": "base"}, {"name": "wide", "settings": {"umap": {"n_neighbors": 40}}}],
    }))
    jobs = plan(spec, tmp_path, tmp_path / "out")
    assert [job.name for job in jobs] == ["news-base", "tw-base", "news-wide", "tw-wide"]
    news_wide = jobs[2].parameters
    assert news_wide["corpus"] == str(tmp_path / "data" / "news.csv")
    assert news_wide["output_dir"] == str(tmp_path / "out" / "news-wide")
    assert news_wide["settings"] == {"embedding.model": "wordllama", "corpus.class_col": "label",
                                     "umap.n_neighbors": 40}


def test_a_missing_corpus_fails_alone_and_the_index_says_why(tmp_path):
    batch = write_batch(tmp_path, {"corpora": [{"path": "nowhere.csv"}]})
    results, index = run_batch(batch, output_dir=tmp_path / "out", progress=False)
    assert [(r.name, r.status) for r in results] == [("nowhere", "failed")]
    assert "Corpus not found" in results[0].error
    page = index.read_text(encoding="utf-8")
    assert "nowhere" in page and "Corpus not found" in page and "0 finished" in page


def test_index_links_finished_reports_with_their_key_figures(tmp_path):
    summary = {"documents": 1234, "topics": 17, "outlier_share": 0.0, "outlier_share_before_reduction": 0.25,
               "npmi": 0.1234, "diversity": 0.81, "nmi": 0.55, "largest_topics": ["3: Tennis", "0: <b>Oil</b>"]}
    without_classes = {key: value for key, value in summary.items() if key != "nmi"}
    for name, record in (("alpha", {"status": "ok", "summary": summary, "seconds": 42}),
                         ("beta", {"status": "failed", "error": "CorpusError: no column 'body'", "seconds": 3}),
                         ("gamma", {"status": "ok", "summary": without_classes, "seconds": 7})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps({**record, "corpus": f"{name}.csv", "parameters": {
            "settings": {"corpus.text_col": "body", "umap.n_neighbors": 30}}}), encoding="utf-8")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert '<a href="alpha/report.html">alpha</a>' in page and 'href="beta/report.html"' not in page
    for shown in ("1,234", "17", "25.0% before reassignment", "0.123", "0.810", "0.550", "umap.n_neighbors=30",
                  "no column &#39;body&#39;", "2 finished", "1 failed", "3: Tennis · 0: &lt;b&gt;Oil&lt;/b&gt;"):
        assert shown in page, shown
    assert "corpus.text_col" not in page


def test_a_report_counts_as_finished_only_with_the_same_parameters_and_data(tmp_path):
    corpus = tmp_path / "a.csv"
    corpus.write_text("text\nhello\n", encoding="utf-8")
    parameters = report_parameters(corpus, tmp_path / "a", settings=FAST)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.html").write_text("<html></html>", encoding="utf-8")
    record = {"status": "ok", "parameters": parameters, "inputs": input_hashes(parameters)}
    (tmp_path / "a" / "report.json").write_text(json.dumps(record))
    assert finished(tmp_path / "a", parameters)
    assert not finished(tmp_path / "a", {**parameters, "settings": {**FAST, "umap.n_neighbors": 5}})
    stat = corpus.stat()
    corpus.write_text("text\nhullo\n", encoding="utf-8")  # same size, same modification time: only the hash tells
    os.utime(corpus, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert not finished(tmp_path / "a", parameters)
    corpus.write_text("text\nhello\n", encoding="utf-8")
    assert finished(tmp_path / "a", parameters)
    corpus.unlink()
    assert not finished(tmp_path / "a", parameters)
    corpus.write_text("text\nhello\n", encoding="utf-8")
    (tmp_path / "a" / "report.html").unlink()
    assert not finished(tmp_path / "a", parameters)


# ---------------------------------------------------------------------------------------------- tables
def test_report_tables_describe_the_run(fitted_run):
    from topiclab.report import safe, tables

    topics = tables.topic_table(fitted_run)
    assert list(topics.columns[:5]) == ["Topic", "Label", "Documents", "Share", "Top words"]
    sizes = topics.loc[topics["Topic"] != -1, "Documents"]
    assert sizes.is_monotonic_decreasing and sizes.sum() + topics.loc[topics["Topic"] == -1, "Documents"].sum() == 300
    overview = dict(tables.corpus_overview(fitted_run).values)
    assert overview["Documents modelled"] == "300" and "Classes (5)" in overview
    changed = dict(zip(*tables.changed_settings(fitted_run)[["Setting", "Value"]].values.T))
    assert changed["embedding.model"] == "wordllama" and changed["corpus.class_col"] == "label"
    assert "NMI vs classes" in tables.metrics_table(fitted_run)["Metric"].tolist()
    assert "&lt;b&gt;" in safe.collapsible("settings", "<b>").html
    html = safe.table(topics).html
    assert "text-align: left" in html and ">Top words<" in html


# ---------------------------------------------------------------------------------------------- open or fit
@pytest.mark.integration
def test_open_or_fit_reopens_the_same_inputs_and_refits_on_a_change(tmp_path, bbc_small):
    from topiclab.report import open_or_fit

    corpus = tmp_path / "bbc.parquet"
    bbc_small.to_parquet(corpus)
    settings = {"corpus.text_col": "text", "corpus.class_col": "label", **FAST}
    run_dir = tmp_path / "my report" / "run"
    first = open_or_fit(corpus, run_dir, settings=settings)
    assert first.name == "my-report" and set(first.projections) == {"2d", "3d"}
    again = open_or_fit(corpus, run_dir, settings=settings)
    assert again.manifest["created_at"] == first.manifest["created_at"]
    changed = open_or_fit(corpus, run_dir, settings={**settings, "min_cluster_size": 30})
    assert changed.config.clustering.hdbscan.min_cluster_size == 30 and changed.manifest["embedding"]["n_cached"] == 300
    bbc_small.assign(label=["moved"] + bbc_small["label"].tolist()[1:]).to_parquet(corpus)  # same texts
    reclassed = open_or_fit(corpus, run_dir, settings={**settings, "min_cluster_size": 30})
    assert reclassed.documents["class"].tolist()[0] == "moved"


# ---------------------------------------------------------------------------------------------- CLI, end to end
def test_report_of_a_missing_corpus_is_one_clear_line(tmp_path):
    result = topiclab("report", str(tmp_path / "missing.csv"), cwd=tmp_path)
    assert result.returncode == 2 and "Corpus not found" in result.stderr and "Traceback" not in result.stderr


def test_batch_with_an_invalid_file_is_one_clear_message(tmp_path):
    batch = write_batch(tmp_path, {"corpora": [{"path": "a.csv", "colour": "blue"}]})
    result = topiclab("batch", str(batch), cwd=tmp_path)
    assert result.returncode == 2 and "corpora.0.colour: unknown key" in result.stderr


@pytest.mark.integration
def test_report_that_fails_in_the_notebook_says_why_and_keeps_the_notebook(tmp_path, bbc_small):
    corpus = tmp_path / "articles.csv"
    bbc_small.to_csv(corpus, index=False)
    result = topiclab("report", str(corpus), "--text-col", "content", "--model", "wordllama", "-o",
                      str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CorpusError" in result.stderr and "has no column 'content'" in result.stderr
    assert (tmp_path / "out" / "report.failed.ipynb").exists() and not (tmp_path / "out" / "report.html").exists()


@pytest.fixture(scope="module")
def bbc_report(tmp_path_factory, bbc_small) -> Path:
    """`topiclab report` run as a user runs it, on 300 BBC articles with their classes."""
    folder = tmp_path_factory.mktemp("bbc-report")
    corpus = folder / "articles.csv"
    bbc_small.rename(columns={"text": "body", "label": "section"}).to_csv(corpus, index=False)
    result = topiclab("report", str(corpus), "--text-col", "body", "--class-col", "section", "--model", "wordllama",
                      "--title", "BBC articles", "-o", str(folder / "outputs" / "bbc"), cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "report.html" in result.stdout
    assert "Embedding" in result.stderr  # the fit shows its stages as the command fits, before the notebook runs
    return folder / "outputs" / "bbc"


@pytest.mark.integration
def test_report_writes_the_notebook_the_html_and_the_run(bbc_report):
    from topiclab import load_run

    assert (bbc_report / "report.ipynb").exists() and (bbc_report / "report.html").exists()
    run = load_run(bbc_report / "run")
    assert len(run.documents) == 300 and run.name == "bbc"
    record = json.loads((bbc_report / "report.json").read_text())
    assert record["status"] == "ok" and record["summary"]["documents"] == 300 and "nmi" in record["summary"]
    page = (bbc_report / "report.html").read_text(encoding="utf-8")
    assert len(PLOTLYJS_BANNER.findall(page)) == 1
    assert "<title>BBC articles</title>" in page and "open_or_fit" not in page
    for heading in ("The corpus at a glance", "Topics per class", "Quality metrics", "Configuration and versions"):
        assert heading in page
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page)


@pytest.mark.integration
def test_report_html_works_offline_in_a_browser(bbc_report, browser, artifacts_dir):
    page, errors = offline_page(browser, bbc_report / "report.html")
    total, drawn = drawn_figures(page)
    assert total >= 8 and drawn == total  # plotly figures; the 2D document map is its own page, in an iframe
    page.frame_locator("iframe.topiclab-map").locator("#tlmap[data-state=ready]").wait_for()
    assert not errors
    page.screenshot(path=str(artifacts_dir / "report.png"), full_page=False)
    page.locator("text=Document map").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "report-map.png"))
    page.close()


@pytest.mark.integration
def test_batch_resumes_after_an_interruption_and_isolates_a_failing_corpus(tmp_path, bbc_small, tweets_small, browser):
    bbc_small.to_parquet(tmp_path / "bbc.parquet")
    tweets_small.head(400).to_parquet(tmp_path / "tweets.parquet")
    bbc_small[["doc_id", "label"]].to_csv(tmp_path / "broken.csv", index=False)  # no text column at all
    batch = write_batch(tmp_path, {"output_dir": "outputs", "workers": 1,
                                   "settings": {"embedding": {"model": "wordllama"}},
                                   "corpora": [{"path": "bbc.parquet", "class_col": "label"},
                                               {"path": "broken.csv", "text_col": "body"},
                                               {"path": "tweets.parquet", "timestamp_col": "created_at"}]})
    outputs = tmp_path / "outputs"

    # First run: interrupted (as by Ctrl-C) once the second report's notebook is running. The batch takes
    # Ctrl-C as from a terminal: a test run started in the background (`cmd &` in a script) ignores SIGINT,
    # and its children would inherit that and finish the batch.
    as_from_a_terminal = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                          "sys.argv[0] = 'topiclab'; runpy.run_module('topiclab', run_name='__main__')")
    first = subprocess.Popen([sys.executable, "-c", as_from_a_terminal, "batch", str(batch)], cwd=tmp_path,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 1200  # a guard against a hung batch, not a timing
    while not ((outputs / "bbc" / "report.json").exists() and any((outputs / "tweets").glob(".report.*.partial.ipynb"))):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130 and "resume" in stderr, stderr[-3000:]
    assert not (outputs / "tweets" / "report.json").exists()
    bbc_html = (outputs / "bbc" / "report.html").stat().st_mtime_ns

    # Second run: the finished report is skipped, the rest run, the failing corpus fails alone; the tweets'
    # report runs in the kernel the failed one used (one worker keeps its kernel), and is whole.
    second = topiclab("batch", str(batch), cwd=tmp_path)
    assert second.returncode == 1, second.stderr[-3000:]
    lines = {line.split()[1]: line.split()[0] for line in second.stdout.splitlines() if line.startswith("  ")}
    assert lines == {"bbc": "skipped", "tweets": "ok", "broken": "failed"}
    assert (outputs / "bbc" / "report.html").stat().st_mtime_ns == bbc_html
    failure = json.loads((outputs / "broken" / "report.json").read_text())
    assert failure["status"] == "failed" and "CorpusError" in failure["error"] and "'body'" in failure["error"]
    assert (outputs / "broken" / "report.failed.ipynb").exists()

    index = (outputs / "index.html").read_text(encoding="utf-8")
    assert 'href="bbc/report.html"' in index and 'href="tweets/report.html"' in index and "CorpusError" in index
    assert len(PLOTLYJS_BANNER.findall((outputs / "tweets" / "report.html").read_text(encoding="utf-8"))) == 1
    page, errors = offline_page(browser, outputs / "tweets" / "report.html")
    total, drawn = drawn_figures(page)
    assert drawn == total and page.locator("text=Topics over time").count() >= 1 and not errors
    page.close()
