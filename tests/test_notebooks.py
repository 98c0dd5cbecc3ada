"""The shipped notebooks: committed clean (no outputs), parameterized, and runnable with papermill."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from topiclab.report.notebook import NOTEBOOK_NAMES, notebook_path

ROOT = Path(__file__).resolve().parents[1]
_NOT_SOURCE = {".venv", "outputs", "test-artifacts", ".ipynb_checkpoints", "build", "dist", ".git", "node_modules"}


def project_notebooks() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in _NOT_SOURCE]
        found += [Path(folder) / name for name in files if name.endswith(".ipynb")]
    return sorted(found)


def test_notebooks_are_committed_without_outputs():
    notebooks = project_notebooks()
    assert {p.stem for p in notebooks} >= set(NOTEBOOK_NAMES)
    dirty = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                dirty.append(f"{path.relative_to(ROOT)} cell {index}")
    assert not dirty, ("Clear the outputs before committing (JupyterLab: Edit > Clear Outputs of All Cells, or "
                       "`jupyter nbconvert --clear-output --inplace FILE`): " + ", ".join(dirty))


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_each_notebook_has_one_parameters_cell_first_among_code_cells(name):
    notebook = nbformat.read(notebook_path(name), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0]
    compile(tagged[0].source, "parameters", "exec")


def test_report_parameters_are_the_settings_registry():
    """Every registered option is a parameter of the report notebook, and its setup reads them all."""
    from topiclab.options import notebook_parameters

    notebook = nbformat.read(notebook_path("cluster_report"), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert notebook_parameters() in code[0].source, "regenerate the parameters cell from topiclab.options"
    assert "settings_from_namespace(globals())" in code[1].source


def test_notebooks_are_found_where_the_package_looks():
    assert notebook_path("cluster_report") == ROOT / "notebooks" / "cluster_report.ipynb"


def stream_outputs(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    return [f"cell {index}: {output.text[:300]!r}" for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" for output in cell.outputs
            if output.output_type == "stream" and output.name == name]


def test_a_notebooks_relative_output_dir_counts_from_its_project(tmp_path):
    from topiclab.report import project_path

    project = tmp_path / "project"
    (project / "notebooks" / "deeper").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "analysis"\n')
    expected = project.resolve() / "outputs" / "explore"
    assert project_path("outputs/explore", project / "notebooks" / "deeper") == expected
    assert project_path("outputs/explore", project) == expected
    alone = tmp_path / "alone"
    alone.mkdir()
    assert project_path("outputs/explore", alone) == alone.resolve() / "outputs" / "explore"  # beside the notebook
    assert project_path(tmp_path / "elsewhere", project) == tmp_path / "elsewhere"


@pytest.mark.integration
def test_explore_notebook_runs_with_papermill_quietly(tmp_path, bbc_small):
    """What a JupyterLab user runs, with the packaged MiniLM (whose loading used to print bars): no cell writes
    to stderr (a red box in JupyterLab), and the embedding's progress bar is a widget, not text."""
    import papermill

    from topiclab.report import ensure_kernel

    corpus = tmp_path / "bbc.parquet"
    bbc_small.to_parquet(corpus)
    settings = {"corpus.text_col": "text", "corpus.class_col": "label", "embedding.cache_dir": str(tmp_path / "cache")}
    output = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(notebook_path("explore")), str(output), kernel_name=ensure_kernel(), cwd=str(tmp_path), progress_bar=False,
        parameters={"corpus": str(corpus), "settings": settings, "output_dir": str(tmp_path / "explore"),
                    "topic": 0, "query": "government", "refit_settings": {"clustering.method": "hdbscan", "clustering.hdbscan.min_cluster_size": 25},
                    "label_aspects": ["keybert", "mmr"]},
    )
    executed = nbformat.read(output, as_version=4)
    assert stream_outputs(executed, "stderr") == []
    widgets = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs
               if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert any("Embedding" in w["data"]["text/plain"] for w in widgets)  # the first fit embeds, shown as a widget
    assert not any("%|" in text for text in stream_outputs(executed, "stdout"))  # no bar fell back to text
    text = "\n".join(stream_outputs(executed, "stdout")) + "\n".join(
        str(o.get("data", {}).get("text/plain", "")) for cell in executed.cells if cell.cell_type == "code"
        for o in cell.outputs)
    assert "300 documents" in text and "my own label" in text
    html = "\n".join(str(o.get("data", {}).get("text/html", "")) for cell in executed.cells
                     if cell.cell_type == "code" for o in cell.outputs)
    assert "5 UMAP layouts chose (the others: " in html  # why the level used is the one
    assert re.search(r"0 selected, [1-9]\d* matching 'government'", text)  # the map's search, known without a browser
    assert (tmp_path / "explore" / "run" / "manifest.json").exists()
    from topiclab import load_run

    refit = load_run(tmp_path / "explore" / "refit")
    assert refit.config.clustering.hdbscan.min_cluster_size == 25 and {"words_keybert", "words_mmr"} <= set(refit.topics)
    assert refit.manifest["embedding"]["n_cached"] == 300  # the refit embedded nothing


@pytest.fixture
def jupyter_lab(tmp_path):
    """JupyterLab on a free loopback port, serving tmp_path, with its own settings and workspaces."""
    import secrets
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    settings = tmp_path / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)  # every cell laid out, not only those in view: the test measures them all
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / ".workspaces"), "JUPYTER_RUNTIME_DIR": str(tmp_path / ".runtime")}
    log = open(tmp_path / "jupyter.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--ServerApp.allow_root=True", "--LabApp.extension_manager=readonly",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a guard against a server that never starts
    while True:
        assert server.poll() is None, (tmp_path / "jupyter.log").read_text()[-3000:]
        try:
            if httpx.get(f"{url}/api/status", params={"token": token}, timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, (tmp_path / "jupyter.log").read_text()[-3000:]
        time.sleep(0.5)
    try:
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


#: Prepended to every test document: JupyterLab's MathJax would typeset the text between the two `$` as maths.
DOLLARS = "The dollar fell to $1.2871 against the euro, from $1.2974."


@pytest.mark.integration
def test_explore_notebook_in_jupyterlab_reads_as_a_newcomer_expects(jupyter_lab, tmp_path, bbc_small, browser,
                                                                    artifacts_dir):
    """Run All in JupyterLab, as a person would, on a copy of the notebook in another project: bars draw as widgets
    and none sits at 0/0, no output is a stderr box, `$` amounts read as text, tables fit the page, the cell after
    the map counts what the map highlights, the comparison shows the saved fit, and outputs land in the project."""
    url, token = jupyter_lab
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "analysis"\n')
    bbc_small.assign(text=DOLLARS + " " + bbc_small["text"]).to_parquet(project / "bbc.parquet")
    notebook = nbformat.read(notebook_path("explore"), as_version=4)
    parameters = next(cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", []))
    parameters.source += "\n" + "\n".join(f"{name} = {value!r}" for name, value in {
        "corpus": "../bbc.parquet", "query": "government",
        "settings": {"corpus.text_col": "text", "corpus.class_col": "label", "embedding.cache_dir": str(tmp_path / "cache")},
    }.items())  # output_dir stays the notebook's own: relative, counted from the project
    nbformat.write(notebook, project / "notebooks" / "explore.ipynb")
    n_code = sum(cell.cell_type == "code" for cell in notebook.cells)

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/project/notebooks/explore.ipynb?token={token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"  # the kernel has started
                           ".some(item => /^Python .*\\| Idle$/.test(item.textContent.trim()))", timeout=300_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    prompts = "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim())"
    page.wait_for_function(f"() => {{ const p = {prompts}; return p.length === {n_code} && "
                           "p.every(t => /^\\[\\d+\\]:$/.test(t)); }", timeout=600_000)  # every cell has run
    assert page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    assert page.locator(".jp-OutputArea-output .widget-hprogress").count() >= 1  # tqdm's bar, drawn by ipywidgets
    assert page.get_by_text("300 documents").count() >= 1 and page.get_by_text("my own label").count() >= 1
    outputs = re.sub(r"[^\S\n]", " ", "\n".join(page.locator(".jp-OutputArea-output").all_text_contents()))  # tqdm spaces: U+2007
    (artifacts_dir / "explore-jupyterlab-outputs.txt").write_text(outputs, encoding="utf-8")
    assert "Embedding (all cached)" in outputs and not re.search(r"\b0/0\b", outputs)  # the refit's bar, not stuck
    assert not re.search(r"\d\.0{6}\b", outputs)  # metrics formatted to read, not 8.000000

    frame = page.frame_locator(".jp-OutputArea-output iframe")  # the map widget
    shown = frame.locator("#tlmap[data-matches]:not([data-matches=''])")
    shown.wait_for(timeout=120_000)
    counted = re.search(r"(\d+) selected, (\d+) matching 'government'", outputs)
    assert counted and counted.group(1) == "0" and counted.group(2) == shown.get_attribute("data-matches") != "0"

    page.wait_for_timeout(3000)  # MathJax typesets after the outputs are drawn: give it time to (wrongly) act
    assert page.locator(".jp-OutputArea-output mjx-container, .jp-OutputArea-output .MathJax").count() == 0
    assert page.locator(".jp-OutputArea-output td", has_text="$1.2871 against the euro, from $1.2974").count() >= 10
    widths = page.evaluate("[...document.querySelectorAll('.jp-OutputArea-output table')]"
                           ".map(t => [t.getBoundingClientRect().width, t.closest('.jp-OutputArea-output').clientWidth])")
    assert widths and all(table <= area + 1 for table, area in widths), widths  # text wraps: no table wider than its cell

    outputs_dir = (project / "outputs" / "explore").resolve()
    assert f"Outputs go to {outputs_dir}" in outputs and (outputs_dir / "run" / "manifest.json").exists()
    from topiclab import load_run

    saved = load_run(outputs_dir / "run")
    comparison = page.locator(".jp-OutputArea-output table", has=page.locator("th", has_text="first fit"))
    row = comparison.locator("tr", has=page.locator("td", has_text="NMI vs classes")).locator("td").all_inner_texts()
    assert row[1] == f"{saved.metrics['nmi']:.3f}"  # the saved fit, not the edits tried with save=False
    for name, shows in (("fit", ".widget-hprogress"), ("map", ".jp-OutputArea-output iframe")):
        cell = page.locator(".jp-CodeCell", has=page.locator(shows)).first
        cell.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)  # the map's iframe paints once in view
        cell.screenshot(path=str(artifacts_dir / f"explore-jupyterlab-{name}.png"))
    page.close()
