"""Embedding backends and the on-disk cache: reuse, concurrency, damage, permissions, long documents."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from topiclab.config import EmbeddingConfig
from topiclab.embed import EmbeddingCache, embed_documents, resolve_embedder
from topiclab.embed.cache import model_key
from topiclab.errors import CacheError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path):
    return EmbeddingConfig(model="wordllama", cache_dir=tmp_path / "cache")


@pytest.fixture
def texts(bbc_small):
    return bbc_small["text"].tolist()[:120]


def test_second_run_embeds_only_new_documents(config, texts):
    first, report = embed_documents(texts[:100], config)
    assert (report.n_cached, report.n_embedded) == (0, 100)
    second, report = embed_documents(texts, config)  # 100 shared + 20 new
    assert (report.n_cached, report.n_embedded) == (100, 20)
    np.testing.assert_array_equal(second[:100], first)
    third, report = embed_documents(texts, config)
    assert (report.n_cached, report.n_embedded) == (120, 0)
    np.testing.assert_array_equal(third, second)


def test_cached_vectors_equal_fresh_ones(config, texts):
    cached, _ = embed_documents(texts[:20], config)
    fresh = resolve_embedder("wordllama").encode(texts[:20])
    np.testing.assert_allclose(cached, fresh, rtol=1e-6)


def test_cache_is_keyed_by_model_identity(config, texts):
    embed_documents(texts[:10], config)
    chunked = config.model_copy(update={"long_documents": "chunk"})
    _, report = embed_documents(texts[:10], chunked)
    assert report.n_embedded == 10  # another identity: nothing reused


def test_damaged_row_is_detected_and_re_embedded(config, texts):
    clean, _ = embed_documents(texts[:10], config)
    with sqlite3.connect(config.cache_dir / "vectors.sqlite") as db:
        db.execute("UPDATE vectors SET crc = crc + 1 WHERE text_hash IN "
                   "(SELECT text_hash FROM vectors ORDER BY text_hash LIMIT 3)")
    again, report = embed_documents(texts[:10], config)
    assert (report.n_cached, report.n_embedded, report.cache_damaged_rows) == (7, 3, 3)
    np.testing.assert_allclose(again, clean, rtol=1e-6)


def test_damaged_cache_file_is_moved_aside_and_rebuilt(config, texts):
    embed_documents(texts[:10], config)
    path = config.cache_dir / "vectors.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    vectors, report = embed_documents(texts[:10], config)
    assert report.n_embedded == 10 and vectors.shape[0] == 10
    assert any("damaged and rebuilt" in note for note in report.notes)
    assert list(config.cache_dir.glob("vectors.sqlite.damaged-*"))
    assert EmbeddingCache(config.cache_dir).count() == 10


def test_cache_directory_not_writable(tmp_path, monkeypatch, texts):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    with pytest.raises(CacheError, match=r"not writable.*TOPICLAB_CACHE.*--no-cache"):
        embed_documents(texts[:2], EmbeddingConfig(model="wordllama", cache_dir=blocker / "cache"))


def test_no_cache_writes_nothing(tmp_path, texts):
    cache_dir = tmp_path / "unused"
    embed_documents(texts[:5], EmbeddingConfig(model="wordllama", cache=False, cache_dir=cache_dir))
    assert not cache_dir.exists()


_WRITER = """
import sys
from topiclab.config import EmbeddingConfig
from topiclab.embed import embed_documents
texts = [f"process document {i} about topic {i % 7}" for i in range(int(sys.argv[2]))]
for round_ in range(3):
    embed_documents(texts, EmbeddingConfig(model="wordllama", cache_dir=sys.argv[1], batch_size=16))
"""


def test_two_processes_share_the_cache_without_corruption(tmp_path):
    cache_dir = tmp_path / "shared-cache"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(cache_dir), str(n)], cwd=ROOT,
                              stderr=subprocess.PIPE) for n in (3000, 2500)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
    with sqlite3.connect(cache_dir / "vectors.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    texts = [f"process document {i} about topic {i % 7}" for i in range(3000)]
    _, report = embed_documents(texts, EmbeddingConfig(model="wordllama", cache_dir=cache_dir))
    assert (report.n_cached, report.n_embedded, report.cache_damaged_rows) == (3000, 0, 0)


def test_model_key_changes_with_identity():
    assert model_key({"model": "a"}) != model_key({"model": "b"})
    assert model_key({"a": 1, "b": 2}) == model_key({"b": 2, "a": 1})


@pytest.mark.integration
def test_packaged_minilm_offline_truncation_and_chunking(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = resolve_embedder("all-MiniLM-L6-v2")
    assert embedder.identity["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    long_text = " ".join(f"word{i % 50} football match goal" for i in range(300))
    texts = ["The match ended in a goalless draw.", "Shares fell sharply on Wall Street.", long_text]
    truncated, report = embed_documents(texts, EmbeddingConfig(cache_dir=tmp_path))
    assert truncated.shape == (3, 384) and report.n_too_long == 1
    _, again = embed_documents(texts, EmbeddingConfig(cache_dir=tmp_path))
    assert (again.n_cached, again.n_too_long) == (3, 1)  # a cached run still reports what the window cut
    chunked, report = embed_documents(texts, EmbeddingConfig(cache_dir=tmp_path, long_documents="chunk"))
    assert len(embedder.windows(long_text)) > 1
    np.testing.assert_allclose(chunked[:2], truncated[:2], rtol=1e-4, atol=1e-5)  # short texts: one window
    assert not np.allclose(chunked[2], truncated[2])
    assert np.isclose(np.linalg.norm(chunked[2]), 1.0, atol=1e-4)
