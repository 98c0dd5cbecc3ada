"""One report: run the cluster-report notebook with papermill, export it to HTML, record the outcome.

A report directory holds `report.ipynb`, `report.html`, the run in `run/`, and `report.json`, written
last, which says whether the report finished, with which parameters, and its key figures. A report that
fails leaves `report.failed.ipynb` (the notebook up to the failing cell) and a `report.json` with the error.

One report at a time writes a directory (a lock file, `.report.lock`); a second is refused with a clear
error instead of mixing two notebooks, runs and records. `report.json` keeps content hashes of the corpus
and config file, so a batch that resumes redoes a report whose data changed under the same parameters.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from topiclab.corpus.readers import source_fingerprint
from topiclab.errors import CorpusError, ReportError
from topiclab.files import read_json, write_json
from topiclab.report.html import export_html
from topiclab.report.kernel import ReportKernel
from topiclab.report.notebook import ensure_kernel, execute, notebook_path
from topiclab.report.session import SAMPLE, default_title, open_or_fit, report_config

log = logging.getLogger(__name__)

RECORD = "report.json"
LOCK = ".report.lock"


class ReportBusyError(ReportError):
    """Another report is writing the same directory right now; nothing was written."""


@dataclass
class ReportResult:
    """What became of one report: status is 'ok', 'failed' or 'skipped' (finished before, unchanged)."""

    name: str
    directory: Path
    status: str
    summary: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: Optional[str] = None

    @property
    def html(self) -> Path:
        return self.directory / "report.html"

    @property
    def run_dir(self) -> Path:
        return self.directory / "run"


def report_parameters(corpus: Union[str, Path], output_dir: Union[str, Path], *, config: Union[str, Path, None] = None,
                      settings: Optional[dict[str, Any]] = None, title: Optional[str] = None) -> dict[str, Any]:
    """The notebook's parameters, with paths made absolute; raises CorpusError/ConfigError before any kernel starts."""
    if str(corpus) != SAMPLE:
        corpus = Path(corpus).expanduser().resolve()
        if not corpus.exists():
            raise CorpusError(f"Corpus not found: {corpus}. Give a file or a folder, or 'sample' for the built-in "
                              "sample.")
    config = None if config is None else str(Path(config).expanduser().resolve())
    title = title or default_title(corpus)
    settings = json.loads(json.dumps(settings or {}, default=str))  # plain values papermill can inject
    report_config(corpus, config, settings)
    return {"corpus": str(corpus), "config": config, "settings": settings, "title": title,
            "output_dir": str(Path(output_dir).expanduser().resolve())}


def make_report(corpus: Union[str, Path], output_dir: Union[str, Path], *, config: Union[str, Path, None] = None,
                settings: Optional[dict[str, Any]] = None, title: Optional[str] = None, kernel: Optional[str] = None,
                progress: bool = False) -> ReportResult:
    """Fit (or reopen) `corpus` and write its report to `output_dir`; raises ReportError when the notebook fails.

    `corpus` is a file, a folder of .txt files, or "sample"; `settings` are dotted keys, e.g.
    `{"corpus.text_col": "body", "umap.n_neighbors": 30}`.
    """
    parameters = report_parameters(corpus, output_dir, config=config, settings=settings, title=title)
    return run_report(parameters, kernel=kernel, progress=progress, fit_here=True)


def run_report(parameters: dict[str, Any], *, kernel: Optional[str] = None, progress: bool = False,
               started_kernel: Optional[ReportKernel] = None, fit_here: bool = False) -> ReportResult:
    """Execute the notebook for already-checked `parameters` (see `report_parameters`), in a fresh kernel
    or in `started_kernel` (started ahead of the notebook, or a batch worker's kept warm).

    `fit_here`: start the notebook's kernel (unless `started_kernel` is given) and fit (or reopen) the run
    in this process while it boots; the notebook then reopens the run, and its kernel never imports or
    compiles the fit's code.

    Raises ReportBusyError, having written nothing, when another report is writing the same directory.
    """
    directory = Path(parameters["output_dir"])
    directory.mkdir(parents=True, exist_ok=True)
    with _only_writer(directory):
        if fit_here and started_kernel is None:  # started only once the folder is this report's
            with ReportKernel(kernel or ensure_kernel()).running(Path.cwd()) as started_kernel:
                return _write_report(directory, parameters, kernel, progress, started_kernel, fit_here)
        return _write_report(directory, parameters, kernel, progress, started_kernel, fit_here)


@contextmanager
def _only_writer(directory: Path) -> Iterator[None]:
    """Hold the directory's lock; released when the writer ends, also when its process dies."""
    from filelock import FileLock, Timeout

    lock = FileLock(directory / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ReportBusyError(f"Another report is being written to {directory} right now. Wait for it to finish, "
                              "or write this one to another folder.") from None
    try:
        for stale in directory.glob(".report*.partial.ipynb"):  # left by a writer that was killed
            stale.unlink(missing_ok=True)
        yield
    finally:
        lock.release()


def _write_report(directory: Path, parameters: dict[str, Any], kernel: Optional[str], progress: bool,
                  started_kernel: Optional[ReportKernel], fit_here: bool) -> ReportResult:
    # A name of its own, so that no other writer (a report run by hand, papermill) can interleave with it.
    partial = directory / f".report.{uuid.uuid4().hex[:12]}.partial.ipynb"
    started = time.perf_counter()
    inputs = input_hashes(parameters)  # before the notebook reads them: a change during the run redoes it later
    try:
        if fit_here:
            _fit_ahead(parameters, progress)
        # The kernel starts where the caller is, so relative paths in settings (a local model) mean the same.
        execute(notebook_path("cluster_report"), partial, parameters, cwd=Path.cwd(), kernel=kernel,
                progress=progress, started_kernel=started_kernel)
    except BaseException as exc:
        error = describe_failure(exc)
        failed = directory / "report.failed.ipynb"
        if partial.exists():
            os.replace(partial, failed)
        else:
            failed.unlink(missing_ok=True)
        if not isinstance(exc, Exception):  # interrupted: leave no record, so a resumed batch runs it again
            raise
        record_failure(parameters, error, time.perf_counter() - started)
        where = f"\nThe notebook up to the failing cell is {failed}." if failed.exists() else ""
        raise ReportError(f"The report {directory.name!r} failed: {error}{where}") from None
    os.replace(partial, directory / "report.ipynb")
    export_html(directory / "report.ipynb", directory / "report.html", title=parameters.get("title"))
    (directory / "report.failed.ipynb").unlink(missing_ok=True)
    summary = run_summary(directory / "run")
    seconds = round(time.perf_counter() - started, 1)
    write_json(directory / RECORD, {**_record(parameters), "status": "ok", "inputs": inputs, "summary": summary,
                                    "seconds": seconds})
    return ReportResult(directory.name, directory, "ok", summary, seconds)


def _fit_ahead(parameters: dict[str, Any], progress: bool) -> None:
    """Fit (or reopen) the report's run with the notebook's own call and inputs, so that the notebook finds
    it saved. A failure here is left to the notebook: it meets the same error and keeps it, with its
    traceback, in report.failed.ipynb, as every other failing report does."""
    try:
        open_or_fit(parameters["corpus"], Path(parameters["output_dir"]) / "run", config=parameters["config"],
                    settings=parameters["settings"], progress=progress)
    except Exception as exc:
        log.info("Fitting ahead of the notebook failed (%s); the notebook fits again and reports it", exc)


def record_failure(parameters: dict[str, Any], error: str, seconds: float = 0.0) -> ReportResult:
    """Write the `report.json` of a report that failed with `error`, so the index shows why."""
    directory = Path(parameters["output_dir"])
    write_json(directory / RECORD, {**_record(parameters), "status": "failed", "error": error,
                                    "seconds": round(seconds, 1)})
    return ReportResult(directory.name, directory, "failed", seconds=round(seconds, 1), error=error)


def finished(directory: Union[str, Path], parameters: dict[str, Any]) -> Optional[dict]:
    """The record of a report that finished with these same parameters and the same corpus and config
    contents, else None."""
    directory = Path(directory)
    record = read_json(directory / RECORD)
    if not (isinstance(record, dict) and record.get("status") == "ok" and record.get("parameters") == parameters
            and (directory / "report.html").exists()):
        return None
    try:
        same_inputs = record.get("inputs") == input_hashes(parameters)
    except CorpusError:  # the corpus or config file is gone: report it again, which says so
        return None
    return record if same_inputs else None


def input_hashes(parameters: dict[str, Any]) -> dict[str, Optional[str]]:
    """SHA-256 of what a report reads beyond its parameters: the corpus file (or folder) and the config file."""
    corpus, config = parameters["corpus"], parameters.get("config")
    return {"corpus": SAMPLE if corpus == SAMPLE else source_fingerprint(corpus),
            "config": None if config is None else source_fingerprint(config)}


def run_summary(run_dir: Path) -> dict[str, Any]:
    """The key figures of a saved run, from its manifest."""
    manifest = read_json(run_dir / "manifest.json") or {}
    metrics = manifest.get("metrics", {})
    n_documents = manifest.get("corpus", {}).get("n_documents", 0)
    before = round(manifest.get("outliers_before_reduction", 0) / n_documents, 4) if n_documents else None
    summary = {"documents": n_documents, "topics": metrics.get("n_topics"),
               "outlier_share": metrics.get("outlier_share"), "outlier_share_before_reduction": before,
               "npmi": metrics.get("npmi"), "diversity": metrics.get("diversity")}
    summary.update({key: metrics[key] for key in ("nmi", "ari") if key in metrics})
    summary["largest_topics"] = _largest_topics(run_dir)
    return summary


def _largest_topics(run_dir: Path, n: int = 3) -> list[str]:
    """The labels (names) of the run's `n` largest topics, outliers left out, for the batch index."""
    import pandas as pd

    try:
        topics = pd.read_parquet(run_dir / "topics.parquet", columns=["topic", "size", "label"])
    except (OSError, ValueError, KeyError):
        return []
    return topics[topics["topic"] != -1].nlargest(n, "size")["label"].astype(str).tolist()


def describe_failure(exc: BaseException) -> str:
    """One line for a failure: a notebook cell's error as `Type: message`, else the exception itself."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}".strip()
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text or type(exc).__name__


def _record(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"name": Path(parameters["output_dir"]).name, "corpus": parameters["corpus"], "parameters": parameters,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
