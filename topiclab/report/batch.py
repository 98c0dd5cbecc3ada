"""`topiclab batch`: many reports (corpora x settings) from one YAML file, in parallel, resumable.

Each report runs in a worker process, at most `workers` at a time. A worker keeps one Jupyter kernel for
all its reports, emptied before each (`kernel.py`), so only its first report pays a kernel's start-up
(imports, compiled functions, models). A report that fails is recorded with its error and the others go
on. A report that finished with the same parameters on the same data (corpus and config file contents) is skipped, so running an
interrupted batch again picks up where it stopped, and redoes a report whose corpus changed since.
At the end `index.html` in the output folder links every report with its key figures.

Relative paths in the YAML file are read from the file's folder.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from topiclab.config import flatten, read_yaml_mapping
from topiclab.errors import ConfigError, ReportError, TopicLabError
from topiclab.files import check_name, read_json, slugify
from topiclab.report.index import write_index
from topiclab.report.report import (
    RECORD,
    ReportBusyError,
    ReportResult,
    finished,
    record_failure,
    report_parameters,
    run_report,
)
from topiclab.report.session import SAMPLE

EXAMPLE = """\
output_dir: outputs          # optional; reports go to output_dir/<corpus>-<variant>/
workers: 2                   # reports at once
scheduler: tcp://host:8786   # optional: embed and assign topics on this Dask cluster ('local': one per report)
settings:                    # optional, for every report: sections as in a config file
  embedding: {model: wordllama}
corpora:
  - path: tickets.csv        # a file, a folder of .txt files, or 'sample'
    text_col: body
    timestamp_col: created
  - path: sample
variants:                    # optional: every corpus is reported once per variant
  - name: default
  - name: coarse
    settings: {clustering: {method: hdbscan, hdbscan: {min_cluster_size: 50}}}
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_name(value: Optional[str]) -> Optional[str]:
    if value is not None:
        try:
            check_name(value)
        except ConfigError:
            raise ValueError("must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit "
                             "(it names a folder)") from None
    return value


class CorpusSpec(_Strict):
    path: str = Field(description="A corpus file, a folder of .txt files, or 'sample'.")
    name: Optional[str] = Field(None, description="Folder name of its reports; default: the file's name.")
    title: Optional[str] = None
    text_col: Optional[str] = None
    id_col: Optional[str] = None
    timestamp_col: Optional[str] = None
    class_col: Optional[str] = None
    sample: Optional[int] = Field(None, ge=1)
    settings: dict[str, Any] = Field(default_factory=dict)

    _name = field_validator("name")(_check_name)

    @property
    def report_name(self) -> str:
        if self.name:
            return self.name
        return slugify("sample" if self.path == SAMPLE else Path(self.path).stem)

    def column_settings(self) -> dict[str, Any]:
        columns = {"text_col": self.text_col, "id_col": self.id_col, "timestamp_col": self.timestamp_col,
                   "class_col": self.class_col, "sample": self.sample}
        return {f"corpus.{key}": value for key, value in columns.items() if value is not None}


class VariantSpec(_Strict):
    name: str
    settings: dict[str, Any] = Field(default_factory=dict)

    _name = field_validator("name")(_check_name)


class BatchSpec(_Strict):
    output_dir: Optional[str] = None
    workers: int = Field(1, ge=1, le=64)
    scheduler: Optional[str] = Field(None, description="Dask scheduler address (or 'local') every report embeds and "
                                     "assigns topics on; a corpus's or variant's compute.scheduler setting wins.")
    config: Optional[str] = Field(None, description="A config YAML file every report starts from.")
    settings: dict[str, Any] = Field(default_factory=dict)
    corpora: list[CorpusSpec] = Field(min_length=1)
    variants: list[VariantSpec] = Field(default_factory=lambda: [VariantSpec(name="default")], min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> "BatchSpec":
        for what, names in (("corpora", [c.report_name for c in self.corpora]),
                            ("variants", [v.name for v in self.variants])):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{what} repeat the name {', '.join(repeated)}: give each a distinct `name`")
        return self


@dataclass
class Job:
    """One report of a batch: its notebook parameters, or the error that stops it before it starts."""

    name: str
    parameters: dict[str, Any]
    error: Optional[str] = None


def load_batch(path: Union[str, Path]) -> BatchSpec:
    path = Path(path)
    data = read_yaml_mapping(path, ReportError, "Batch file",
                             f"a mapping with at least `corpora:`. For example:\n\n{EXAMPLE}\n")
    try:
        return BatchSpec.model_validate(data)
    except ValidationError as exc:
        raise ReportError(_describe(path, exc)) from None


def plan(spec: BatchSpec, base_dir: Path, output_dir: Path) -> list[Job]:
    """Every (variant, corpus) report, variant by variant so one corpus's variants rarely embed at once."""
    config = None if spec.config is None else str(_resolve(spec.config, base_dir))
    jobs = []
    for variant in spec.variants:
        for corpus in spec.corpora:
            name = corpus.report_name if len(spec.variants) == 1 else f"{corpus.report_name}-{variant.name}"
            cluster = {"compute.scheduler": spec.scheduler} if spec.scheduler else {}
            settings = {**cluster, **flatten(spec.settings), **flatten(corpus.settings), **corpus.column_settings(),
                        **flatten(variant.settings)}
            source = SAMPLE if corpus.path == SAMPLE else str(_resolve(corpus.path, base_dir))
            title = corpus.title or f"Topics in {corpus.report_name}"
            title += "" if len(spec.variants) == 1 else f" ({variant.name})"
            try:
                parameters = report_parameters(source, output_dir / name, config=config, settings=settings,
                                               title=title)
                jobs.append(Job(name, parameters))
            except ConfigError as exc:  # a mistake in the batch file: stop before anything runs
                raise ReportError(f"Report {name!r} (corpus {corpus.path!r}, variant {variant.name!r}): "
                                  f"{exc}") from None
            except TopicLabError as exc:  # e.g. a missing corpus: this report fails, the others run
                jobs.append(Job(name, {"corpus": source, "config": config, "settings": settings, "title": title,
                                       "output_dir": str(output_dir / name)}, error=str(exc)))
    return jobs


def run_batch(path: Union[str, Path], output_dir: Union[str, Path, None] = None, workers: Optional[int] = None,
              kernel: Optional[str] = None, progress: bool = True,
              scheduler: Optional[str] = None) -> tuple[list[ReportResult], Path]:
    """Run every report of the batch file at `path`; returns each report's result and the index page.
    `scheduler` replaces the file's `scheduler:` (a Dask scheduler address, or 'local')."""
    from tqdm import tqdm

    from topiclab.report.notebook import ensure_kernel

    path = Path(path)
    spec = load_batch(path)
    if scheduler is not None:
        spec = spec.model_copy(update={"scheduler": scheduler})
    base_dir = path.resolve().parent
    if output_dir is not None:
        output_dir = Path(output_dir).resolve()
    else:
        output_dir = _resolve(spec.output_dir, base_dir) if spec.output_dir else Path("outputs").resolve()
    jobs = plan(spec, base_dir, output_dir)
    results: list[ReportResult] = []
    todo: list[Job] = []
    for job in jobs:
        record = finished(job.parameters["output_dir"], job.parameters) if job.error is None else None
        if record is not None:
            results.append(ReportResult(job.name, Path(job.parameters["output_dir"]), "skipped",
                                        record.get("summary", {}), record.get("seconds", 0.0)))
        elif job.error is not None:
            results.append(record_failure(job.parameters, job.error))
        else:
            todo.append(job)
    bar = tqdm(total=len(jobs), initial=len(results), unit="report", desc="reports", disable=not progress)
    try:
        if todo:
            kernel = kernel or ensure_kernel()
            processes = min(workers or spec.workers, len(todo))
            # Workers ignore Ctrl-C: this process stops them (terminate), and their kernels, seeing their
            # parent gone, exit. An interrupted report leaves no record, so the next run does it again.
            with multiprocessing.get_context("spawn").Pool(processes, _start_worker, (kernel,)) as pool:
                for result in pool.imap_unordered(_run_job, [job.parameters for job in todo]):
                    results.append(result)
                    bar.update()
                    bar.set_postfix(failed=sum(r.status == "failed" for r in results))
                pool.close()  # workers exit on their own, shutting their kernels down
                pool.join()
    finally:
        bar.close()
        index = write_index(output_dir)
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.name]), index


#: The worker process's kernel (a ReportKernel), kept from one report to the next.
_worker_kernel = None


def _start_worker(kernel: str) -> None:
    from topiclab.report.kernel import ReportKernel

    global _worker_kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_kernel = ReportKernel(kernel, reuse=True)
    _worker_kernel.start(Path.cwd())  # boots while the pool hands out the first report
    multiprocessing.util.Finalize(_worker_kernel, _worker_kernel.shutdown, exitpriority=10)


def _run_job(parameters: dict[str, Any]) -> ReportResult:
    directory = Path(parameters["output_dir"])
    try:
        return run_report(parameters, kernel=_worker_kernel.name, started_kernel=_worker_kernel)
    except ReportBusyError as exc:  # the folder's report.json is the other writer's: leave it be
        return ReportResult(directory.name, directory, "failed", error=str(exc))
    except ReportError as exc:  # its record is written: report.json holds the error
        record = read_json(directory / RECORD) or {}
        return ReportResult(directory.name, directory, "failed", seconds=record.get("seconds", 0.0),
                            error=record.get("error", str(exc)))
    except Exception as exc:  # anything else is also this report's failure only
        return record_failure(parameters, f"{type(exc).__name__}: {exc}")


def _resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (base_dir / candidate).resolve()


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path} is not a valid batch file:"]
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            lines.append(f"  {where}: unknown key")
        elif error["type"] == "missing":
            lines.append(f"  {where}: required")
        else:
            lines.append(f"  {where}: {error['msg'].removeprefix('Value error, ')}")
    lines.append(f"\nA batch file looks like this:\n\n{EXAMPLE}")
    return "\n".join(lines)
