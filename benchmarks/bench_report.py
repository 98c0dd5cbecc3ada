"""Reports: what a fresh kernel costs per report, and the 20 Newsgroups report's size and time.

1. Per-report overhead on 2,000 20 Newsgroups posts with cached embeddings. Each report runs the
   cluster-report notebook in a fresh kernel (papermill); its overhead is its time (from the call to the
   notebook's end: the HTML export, the same for every row, is left out) minus the same work (fit,
   projections, every figure and table) in this already warm process. All reports share one numba cache
   (NUMBA_CACHE_DIR), filled by a first report that is not counted. Then lone reports alternate between
   three ways: papermill starts the kernel and the notebook fits (as before the kernel was started
   ahead); the kernel is started ahead and imports what every report imports while the notebook is
   prepared, and the notebook fits; and `make_report` as it runs: the kernel started ahead, the run
   fitted in the calling process meanwhile, the notebook reopening it. A kernel that only imports what
   a kernel started ahead imports gives the floor. Last, reports run as a batch worker runs them: one
   kernel kept warm (`ReportKernel(reuse=True)`), emptied before each report, the notebook fitting; its
   first report pays the start-up, the next ones are measured (the namespace reset included).
2. The 20 Newsgroups report (18,846 posts; 18,331 after cleaning): time with cached embeddings, HTML size
   (target: at most 15 MB), and the time to reopen it (same inputs: no refit).

    python benchmarks/bench_report.py [--model wordllama] [--parts overhead 20ng]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from topiclab.corpus import load_corpus
from topiclab.report import ensure_kernel, export_html, make_report
from topiclab.report.kernel import PRELOAD_CODE, ReportKernel
from topiclab.report.report import report_parameters, run_report

import common

OUTPUTS = common.ROOT / "outputs" / "bench-report"
SAMPLE = 2000


def export_seconds(directory: Path) -> float:
    """What exporting the report's notebook to HTML takes (once more, to a scratch file)."""
    started = time.perf_counter()
    export_html(directory / "report.ipynb", directory / "again.html")
    seconds = time.perf_counter() - started
    (directory / "again.html").unlink()
    return seconds


def cell_seconds(directory: Path) -> float:
    notebook = nbformat.read(directory / "report.ipynb", as_version=4)
    return sum(cell.metadata.get("papermill", {}).get("duration") or 0.0 for cell in notebook.cells)


def import_floor(kernel: str, folder: Path) -> float:
    """Seconds for a fresh kernel that imports what a kernel started ahead imports, and nothing else."""
    import papermill

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PRELOAD_CODE)])
    source, output = folder / "floor.ipynb", folder / "floor-out.ipynb"
    nbformat.write(notebook, source)
    started = time.perf_counter()
    papermill.execute_notebook(str(source), str(output), kernel_name=kernel, progress_bar=False)
    return time.perf_counter() - started


def warm_work(corpus: Path, settings: dict, folder: Path) -> float:
    """The report's work in this process, after a first round that imports and compiles everything."""
    import plotly.io as pio

    from topiclab.figures import FIGURES, available_figures
    from topiclab.report import open_or_fit, safe, tables

    seconds = []
    for round_ in range(2):
        started = time.perf_counter()
        run = open_or_fit(corpus, folder / f"warm-{round_}" / "run", settings=settings)
        for name in available_figures(run):
            figure = FIGURES[name](run)
            figure.to_iframe() if hasattr(figure, "to_iframe") else pio.to_html(  # the document map is its own page
                figure, include_plotlyjs=False, full_html=False)
        for table in (tables.corpus_overview, tables.topic_table, tables.assignment_overview, tables.levels_table,
                      tables.guidance_table, tables.history_table, tables.lineage_table, tables.outlier_examples,
                      tables.metrics_table, tables.changed_settings, tables.versions_table, tables.timings_table):
            safe.table(table(run))
        seconds.append(time.perf_counter() - started)
    return seconds[-1]


def overhead(model: str, rounds: int) -> list[tuple]:
    import pandas as pd

    folder = OUTPUTS / "overhead"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    frame = pd.read_parquet(common.SHARED_DATA / "20newsgroups_clean.parquet")
    frame = frame[frame["text"].str.strip() != ""].sample(SAMPLE, random_state=0)
    corpus = folder / "20ng-2000.parquet"
    frame.to_parquet(corpus)
    settings = {"corpus.text_col": "text", "corpus.class_col": "label", "embedding.model": model}
    common.embeddings(load_corpus(corpus, text_col="text"), model)  # fill the embedding cache
    kernel = ensure_kernel()
    work = warm_work(corpus, settings, folder)
    runs: dict[str, list[tuple[float, float]]] = {"papermill": [], "ahead": [], "fit here": [], "warm": []}

    def measure(key: str, name: str, report) -> None:
        """Seconds from the call to the notebook's end, and of them those outside the cells."""
        directory = folder / name
        started = time.perf_counter()
        report(directory)
        total = time.perf_counter() - started - export_seconds(directory)
        if key:
            runs[key].append((total, total - cell_seconds(directory)))

    def papermill_kernel(directory: Path) -> None:
        run_report(report_parameters(corpus, directory, settings=settings), kernel=kernel)

    def kernel_ahead(directory: Path) -> None:
        with ReportKernel(kernel).running(Path.cwd()) as lone:
            run_report(report_parameters(corpus, directory, settings=settings), kernel=kernel, started_kernel=lone)

    def fit_here(directory: Path) -> None:
        make_report(corpus, directory, settings=settings, kernel=kernel)

    saved = os.environ.get("NUMBA_CACHE_DIR")
    numba_dir = Path(tempfile.mkdtemp(prefix="numba-cache-"))
    try:
        os.environ["NUMBA_CACHE_DIR"] = str(numba_dir)  # one numba cache, filled by the first report
        measure("", "fills-numba-cache", papermill_kernel)
        floor = [import_floor(kernel, folder) for _ in range(rounds)]
        for round_ in range(rounds):  # alternate, so that a busy machine hurts all alike
            measure("papermill", f"papermill-{round_}", papermill_kernel)
            measure("ahead", f"ahead-{round_}", kernel_ahead)
            measure("fit here", f"fit-here-{round_}", fit_here)
        warm = ReportKernel(kernel, reuse=True)
        try:
            for round_ in range(rounds + 1):  # the first report starts the kernel: not counted
                measure("warm" if round_ else "", f"warm-kernel-{round_}", lambda directory: run_report(
                    report_parameters(corpus, directory, settings=settings), kernel=kernel, started_kernel=warm))
        finally:
            warm.shutdown()
    finally:
        os.environ.pop("NUMBA_CACHE_DIR") if saved is None else os.environ.__setitem__("NUMBA_CACHE_DIR", saved)
        shutil.rmtree(numba_dir, ignore_errors=True)

    def row(label: str, key: str) -> tuple:
        totals, kernels = zip(*runs[key])
        return label, len(totals), statistics.median(kernels), statistics.median(totals), work
    return [("fresh kernel that only imports (floor)", rounds, float("nan"), statistics.median(floor), float("nan")),
            row("papermill starts the kernel, notebook fits", "papermill"),
            row("kernel started ahead, notebook fits", "ahead"),
            row("kernel started ahead, fitted here (make_report)", "fit here"),
            row("batch: next report in the worker's warm kernel", "warm")]

def newsgroups(model: str) -> list[tuple]:
    corpus = common.SHARED_DATA / "20newsgroups_clean.parquet"
    started = time.perf_counter()
    common.embeddings(load_corpus(corpus, text_col="text"), model)
    embed = time.perf_counter() - started
    directory = OUTPUTS / f"20ng-{model}"
    shutil.rmtree(directory, ignore_errors=True)
    settings = {"corpus.text_col": "text", "corpus.class_col": "label", "embedding.model": model}
    rows = []
    for what in ("fit from cached embeddings", "reopen (same inputs)"):
        started = time.perf_counter()
        result = make_report(corpus, directory, settings=settings, title="Topics in 20 Newsgroups")
        rows.append((what, time.perf_counter() - started, (directory / "report.html").stat().st_size / 1e6,
                     (directory / "report.ipynb").stat().st_size / 1e6, result.summary))
    print(f"(embedding check or fill: {embed:.0f} s)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="wordllama", help="embedding model (wordllama: fast on CPU)")
    parser.add_argument("--parts", nargs="+", default=["overhead", "20ng"], choices=["overhead", "20ng"])
    parser.add_argument("--rounds", type=int, default=2, help="reports per configuration (medians are shown)")
    args = parser.parse_args()
    print(f"Embedding model: {args.model}; {os.cpu_count()} CPU cores; outputs in {OUTPUTS}")
    if "overhead" in args.parts:
        rows = overhead(args.model, args.rounds)
        print(f"\nPer-report overhead, {SAMPLE:,} 20 Newsgroups posts, cached embeddings (seconds, medians)")
        print(f"{'report':<56} {'runs':>4} {'outside cells':>17} {'report':>7} {'warm work':>9} {'overhead':>8}")
        print("(outside cells: kernel start and stop, papermill, emptying a warm kernel; report: to the notebook's end)")
        for label, count, kernel, total, work in rows:
            tail = "" if work != work else f" {work:9.1f} {total - work:8.1f}"
            kernel = "" if kernel != kernel else f"{kernel:.1f}"
            print(f"{label:<56} {count:>4} {kernel:>17} {total:7.1f}{tail}")
    if "20ng" in args.parts:
        rows = newsgroups(args.model)
        print("\n20 Newsgroups report (18,846 posts)")
        print(f"{'run':<30} {'seconds':>8} {'report.html MB':>15} {'report.ipynb MB':>16}  key figures")
        for what, seconds, html, notebook, summary in rows:
            print(f"{what:<30} {seconds:8.1f} {html:15.1f} {notebook:16.1f}  {summary['documents']:,} documents, "
                  f"{summary['topics']} topics, NPMI {summary['npmi']:.3f}, NMI {summary.get('nmi', float('nan')):.2f}")


if __name__ == "__main__":
    main()
