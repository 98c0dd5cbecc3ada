"""A fitted TopicModel's state on disk: `model.json` (settings, per-topic facts) and `.npz` arrays. Never a
pickle.

Loading reads JSON and NumPy arrays with `allow_pickle=False` only, so a model folder from anywhere is
data: it cannot run code, and its settings that name something on a machine (endpoints, paths) are
replaced by the loader's (see RunConfig.without_machine_settings). What is saved is `TopicState.to_arrays`.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np
import scipy.sparse as sp

from topiclab.config import RunConfig
from topiclab.errors import RunError
from topiclab.files import write_bytes, write_text
from topiclab.pipeline.topic_state import TopicState

FORMAT = 1
STATE, ARRAYS, COUNTS = "model.json", "arrays.npz", "term_counts.npz"


def save_state(state: TopicState, config: RunConfig, folder: Path) -> Path:
    """Write a fitted model's `state` and `config` into `folder` (created; each file written atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    facts, arrays, counts = state.to_arrays()
    write_bytes(folder / ARRAYS, _npz(arrays))
    buffer = io.BytesIO()
    sp.save_npz(buffer, counts)
    write_bytes(folder / COUNTS, buffer.getvalue())
    write_text(folder / STATE, json.dumps({"format": FORMAT, "config": config.to_dict(), **facts}))  # last: complete
    return folder


def load_state(folder: Path, config: Optional[RunConfig] = None) -> tuple[TopicState, RunConfig]:
    """The state saved in `folder` and the settings to use it with: `config` (the caller's, e.g. a run's
    checked settings), or else the saved settings without their machine-local parts."""
    state = _read_state(folder)
    try:
        with np.load(folder / ARRAYS, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
        counts = sp.load_npz(folder / COUNTS).tocsr()
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise RunError(f"The model in {folder} is damaged ({type(exc).__name__}: {exc}). Fit the run again.") from None
    if config is None:
        try:
            config, _ = RunConfig.model_validate(state["config"]).without_machine_settings()
        except ValueError as exc:
            raise RunError(f"The settings saved in {folder / STATE} are not valid ({exc}).") from None
    try:
        return TopicState.from_arrays(state, arrays, counts, config), config
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise RunError(f"The model in {folder} is incomplete or inconsistent ({type(exc).__name__}: {exc}). "
                       "Fit the run again.") from None


def _read_state(folder: Path) -> dict:
    if not folder.is_dir() or not (folder / STATE).is_file():
        what = "a file" if folder.is_file() else "missing" if not folder.exists() else "a folder without model.json"
        raise RunError(f"{folder} is {what}, not a topiclab model folder. topiclab reads only its own JSON and "
                       "array files there (it never unpickles anything); fit the run again to recreate it.")
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{folder / STATE} is damaged ({exc}). Fit the run again.") from None
    if not isinstance(state, dict) or state.get("format", 0) > FORMAT:
        raise RunError(f"{folder} was written by a newer topiclab (model format {state.get('format')}); "
                       "upgrade topiclab to read it.")
    return state


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
