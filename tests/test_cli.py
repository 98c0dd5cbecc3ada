"""The `topiclab` command as a user runs it: a subprocess, its exit code, its messages, its files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def topiclab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topiclab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def corpus_csv(tmp_path_factory, bbc_small) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "articles.csv"
    bbc_small.rename(columns={"text": "body", "label": "section"}).to_csv(path, index=False)
    return path


def test_help_explains_the_commands(tmp_path):
    result = topiclab("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "fit" in result.stdout and "demo" in result.stdout
    fit_help = topiclab("fit", "--help", cwd=tmp_path).stdout
    for option in ("--text-col", "--model", "--set", "--config", "--output-dir"):
        assert option in fit_help


def test_same_corpus_and_settings_give_the_same_topics_in_fresh_processes(tmp_path, corpus_csv):
    """Determinism by default: two separate processes, identical documents.parquet topics."""
    outputs = []
    for name in ("first", "second"):
        result = topiclab("fit", str(corpus_csv), "--text-col", "body", "--class-col", "section", "--model",
                          "wordllama", "--name", name, "-o", str(tmp_path), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"Saved run '{name}'" in result.stdout and "topics" in result.stdout
        outputs.append(pd.read_parquet(tmp_path / name / "documents.parquet"))
    pd.testing.assert_series_equal(outputs[0]["topic"], outputs[1]["topic"])
    first, second = (pd.read_parquet(tmp_path / n / "topics.parquet") for n in ("first", "second"))
    assert first["words"].map(list).tolist() == second["words"].map(list).tolist()


@pytest.mark.parametrize("args, message", [
    (["--text-col", "content"], "has no column 'content'"),
    (["--text-col", "body", "--set", "umap.n_neighbors=1"], "umap.n_neighbors: Input should be greater than or equal to 2"),
    (["--text-col", "body", "--set", "clustering.hdbscan.min_cluster_size=0"], "greater than or equal to 2"),
])
def test_bad_input_gives_one_clear_line_and_exit_code_2(tmp_path, corpus_csv, args, message):
    result = topiclab("fit", str(corpus_csv), *args, "-o", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_missing_file_and_undecodable_bytes(tmp_path):
    result = topiclab("fit", "nope.csv", cwd=tmp_path)
    assert result.returncode == 2 and "Corpus not found: nope.csv" in result.stderr
    (tmp_path / "latin.csv").write_bytes("text\ncaf\xe9\n".encode("latin-1"))
    result = topiclab("fit", "latin.csv", cwd=tmp_path)
    assert result.returncode == 2 and "not valid UTF-8: byte 0xe9 at line 2" in result.stderr


def test_unwritable_cache_directory(tmp_path, corpus_csv):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    result = subprocess.run([sys.executable, "-m", "topiclab", "fit", str(corpus_csv), "--text-col", "body",
                             "--model", "wordllama", "-o", str(tmp_path / "out")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TOPICLAB_CACHE": str(blocker / "cache")})
    assert result.returncode == 2
    assert "is not writable" in result.stderr and "--no-cache" in result.stderr
