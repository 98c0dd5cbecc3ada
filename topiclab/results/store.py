"""Save and load run folders, atomically, reading nothing that can run code.

A run is written to a hidden temporary folder beside its destination and renamed into place only when
every file is written, manifest last: a run killed half-way leaves nothing that looks complete. Loading
reads Parquet, JSON, YAML (safe loader) and NumPy arrays without pickles; a damaged file gives a RunError
naming it. A run folder may come from anyone: settings in it that name an endpoint, a key variable, a
local path or a cluster address are not used (`trusted_settings=True` is the documented opt-in).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd
import yaml

from topiclab.config import RunConfig
from topiclab.errors import ConfigError, RunError
from topiclab.files import replace_folder, spreadsheet_safe, umask
from topiclab.results.run import TopicRun

FORMAT_VERSION = 2
_LIST_JOINER = " | "
REQUIRED_FILES = ("manifest.json", "config.yaml", "documents.parquet", "topics.parquet")
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


def load_run(path: Union[str, Path], trusted_settings: bool = False, arrays: bool = True) -> TopicRun:
    """Reopen a saved run folder. Its machine-specific settings are dropped unless `trusted_settings`.
    `arrays=False` leaves out the embeddings and map coordinates (the tables and manifest only: what a
    re-fit needs to carry a user's edits over, without reading 600 MB of vectors for 600k documents)."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"No run folder at {path}. Fit one with `topiclab fit` or `topiclab demo`.")
    missing = [name for name in REQUIRED_FILES if not (path / name).exists()]
    if missing:
        raise RunError(f"{path} is not a complete run: {', '.join(missing)} missing. Fit it again.")
    manifest = _read(path / "manifest.json", lambda p: json.loads(p.read_text(encoding="utf-8")))
    if not isinstance(manifest, dict):
        raise RunError(f"{path / 'manifest.json'} does not hold a run's manifest. Fit the run again.")
    version = manifest.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RunError(f"{path} was written by a newer topiclab (format {version}); upgrade topiclab.")
    if version < FORMAT_VERSION:
        raise RunError(f"{path} was written by an older topiclab (format {version}); fit it again "
                       "(the embeddings come back from the cache).")
    config = _config(path / "config.yaml")
    ignored = {}
    if not trusted_settings:
        config, ignored = config.without_machine_settings()
    projections = _read(path / "projections.npz", _npz) if arrays and (path / "projections.npz").exists() else {}
    levels = _read(path / "levels.parquet", pd.read_parquet) if (path / "levels.parquet").exists() else None
    return TopicRun(
        documents=_read(path / "documents.parquet", pd.read_parquet),
        topics=_lists_back(_read(path / "topics.parquet", pd.read_parquet)),
        config=config, manifest=manifest,
        embeddings=_optional_array(path / "embeddings.npy") if arrays else None,
        topic_embeddings=_optional_array(path / "topic_embeddings.npy") if arrays else None,
        projections=projections, levels=levels, path=path.resolve(), ignored_settings=ignored,
    )


def load_model(run: TopicRun):
    """The run's fitted TopicModel (in memory, or read from RUN/model), with the run's checked settings."""
    if run.model is not None:
        return run.model
    if run.path is None:
        raise RunError("This run has no fitted model in memory and no folder to read one from.")
    from topiclab.pipeline import TopicModel

    run.model = TopicModel.load(run.path / MODEL_FOLDER, config=run.config)
    return run.model


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
    if run.model is not None:
        run.model.save(folder / MODEL_FOLDER)
    elif run.path is not None and (run.path / MODEL_FOLDER).is_dir():
        shutil.copytree(run.path / MODEL_FOLDER, folder / MODEL_FOLDER)
    manifest = {**run.manifest, "format_version": FORMAT_VERSION}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    run.manifest = manifest


def _read(path: Path, reader):
    """`reader(path)`, or a RunError naming the damaged file."""
    try:
        return reader(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, yaml.YAMLError) as exc:
        raise RunError(f"{path} is damaged or unreadable ({type(exc).__name__}: {str(exc)[:200]}). "
                       "Fit the run again, or restore the file.") from None
    except Exception as exc:  # pyarrow raises its own types (ArrowInvalid, ...) for damaged Parquet
        if type(exc).__module__.startswith("pyarrow"):
            raise RunError(f"{path} is damaged or unreadable ({type(exc).__name__}: {str(exc)[:200]}). "
                           "Fit the run again, or restore the file.") from None
        raise


def _config(path: Path) -> RunConfig:
    data = _read(path, lambda p: yaml.safe_load(p.read_text(encoding="utf-8")))
    try:
        return RunConfig.build(data if isinstance(data, dict) else {})
    except ConfigError as exc:
        raise RunError(f"{path} holds settings this topiclab cannot use: {exc}") from None


def _npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as saved:
        return {key: saved[key] for key in saved.files}


def _optional_array(path: Path) -> Optional[np.ndarray]:
    return _read(path, lambda p: np.load(p, allow_pickle=False)) if path.exists() else None


def _topics_csv(topics: pd.DataFrame) -> pd.DataFrame:
    flat = topics.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            flat[column] = flat[column].map(lambda v: _LIST_JOINER.join(_fmt(x) for x in v))
    return spreadsheet_safe(flat)


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value).replace("\n", " ")


def _lists_back(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, np.ndarray)).any():
            frame[column] = frame[column].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    return frame
