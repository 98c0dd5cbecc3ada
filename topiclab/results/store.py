"""Load run folders, reading nothing that can run code (writing them is `writer.py`'s).

Loading reads Parquet, JSON, YAML (safe loader) and NumPy arrays without pickles; a damaged file gives a
RunError naming it. A run folder may come from anyone: settings in it that name an endpoint, a key
variable, a local path or a cluster address are not used (`trusted_settings=True` is the documented opt-in).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd
import yaml

from topiclab.config import RunConfig
from topiclab.errors import ConfigError, RunError
from topiclab.results.run import TopicRun
from topiclab.results.writer import FORMAT_VERSION, MODEL_FOLDER

REQUIRED_FILES = ("manifest.json", "config.yaml", "documents.parquet", "topics.parquet")


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


def _lists_back(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, np.ndarray)).any():
            frame[column] = frame[column].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    return frame
