"""Compile what a fit compiles once per machine, before the first fit needs it.

numba compiles EVoC's, UMAP's and pynndescent's functions (and topiclab's neighbour kernels) the first time
they run on a machine: two to three minutes on two cores, more than a fit of thousands of documents takes.
`warm_up` fits a small synthetic corpus through the code a real fit runs (the exact neighbour graph, and
NN-descent as above 30,000 documents; UMAP with the project's settings, unsupervised and with labels; EVoC's
layer search and classic HDBSCAN; the topic vote; the 2D and 3D map layouts), so every numba signature a
later fit uses is compiled and saved in numba's on-disk cache. `make` runs it after installing (`topiclab
warmup`), and a fit runs it first, as a stage with its own bar, when the cache is cold.

A stamp in numba's cache folder records the CPU and package versions the cache was built for and how many
index files each cache folder held: while they match, the warm-up is skipped. Another CPU (a home folder
shared between machines) or other versions make it compile again, with a one-line note.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Optional

import numpy as np

from topiclab.config import RunConfig
from topiclab.pipeline.jit import compiled, rebuilt_if_damaged
from topiclab.progress import stage

log = logging.getLogger(__name__)

STAMP = "topiclab-warmup.json"
#: What the compiled code depends on besides the CPU: a new version of any of these compiles again.
_VERSIONED = ("topiclab", "numba", "llvmlite", "numpy", "umap-learn", "pynndescent", "evoc")
#: Packages whose numba functions a fit runs, and whose cache folders the stamp watches.
_COMPILED = ("evoc", "umap", "pynndescent", "topiclab")
#: Bump when the warm-up covers other code paths, so caches built by an older warm-up are completed.
_WARMUP_VERSION = 1


def warm_up(show: bool = True, force: bool = False) -> Optional[float]:
    """Compile and cache every numba function a fit runs, unless the cache is warm for this machine.

    Returns the seconds spent compiling, or None when the cache was warm (and `force` not given)."""
    stamp = stamp_path()
    expected = machine()
    if stamp is None or (not force and is_warm(stamp, expected)):
        return None  # warm, or nowhere to keep a cache: numba then compiles in every process, as it would anyway
    started = time.perf_counter()
    steps = [("EVoC", _import_evoc), ("NN-descent", _nn_descent), ("UMAP, EVoC and maps", _fit_unsupervised),
             ("supervised UMAP, HDBSCAN", _fit_labelled)]
    with stage("Compiling numba code (once per machine)", show) as bar:
        for number, (what, step) in enumerate(steps, 1):
            bar.set_description(f"Compiling numba code once per machine ({number}/{len(steps)}: {what})")
            step()
    folders = compiled(_cache_folders)
    _write_stamp(stamp, {**expected, "folders": folders})
    return time.perf_counter() - started


def is_warm(stamp: Path, expected: dict) -> bool:
    """Whether the stamp says the cache was built for `expected` and its index files are all still there."""
    try:
        recorded = json.loads(stamp.read_text())
        folders = dict(recorded.pop("folders"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("topiclab's warm-up stamp %s could not be read (%s); compiling numba's code again.", stamp,
                    type(exc).__name__)
        return False
    if recorded != expected:
        why = "another CPU" if recorded.get("cpu") != expected["cpu"] else "other versions"
        log.warning("numba's compiled code was built for %s (%s); compiling it for this machine once.", why,
                    recorded.get("cpu") if why == "another CPU" else recorded.get("versions"))
        return False
    return all(len(list(Path(folder).glob("*.nbi"))) >= count for folder, count in folders.items())


def machine() -> dict:
    """What numba keys its cache by (the target triple, CPU name and features) and the versions of the
    packages whose compiled code the cache holds."""
    from numba.core.registry import cpu_target

    triple, cpu, features = cpu_target.target_context.codegen().magic_tuple()
    versions = {}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {"warmup": _WARMUP_VERSION, "python": sys.version.split()[0], "triple": triple, "cpu": cpu,
            "features": features, "versions": versions}


def stamp_path() -> Optional[Path]:
    """The stamp's place: numba's cache folder for this module (its `__pycache__`, under NUMBA_CACHE_DIR when
    set, or numba's folder in the user's cache); None when numba finds no writable folder."""
    from numba.core.caching import FunctionCache

    try:
        return Path(FunctionCache(warm_up).cache_path) / STAMP
    except RuntimeError:  # numba: "no locator available"
        return None


def _write_stamp(path: Path, content: dict) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(json.dumps(content, indent=1))
        partial.replace(path)
    except OSError as exc:
        log.warning("topiclab's warm-up stamp %s could not be written (%s): the next fit checks the cache again.",
                    path, exc)


def _cache_folders() -> dict[str, int]:
    """numba's cache folders of the compiled packages' functions, with the index files each holds now."""
    from numba.core.dispatcher import Dispatcher

    folders = set()
    for name, module in list(sys.modules.items()):
        if module is not None and name.split(".", 1)[0] in _COMPILED:
            folders.update(value.stats.cache_path for value in list(vars(module).values())
                           if isinstance(value, Dispatcher) and value.stats.cache_path)
    return {folder: len(list(Path(folder).glob("*.nbi"))) for folder in sorted(folders)}


def _synthetic(n: int = 1_200, topics: int = 6, dim: int = 32, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """`n` short texts in `topics` groups of made-up words, and float32 vectors in matching clusters."""
    rng = np.random.default_rng(seed)
    topic = np.arange(n) % topics
    syllables = np.array(["ka", "lo", "mi", "ne", "su", "ra", "to", "vi", "de", "po"])
    words = [["".join(rng.choice(syllables, 3)) for _ in range(12)] for _ in range(topics)]
    texts = [" ".join(rng.choice(words[t], 10)) for t in topic]
    vectors = rng.normal(size=(topics, dim))[topic] + 0.4 * rng.normal(size=(n, dim))
    return texts, vectors.astype(np.float32)


def _import_evoc() -> None:
    rebuilt_if_damaged(lambda: importlib.import_module("evoc.clustering"))  # EVoC compiles its functions on import


def _nn_descent() -> None:
    from topiclab.pipeline.neighbors import normalize
    from topiclab.pipeline.reduce import neighbor_graph

    _, vectors = _synthetic()
    neighbor_graph(normalize(vectors), RunConfig().umap.n_neighbors, seed=0, exact_up_to=0)


def _fit_unsupervised() -> None:
    """A default fit on a seeded sample (the rest take topics by the vote) with both map layouts."""
    from topiclab.pipeline import TopicModel
    from topiclab.pipeline.neighbors import normalize
    from topiclab.pipeline.projection import project
    from topiclab.pipeline.reduce import ReductionCache

    texts, vectors = _synthetic()
    config = RunConfig.build({}, {"compute.fit_sample": 1_000, "compute.cache": False})
    model = TopicModel(config, progress=False).fit(texts, embeddings=vectors)
    project(model, normalize(vectors), config.projection, config.seed, ReductionCache(None))


def _fit_labelled() -> None:
    """A fit with known labels for a third of the documents (supervised UMAP) and a fixed cluster size."""
    from topiclab.pipeline import TopicModel

    texts, vectors = _synthetic()
    labels = [f"group {i % 6}" if i % 3 == 0 else None for i in range(len(texts))]
    config = RunConfig.build({}, {"clustering.method": "hdbscan", "clustering.hdbscan.min_cluster_size": 15,
                               "compute.cache": False})
    TopicModel(config, progress=False).fit(texts, labels, embeddings=vectors)
