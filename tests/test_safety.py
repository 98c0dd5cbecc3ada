"""Safe to share: hostile corpora in reports, spreadsheets and terminals; reports written at once; resumes on new data.

A corpus, a topic label (an LLM's or `set-label`'s), a class, a column or a file name may hold markup, formulas
or terminal control sequences. Reports show them as text, CSV files as text, the terminal as escapes.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
import typer
from typer.testing import CliRunner

from topiclab.cli import app
from topiclab.cli.common import friendly_errors, printable
from topiclab.errors import CorpusError
from topiclab.files import spreadsheet_safe

ROOT = Path(__file__).resolve().parents[1]
FAST = {"embedding.model": "wordllama"}

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOVER = "<b onmouseover=alert(3)>"
LABEL = "<img src=x onerror=alert(4)>"
SVG = "<svg onload=alert(5)>"
LINK = "[click](javascript:alert(6))"
#: Elements that would run script had any of the strings above become markup.
HOSTILE_DOM = '[onerror], [onload], [onmouseover], img[src="x"], a[href^="javascript:" i]'


# ---------------------------------------------------------------------------------------------- HTML boundary
def test_safe_html_keeps_the_notebooks_markup_and_escapes_every_value():
    from topiclab.report import safe

    shown = safe.html("<h1>{title}</h1><p>{n:,} documents in <code>{path}</code>, {share:.1%}</p>",
                      title=f"Topics in {IMG}", n=12345, path=f"/data/{SCRIPT}", share=0.25).html
    assert shown == ("<h1>Topics in &lt;img src=x onerror=alert(2)&gt;</h1><p>12,345 documents in "
                     "<code>/data/&lt;script&gt;alert(1)&lt;/script&gt;</code>, 25.0%</p>")
    assert repr(safe.html("<p>{n:,} in <code>{path}</code></p>", n=3000, path=SCRIPT)) == f"3,000 in {SCRIPT}"
    assert safe.collapsible(f"all {HOVER}", f"text_col: {SCRIPT}").html == (
        "<details><summary>all &lt;b onmouseover=alert(3)&gt;</summary>"
        "<pre>text_col: &lt;script&gt;alert(1)&lt;/script&gt;</pre></details>")


def test_safe_tables_escape_cells_and_headings():
    import pandas as pd

    from topiclab.report import safe

    frame = pd.DataFrame({f"{HOVER}name": [SCRIPT, LINK], "size": [3, 4], "words": [IMG, "a &amp; b"]})
    for header in (True, False):
        shown = safe.table(frame, header=header).html
        assert "<script" not in shown and "<img" not in shown and "<b " not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "a &amp;amp; b" in shown
    assert "&lt;b onmouseover=alert(3)&gt;name" in safe.table(frame).html
    assert SCRIPT in repr(safe.table(frame))  # text/plain, for consoles, as typed


SUMMARY = {"documents": 100, "topics": 3, "outlier_share": 0.0, "npmi": 0.1, "diversity": 0.9}


def test_the_index_links_only_to_report_folders_and_shows_names_as_text(tmp_path):
    from topiclab.report import write_index

    for name in ("javascript:alert(7)", f"{SVG} report", "plain"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps({
            "status": "ok", "corpus": f"/data/{IMG}.csv", "summary": SUMMARY,
            "parameters": {"settings": {"labels.display": SCRIPT}}}), encoding="utf-8")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert sorted(re.findall(r'href="([^"]*)"', page)) == [
        "%3Csvg%20onload%3Dalert%285%29%3E%20report/report.html", "javascript%3Aalert%287%29/report.html",
        "plain/report.html"]
    assert "<svg" not in page and "<img" not in page and "<script" not in page
    assert "&lt;svg onload=alert(5)&gt; report" in page and "/data/&lt;img src=x onerror=alert(2)&gt;.csv" in page


# ---------------------------------------------------------------------------------------------- spreadsheets
def test_spreadsheet_safe_quotes_formulas_and_leaves_numbers():
    import pandas as pd

    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://x\")", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-1",
                                   "+2.5e3", "plain = text", ""],
                          "topic": [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8], "=header": ["x"] * 10})
    safe = spreadsheet_safe(frame)
    assert safe["text"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1+cmd", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1",
                                     "-1", "+2.5e3", "plain = text", ""]
    assert safe["topic"].tolist() == list(range(-1, 9)) and list(safe.columns) == ["text", "topic", "'=header"]
    assert frame["text"][0].startswith("=")  # the caller's frame is left as it was


def test_topics_csv_carries_no_formulas_from_documents_or_labels(fitted_run):
    topics = fitted_run.topics
    topic = int(topics["topic"].max())
    mine = topics["topic"] == topic  # as an LLM label or a document could be
    topics.loc[mine, "label"] = '=HYPERLINK("http://evil.example","click")'
    topics["representative_docs"] = [["@SUM(1+1)*cmd|' /C calc'!A0", "fine"] if t == topic else docs
                                     for t, docs in zip(topics["topic"], topics["representative_docs"])]
    fitted_run.save()
    with open(fitted_run.path / "topics.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    cells = [value for row in rows for value in row.values()]
    assert not [value for value in cells if value[:1] in ("=", "+", "@", "\t", "\r")
                or (value[:1] == "-" and not re.fullmatch(r"-\d+(\.\d+)?", value))]
    mine = next(row for row in rows if row["topic"] == str(topic))
    assert mine["label"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert mine["representative_docs"].startswith("'@SUM(1+1)")


# ---------------------------------------------------------------------------------------------- terminal
HOSTILE_LABEL = "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x9b2J\rover\u202eevil\nnext"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_printable_shows_control_characters_escaped():
    assert printable(HOSTILE_LABEL) == "\\x1b]0;pwned\\x07\\x1b[31mred\\x1b[0m\\x9b2J\\rover\\u202eevil\\nnext"
    assert printable("line one\nline two\ttab", multiline=True) == "line one\nline two\\ttab"
    assert printable("Économie — 経済 ✓") == "Économie — 経済 ✓"


def test_cli_prints_labels_and_errors_without_control_characters(fitted_run, capsys):
    from topiclab.cli.fit import print_summary
    from topiclab.cli.label import print_labels

    result = CliRunner().invoke(app, ["set-label", str(fitted_run.path), "0", HOSTILE_LABEL])
    assert result.exit_code == 0, result.output
    assert not CONTROL.search(result.output) and "\\x1b[31mred" in result.output
    from topiclab import load_run

    run = load_run(fitted_run.path)
    assert HOSTILE_LABEL in run.topic_labels[0]  # kept as given; only what is printed is escaped
    print_summary(run)
    print_labels(run)

    @friendly_errors
    def failing():
        raise CorpusError(f"The column '{HOSTILE_LABEL}' is empty.\nName another with --text-col.")

    with pytest.raises(typer.Exit):
        failing()
    out, err = capsys.readouterr()
    for text in (out, err):
        assert not CONTROL.search(text), text
    assert out.count("\\x1b]0;pwned\\x07") == 2 and "\\x1b]0;pwned" in err and "\nName another" in err


# ---------------------------------------------------------------------------------------------- concurrent writers
def test_a_report_refuses_a_folder_another_report_is_writing(tmp_path):
    from filelock import FileLock

    from topiclab.report import make_report
    from topiclab.report.report import LOCK, ReportBusyError

    corpus = tmp_path / "a.csv"
    corpus.write_text("text\nhello world\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text('{"status": "ok"}', encoding="utf-8")
    with FileLock(tmp_path / "out" / LOCK):
        with pytest.raises(ReportBusyError, match="Another report is being written to .*out"):
            make_report(corpus, tmp_path / "out", settings=FAST)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != LOCK) == ["report.json"]
    assert (tmp_path / "out" / "report.json").read_text(encoding="utf-8") == '{"status": "ok"}'


@pytest.mark.integration
def test_two_reports_into_one_folder_at_once_end_with_one_complete_report(tmp_path, bbc_small):
    from topiclab import load_run

    corpus = tmp_path / "news.csv"
    bbc_small.head(150).to_csv(corpus, index=False)
    command = [sys.executable, "-m", "topiclab", "report", str(corpus), "--text-col", "text", "--model", "wordllama",
               "-o", str(tmp_path / "out")]
    writers = [subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(writer.returncode, *output) for writer in writers for output in [writer.communicate(timeout=900)]]
    assert sorted(code for code, _, _ in outcomes) in ([0, 0], [0, 2]), outcomes
    for code, _, stderr in outcomes:
        assert "Traceback" not in stderr
        if code:
            assert "Another report is being written to" in stderr, stderr
    out = tmp_path / "out"
    record = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert record["status"] == "ok" and record["summary"]["documents"] == 150
    nbformat.validate(nbformat.read(out / "report.ipynb", as_version=4))
    assert "Topics in news.csv" in (out / "report.html").read_text(encoding="utf-8")
    assert len(load_run(out / "run").documents) == 150
    assert not list(out.glob(".report*.partial.ipynb")) and not list(out.glob(".run*"))
    assert not (out / "report.failed.ipynb").exists()


# ---------------------------------------------------------------------------------------------- resume on new data
def test_source_fingerprint_follows_the_files_a_corpus_is_read_from(tmp_path):
    from topiclab.corpus.readers import source_fingerprint

    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text("first", encoding="utf-8")
    (tmp_path / "docs" / "sub" / "b.txt").write_text("second", encoding="utf-8")
    before = source_fingerprint(tmp_path / "docs")
    (tmp_path / "docs" / "notes.md").write_text("not read", encoding="utf-8")
    assert source_fingerprint(tmp_path / "docs") == before
    (tmp_path / "docs" / "sub" / "b.txt").write_text("changed", encoding="utf-8")
    assert source_fingerprint(tmp_path / "docs") != before
    (tmp_path / "docs" / "sub" / "b.txt").write_text("second", encoding="utf-8")
    assert source_fingerprint(tmp_path / "docs") == before
    (tmp_path / "docs" / "sub" / "b.txt").rename(tmp_path / "docs" / "c.txt")
    assert source_fingerprint(tmp_path / "docs") != before
    with pytest.raises(CorpusError, match="Cannot read"):
        source_fingerprint(tmp_path / "missing.csv")


@pytest.mark.integration
def test_batch_resume_redoes_a_report_whose_corpus_changed(tmp_path, bbc_small):
    from topiclab import load_run
    from topiclab.report import run_batch

    corpus = tmp_path / "news.csv"
    frame = bbc_small.head(150)
    frame.to_csv(corpus, index=False)
    batch = tmp_path / "batch.yaml"
    batch.write_text(json.dumps({"settings": {"embedding": {"model": "wordllama"}},
                                 "corpora": [{"path": "news.csv", "text_col": "text"}]}), encoding="utf-8")
    out = tmp_path / "outputs"

    def statuses():
        results, _ = run_batch(batch, output_dir=out, progress=False)
        return [(result.name, result.status) for result in results]

    assert statuses() == [("news", "ok")]
    first = json.loads((out / "news" / "report.json").read_text(encoding="utf-8"))
    assert statuses() == [("news", "skipped")]
    changed = frame.copy()
    changed.loc[changed.index[0], "text"] += " A sentence added after the report."
    changed.to_csv(corpus, index=False)
    assert statuses() == [("news", "ok")]
    second = json.loads((out / "news" / "report.json").read_text(encoding="utf-8"))
    assert second["inputs"]["corpus"] != first["inputs"]["corpus"] and second["parameters"] == first["parameters"]
    assert load_run(out / "news" / "run").documents["text"].str.endswith("added after the report.").sum() == 1
    assert statuses() == [("news", "skipped")]


# ---------------------------------------------------------------------------------------------- hostile report
@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory, bbc_small) -> Path:
    """A report (and its batch index) of 200 BBC articles where documents, class names, the text and class
    columns' names, the file name, a topic label and the report folder's name hold markup."""
    from topiclab.report import make_report, open_or_fit, write_index

    folder = tmp_path_factory.mktemp("hostile")
    classes = {"business": f"{SCRIPT} business", "sport": f"{LINK} sport", "tech": f"{SVG}tech",
               "politics": "politics &amp; <i>", "entertainment": f"{IMG}entertainment"}
    frame = bbc_small.groupby("label").head(40).reset_index(drop=True)
    frame = frame.assign(text=f"{SCRIPT} {IMG} " + frame["text"] + f" {HOVER}bold</b>",
                         label=frame["label"].map(classes))
    frame = frame.rename(columns={"text": f"{HOVER}body", "label": f"{SVG}section"})
    corpus = folder / f"{IMG} news.parquet"
    frame.to_parquet(corpus)
    settings = {"corpus.text_col": f"{HOVER}body", "corpus.class_col": f"{SVG}section", "corpus.id_col": "doc_id",
                **FAST}
    outputs = folder / "outputs"
    report = outputs / f"{SVG} report"
    run = open_or_fit(corpus, report / "run", settings=settings)
    labelled = CliRunner().invoke(app, ["set-label", str(run.path), str(int(run.topics["topic"].max())), LABEL])
    assert labelled.exit_code == 0, labelled.output
    make_report(corpus, report, settings=settings)  # reopens the run: same documents and settings
    shutil.copytree(report, outputs / "javascript:alert(7)", ignore=shutil.ignore_patterns("run"))
    write_index(outputs)
    return outputs


def open_watched(browser, path: Path):
    """The page with the network off and every dialog (alert, confirm, prompt) recorded and dismissed."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("""() => document.querySelectorAll('body *').forEach(  // an onmouseover, had one got through
        element => element.dispatchEvent(new MouseEvent('mouseover', {bubbles: false})))""")
    return page, dialogs


def script_free(page) -> bool:
    """No element that runs script on an event or a click, and no script element holding a document's script."""
    return page.locator(HOSTILE_DOM).count() == 0 and not page.evaluate(
        "() => [...document.scripts].some(script => /^\\s*alert\\(/.test(script.textContent))")


@pytest.mark.integration
def test_a_hostile_report_runs_no_script_and_shows_the_markup_as_text(hostile_outputs, browser):
    page, dialogs = open_watched(browser, hostile_outputs / f"{SVG} report" / "report.html")
    assert page.title() == f"Topics in {IMG} news.parquet"
    total, drawn = page.evaluate("""() => {
        const divs = [...document.querySelectorAll('.plotly-graph-div')];
        return [divs.length, divs.filter(d => d._fullLayout && d.querySelector('.main-svg')).length];
    }""")
    assert total >= 8 and drawn == total
    assert script_free(page)
    text = page.inner_text("body")
    for shown in (f"Topics in {IMG} news.parquet", SCRIPT, IMG, LABEL, f"{HOVER}body", f"{SVG}section",
                  f"{SCRIPT} business", f"{LINK} sport", "politics &amp; <i>"):
        assert shown in text, shown
    assert dialogs == []
    page.close()


@pytest.mark.integration
def test_a_hostile_batch_index_runs_no_script_and_links_only_reports(hostile_outputs, browser):
    page, dialogs = open_watched(browser, hostile_outputs / "index.html")
    links = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
    assert len(links) == 2 and all(link.startswith("file://") and link.endswith("/report.html") for link in links)
    assert all(Path(unquote(urlparse(link).path)).exists() for link in links)
    assert script_free(page)
    text = page.inner_text("body")
    assert f"{SVG} report" in text and "javascript:alert(7)" in text and f"{IMG} news.parquet" in text
    page.get_by_text(f"{SVG} report").first.click()  # the link opens the report, as text in, script-free
    page.wait_for_load_state("load")
    assert page.url.endswith("/report.html") and page.title() == f"Topics in {IMG} news.parquet"
    assert dialogs == []
    page.close()
