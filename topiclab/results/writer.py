"""Write run folders atomically.

A run is written to a hidden temporary folder beside its destination and renamed into place only when
every file is written, manifest last: a run killed half-way leaves nothing that looks complete. Reading
them back is `store.py`'s; this module does not know `TopicRun` (it writes any object with its fields), so
`TopicRun.save` can call it without an import cycle.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np
import pandas as pd

from topiclab.errors import RunError
from topiclab.files import replace_folder, spreadsheet_safe, umask

if TYPE_CHECKING:
    from topiclab.results.run import TopicRun

FORMAT_VERSION = 2
_LIST_JOINER = " | "
MODEL_FOLDER = "model"


def save_run(run: TopicRun, path: Union[str, Path, None]) -> Path:
    if path is None:
        raise RunError("This run has no folder yet: pass one, e.g. run.save('outputs/my-run').")
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not (path / "manifest.json").exists() and any(path.iterdir()):
        raise RunError(f"{path} exists and is not a topiclab run; choose another output folder.")
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    staging.chmod(0o777 & ~umask())  # mkdtemp makes it private; a run folder is meant to be shared
    try:
        _write_files(run, staging)
        replace_folder(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    run.path = path
    return path


def _write_files(run: TopicRun, folder: Path) -> None:
    run.documents.to_parquet(folder / "documents.parquet", index=False)
    run.topics.to_parquet(folder / "topics.parquet", index=False)
    _topics_csv(run.topics).to_csv(folder / "topics.csv", index=False)
    (folder / "config.yaml").write_text(run.config.to_yaml(), encoding="utf-8")
    if run.embeddings is not None:
        np.save(folder / "embeddings.npy", run.embeddings)
    if run.topic_embeddings is not None:
        np.save(folder / "topic_embeddings.npy", run.topic_embeddings)
    if run.projections:
        np.savez(folder / "projections.npz", **run.projections)
    if run.levels is not None:
        run.levels.to_parquet(folder / "levels.parquet", index=False)
    if run.hierarchy is not None:
        run.hierarchy.to_parquet(folder / "hierarchy.parquet", index=False)
    if run.model is not None:
        run.model.save(folder / MODEL_FOLDER)
    elif run.path is not None and (run.path / MODEL_FOLDER).is_dir():
        shutil.copytree(run.path / MODEL_FOLDER, folder / MODEL_FOLDER)
    manifest = {**run.manifest, "format_version": FORMAT_VERSION}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    run.manifest = manifest


def _topics_csv(topics: pd.DataFrame) -> pd.DataFrame:
    flat = topics.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            flat[column] = flat[column].map(lambda v: _LIST_JOINER.join(_fmt(x) for x in v))
    return spreadsheet_safe(flat)


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value).replace("\n", " ")
