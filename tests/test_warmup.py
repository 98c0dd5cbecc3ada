"""numba's compiled code: warmed once per machine, skipped when warm, and a damaged cache rebuilt, not a crash."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from topiclab.cli import app
from topiclab.pipeline.jit import compiled, damaged_cache_file, rebuilt_if_damaged
from topiclab.pipeline.warmup import is_warm, machine, stamp_path, warm_up

ROOT = Path(__file__).resolve().parents[1]
KERNEL = """
import numba

@numba.njit(cache=True)
def double(x):
    return 2 * x
"""


def test_the_warm_up_is_skipped_when_the_cache_is_warm(compiled_clusterer):
    stamp = stamp_path()
    written = stamp.stat().st_mtime_ns
    assert warm_up(show=False) is None
    assert stamp.stat().st_mtime_ns == written
    result = CliRunner().invoke(app, ["warmup"])
    assert result.exit_code == 0 and "nothing to do" in result.output


def test_a_cache_built_on_another_cpu_is_compiled_again_with_a_note(tmp_path, caplog):
    stamp = tmp_path / "stamp.json"
    here = machine()
    stamp.write_text(json.dumps({**here, "cpu": "another-cpu", "folders": {}}))
    with caplog.at_level(logging.WARNING):
        assert not is_warm(stamp, here)
    assert [r.getMessage() for r in caplog.records if "another CPU" in r.getMessage()]
    stamp.write_text(json.dumps({**here, "folders": {str(tmp_path): 1}}))  # its index files are gone
    assert not is_warm(stamp, here)
    for damaged in ("{not json", "[1, 2]", '{"cpu": "x"}'):
        stamp.write_text(damaged)
        assert not is_warm(stamp, here)


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_damaged_cache_index_is_rebuilt_with_a_note(tmp_path, caplog):
    source = tmp_path / "kernel.py"
    source.write_text(KERNEL)
    first = _load(source, "kernel_first")
    assert rebuilt_if_damaged(lambda: first.double(3)) == 6
    [index] = Path(first.double.stats.cache_path).glob("kernel.double-*.nbi")  # __pycache__ or NUMBA_CACHE_DIR
    index.write_bytes(b"\x80\x04not a pickle")

    fresh = _load(source, "kernel_damaged")
    with pytest.raises(Exception) as raised:
        fresh.double(3)  # numba alone crashes on it
    assert damaged_cache_file(raised.value) == index
    with caplog.at_level(logging.WARNING):
        assert rebuilt_if_damaged(lambda: fresh.double(3)) == 6
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(notes) == 1 and str(index) in notes[0]

    again = _load(source, "kernel_rebuilt")
    assert again.double(4) == 8 and sum(again.double.stats.cache_hits.values()) == 1  # read from the new index


def test_other_errors_are_not_taken_for_damage():
    with pytest.raises(ZeroDivisionError):
        rebuilt_if_damaged(lambda: 1 / 0)
    assert damaged_cache_file(ValueError("no numba here")) is None


def test_umap_caches_only_inside_topiclab_calls():
    import umap  # noqa: F401
    from numba.core.dispatcher import Dispatcher

    def uncached() -> set[int]:
        return {id(value) for name, module in list(sys.modules.items()) if name.split(".")[0] == "umap" and module
                for value in vars(module).values() if isinstance(value, Dispatcher) and not value.stats.cache_path}

    shipped = uncached()
    assert shipped and not compiled(uncached)  # all cached inside
    assert uncached() == shipped  # and back as UMAP ships them after


@pytest.mark.integration
def test_a_damaged_cache_met_in_a_fit_stage_is_rebuilt_in_a_new_process(tmp_path):
    """The neighbour graph's kernels, in two processes sharing a numba cache whose index files were damaged."""
    script = ("import numpy as np; from topiclab.pipeline.reduce import neighbor_graph; "
              "v = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32); "
              "v /= np.linalg.norm(v, axis=1, keepdims=True); print(neighbor_graph(v, 5, 0)[0][:2].tolist())")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    indexes = list(tmp_path.rglob("*.nbi"))
    assert indexes
    for index in indexes:
        index.write_bytes(b"damaged")
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    notes = [line for line in second.stderr.splitlines() if "could not be read" in line]
    assert len(notes) == len(indexes)
    assert np.all([index.read_bytes() != b"damaged" for index in indexes])


def test_numba_keys_its_cache_by_cpu_so_another_cpus_entries_are_compiled_again_not_used(tmp_path):
    """What the warm-up relies on (numba's cache index keys entries by CPU name and features): a cache
    folder shared by two CPUs (here NUMBA_CPU_NAME=generic plays the other one) holds an entry for each."""
    (tmp_path / "kernel.py").write_text(KERNEL)
    script = ("import kernel; assert kernel.double(3) == 6; "
              "print(sum(kernel.double.stats.cache_hits.values()), sum(kernel.double.stats.cache_misses.values()))")

    def run(**env) -> str:
        return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": str(tmp_path), **env}).stdout.split()

    assert run() == ["0", "1"]  # compiled and saved
    assert run(NUMBA_CPU_NAME="generic") == ["0", "1"]  # another CPU: compiled again, not loaded
    assert run() == ["1", "0"] and run(NUMBA_CPU_NAME="generic") == ["1", "0"]  # both kept side by side
