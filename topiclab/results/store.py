"""Save and load run directories, atomically.

A run is written to a hidden temporary directory beside its destination and renamed into place only
when every file is written, manifest last: a run killed half-way leaves nothing that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from topiclab.config import RunConfig
from topiclab.errors import RunError
from topiclab.files import spreadsheet_safe, umask
from topiclab.pipeline.model import quiet_bertopic
from topiclab.results.run import TopicRun

FORMAT_VERSION = 1
_LIST_COLUMNS_JOINER = " | "
REQUIRED_FILES = ("manifest.json", "config.yaml", "documents.parquet", "topics.parquet")


def save_run(run: TopicRun, path: Union[str, Path, None]) -> Path:
    if path is None:
        raise RunError("This run has no directory yet: pass one, e.g. run.save('outputs/my-run').")
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    staging.chmod(0o777 & ~umask())  # mkdtemp makes it private; a run folder is meant to be shared
    try:
        _write_files(run, staging, previous=path if path.exists() else None)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    run.path = path
    return path


def load_run(path: Union[str, Path]) -> TopicRun:
    """Reopen a saved run directory."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"No run directory at {path}. Fit one with `topiclab fit` or `topiclab demo`.")
    missing = [name for name in REQUIRED_FILES if not (path / name).exists()]
    if missing:
        raise RunError(f"{path} is not a complete run: {', '.join(missing)} missing. Fit it again.")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise RunError(f"{path} was written by a newer topiclab (format {manifest['format_version']}); upgrade topiclab.")
    config = RunConfig.from_yaml(path / "config.yaml")
    projections = {}
    if (path / "projections.npz").exists():
        with np.load(path / "projections.npz") as saved:
            projections = {key: saved[key] for key in saved.files}
    return TopicRun(
        documents=pd.read_parquet(path / "documents.parquet"),
        topics=_lists_back(pd.read_parquet(path / "topics.parquet")),
        config=config,
        manifest=manifest,
        embeddings=_load_optional(path / "embeddings.npy"),
        topic_embeddings=_load_optional(path / "topic_embeddings.npy"),
        projections=projections,
        path=path.resolve(),
    )


def load_model(path: Path, config: RunConfig):
    """The saved BERTopic model, with topiclab's embedding backend attached for new documents."""
    from bertopic import BERTopic

    from topiclab.embed.bertopic_adapter import BERTopicBackend

    model_dir = Path(path) / "model"
    if not model_dir.exists():
        raise RunError(f"{path} has no saved model (model/ is missing).")
    return BERTopic.load(str(model_dir), embedding_model=BERTopicBackend.from_config(config.embedding))


def _write_files(run: TopicRun, folder: Path, previous: Optional[Path]) -> None:
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
    if run._model is not None:
        # True stores no model name here (topiclab's backend is not a Hugging Face model), so BERTopic.load
        # does not try to fetch one from the Hub, a minute of retries offline; load_model attaches the backend.
        with quiet_bertopic():  # it warns that no embedding model is saved: deliberate, see above
            run._model.save(str(folder / "model"), serialization="safetensors", save_ctfidf=True,
                            save_embedding_model=True)
    elif previous is not None and (previous / "model").exists():
        shutil.copytree(previous / "model", folder / "model")
    manifest = {**run.manifest, "format_version": FORMAT_VERSION}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    run.manifest = manifest


def _swap_into_place(staging: Path, path: Path) -> None:
    if not path.exists():
        os.replace(staging, path)
        return
    if not (path / "manifest.json").exists() and any(path.iterdir()):
        raise RunError(f"{path} exists and is not a topiclab run; choose another output directory.")
    retired = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, retired)
    os.replace(staging, path)
    shutil.rmtree(retired, ignore_errors=True)


def _topics_csv(topics: pd.DataFrame) -> pd.DataFrame:
    flat = topics.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            flat[column] = flat[column].map(lambda v: _LIST_COLUMNS_JOINER.join(_fmt(x) for x in v))
    return spreadsheet_safe(flat)


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value).replace("\n", " ")


def _lists_back(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, np.ndarray)).any():
            frame[column] = frame[column].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    return frame


def _load_optional(path: Path) -> Optional[np.ndarray]:
    return np.load(path) if path.exists() else None
