"""Embedding backends and the on-disk cache: reuse, concurrency, damage, permissions, long documents."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from topiclab.config import EmbeddingConfig
from topiclab.embed import EmbeddingCache, embed_documents, resolve_embedder
from topiclab.embed.cache import model_key, text_hashes
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


class BatchDependentEmbedder:
    """Like an int8 model with dynamic quantization: a text's vector shifts a little with its batch."""

    identity = {"backend": "test", "model": "batch-dependent"}
    max_tokens = None
    notes: list = []

    def __init__(self):
        self.encoded: list[str] = []

    def load(self):
        pass

    def encode(self, texts, batch_size=64):
        self.encoded += texts
        return np.array([[len(t), 1.0 + 0.001 * len(texts)] for t in texts], np.float32)

    def token_counts(self, texts):
        return np.array([len(t.split()) for t in texts])


def test_a_repeated_text_is_embedded_once_and_a_cached_run_gets_the_same_vectors(config):
    texts = ["alpha beta", "gamma", "alpha beta", "delta epsilon zeta", "gamma"]
    embedder = BatchDependentEmbedder()
    fresh, report = embed_documents(texts, config, embedder=embedder)
    assert sorted(embedder.encoded) == ["alpha beta", "delta epsilon zeta", "gamma"]
    np.testing.assert_array_equal(fresh[0], fresh[2])
    again, report = embed_documents(texts, config, embedder=BatchDependentEmbedder())
    assert report.n_cached == len(texts)
    np.testing.assert_array_equal(again, fresh)  # so a re-fit finds its cached reduction


@pytest.fixture
def snapshots(monkeypatch):
    """Snapshots from 50 documents (the default's 20,000 would make these tests slow)."""
    from topiclab.embed import cache

    monkeypatch.setattr(cache, "SNAPSHOT_FROM", 50)
    return cache


def test_a_large_corpus_reads_back_from_its_snapshot(config, texts, snapshots, monkeypatch):
    first, _ = embed_documents(texts, config)
    assert len(list((config.cache_dir / "corpora").glob("*.npz"))) == 1
    monkeypatch.setattr(EmbeddingCache, "get", lambda *a: pytest.fail("looked up row by row"))
    again, report = embed_documents(texts, config)
    assert (report.n_cached, report.n_embedded) == (len(texts), 0)
    np.testing.assert_array_equal(again, first)


def test_an_edited_corpus_finds_its_other_vectors_row_by_row(config, texts, snapshots):
    first, _ = embed_documents(texts, config)
    edited = texts[:-1] + ["a document that was not there before"]
    again, report = embed_documents(edited, config)
    assert (report.n_cached, report.n_embedded) == (len(texts) - 1, 1)
    np.testing.assert_array_equal(again[:-1], first[:-1])


def test_a_damaged_snapshot_is_ignored_and_the_rows_are_used(config, texts, snapshots, caplog):
    first, _ = embed_documents(texts, config)
    path, = (config.cache_dir / "corpora").glob("*.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the vectors: the zip's CRC no longer matches
    path.write_bytes(bytes(data))
    again, report = embed_documents(texts, config)
    assert (report.n_cached, report.n_embedded) == (len(texts), 0)
    np.testing.assert_array_equal(again, first)
    assert "damaged embedding snapshot" in caplog.text


def test_only_the_most_recently_used_snapshots_are_kept(config, texts, snapshots, monkeypatch):
    import os
    import time

    monkeypatch.setattr(snapshots, "SNAPSHOTS_KEPT", 2)
    corpora = [texts[:60], texts[10:70], texts[20:80]]
    key = model_key(embed_documents(corpora[0], config)[1].model)
    embed_documents(corpora[1], config)
    paths = [EmbeddingCache(config.cache_dir).snapshot_path(key, text_hashes(corpus)) for corpus in corpora]
    for path, hours_ago in zip(paths, (2, 1)):
        os.utime(path, (time.time() - 3600 * hours_ago,) * 2)
    embed_documents(corpora[0], config)  # read: now the most recently used
    embed_documents(corpora[2], config)
    assert [path.exists() for path in paths] == [True, False, True]


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


def test_vectors_in_the_older_cache_file_are_read_and_moved_over(config, texts):
    fresh, _ = embed_documents(texts[:5], config)
    new_file = config.cache_dir / "vectors.sqlite"
    with closing(sqlite3.connect(config.cache_dir / "embeddings.sqlite")) as old, closing(sqlite3.connect(new_file)) as new:
        old.execute("CREATE TABLE embeddings (model_key TEXT NOT NULL, text_hash BLOB NOT NULL, dim INTEGER NOT NULL, "
                    "vector BLOB NOT NULL, crc INTEGER NOT NULL, n_tokens INTEGER, PRIMARY KEY (model_key, text_hash)) "
                    "WITHOUT ROWID")  # the layout before vectors.sqlite
        old.executemany("INSERT INTO embeddings VALUES (?, ?, ?, ?, ?, ?)", new.execute("SELECT * FROM vectors"))
        old.commit()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{new_file}{suffix}").unlink(missing_ok=True)
    again, report = embed_documents(texts[:6], config)
    assert (report.n_cached, report.n_embedded) == (5, 1)
    np.testing.assert_array_equal(again[:5], fresh)
    assert EmbeddingCache(config.cache_dir).count() == 6  # copied into the new file


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


# ---------------------------------------------------------------- int8 (ONNX Runtime) and fp32 MiniLM
_EXPORTER = """
import sys
from topiclab.embed import resolve_embedder
embedder = resolve_embedder("all-MiniLM-L6-v2", cache_dir=sys.argv[1])
vector = embedder.encode(["The match ended in a goalless draw."])[0]
print(embedder.uses_int8, *vector[:4].round(6))
"""


@pytest.fixture(scope="module")
def int8_cache(tmp_path_factory):
    """One cache folder whose int8 MiniLM is exported once for the tests below (about half a minute)."""
    folder = tmp_path_factory.mktemp("int8-cache")
    resolve_embedder("all-MiniLM-L6-v2", cache_dir=folder).load()
    return folder


@pytest.fixture
def bbc_texts(bbc_small):
    return bbc_small["text"].tolist()[::40][:8]  # real articles, every class, some past the 256-token window


@pytest.mark.integration
def test_int8_is_offline_close_to_fp32_and_cached_apart(int8_cache, bbc_texts, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    int8_vectors, int8_report = embed_documents(bbc_texts, EmbeddingConfig(cache_dir=int8_cache))
    fp32_vectors, fp32_report = embed_documents(bbc_texts, EmbeddingConfig(cache_dir=int8_cache, precision="fp32"))
    assert int8_report.model["precision"] == "int8" and "precision" not in fp32_report.model
    assert fp32_report.n_embedded == len(bbc_texts)  # int8 vectors never answer an fp32 request
    assert model_key(int8_report.model) != model_key(fp32_report.model)
    cosine = np.sum(int8_vectors * fp32_vectors, axis=1)
    assert cosine.min() > 0.98, cosine
    assert int8_report.n_too_long == fp32_report.n_too_long > 0  # same tokenizer, same window
    _, again = embed_documents(bbc_texts, EmbeddingConfig(cache_dir=int8_cache))
    assert (again.n_cached, again.n_embedded) == (len(bbc_texts), 0)


@pytest.mark.integration
def test_int8_weights_fit_in_7_bits_so_cpus_with_and_without_vnni_compute_the_same(int8_cache):
    import onnx
    from onnx import numpy_helper

    (model_file,) = (int8_cache / "onnx").glob("*/model.onnx")
    weights = [numpy_helper.to_array(tensor).astype(np.int32) for tensor in onnx.load(str(model_file)).graph.initializer
               if tensor.data_type == onnx.TensorProto.INT8]
    assert weights  # AVX2 sums uint8 x int8 pairs in int16: 2 x 255 x 64 fits, 2 x 255 x 127 saturates
    assert max(int(np.abs(w).max()) for w in weights) <= 64


@pytest.mark.integration
def test_fp32_is_exactly_sentence_transformers(int8_cache, bbc_texts):
    from sentence_transformers import SentenceTransformer

    from topiclab.embed.backends import _packaged_minilm

    expected = SentenceTransformer(str(_packaged_minilm()), device="cpu").encode(bbc_texts)
    vectors, _ = embed_documents(bbc_texts, EmbeddingConfig(cache_dir=int8_cache, precision="fp32", cache=False))
    np.testing.assert_array_equal(vectors, expected)


@pytest.mark.integration
def test_int8_vector_does_not_depend_on_its_neighbours(int8_cache, bbc_texts):
    embedder = resolve_embedder("all-MiniLM-L6-v2", cache_dir=int8_cache)
    together = embedder.encode(bbc_texts, batch_size=64)
    alone = np.vstack([embedder.encode([text]) for text in bbc_texts])
    np.testing.assert_allclose(together, alone, atol=1e-6)  # so a cached vector equals a fresh one


@pytest.mark.integration
def test_int8_export_is_reused(int8_cache, monkeypatch):
    from topiclab.embed import int8

    monkeypatch.setattr(int8, "_export", lambda *args: pytest.fail("exported a second time"))
    embedder = resolve_embedder("all-MiniLM-L6-v2", cache_dir=int8_cache)
    embedder.load()
    assert embedder.uses_int8 and embedder.notes == []
    result = subprocess.run([sys.executable, "-c", _EXPORTER, str(int8_cache)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("True") and "exporting" not in result.stderr


_TOKENIZER_ALONE = """
import sys
import numpy as np
from topiclab.config import EmbeddingConfig
from topiclab.embed import embed_documents
texts = sys.stdin.read().split("\\x00")
vectors, report = embed_documents(texts, EmbeddingConfig(cache_dir=sys.argv[1], cache=False))
np.save(sys.argv[2], vectors)
print(report.model["precision"], report.n_too_long, "sentence_transformers" in sys.modules, "torch" in sys.modules)
"""


@pytest.mark.integration
def test_int8_embeds_with_the_tokenizer_alone_and_gives_what_the_models_preprocessing_gives(int8_cache, bbc_texts,
                                                                                           tmp_path):
    """Once the export folder holds the checked tokenizer, a process embeds with neither sentence-transformers nor
    torch imported, and its vectors, token counts and windows are the ones the model's own tokenizing gives."""
    from topiclab.embed import int8

    embedder = resolve_embedder("all-MiniLM-L6-v2", cache_dir=int8_cache)
    embedder.load()
    model, folder = embedder.model, embedder._int8_folder
    assert (folder / "tokenizer.json").exists() and embedder.max_tokens == model.max_seq_length
    by_model = int8.Int8Encoder(folder / "model.onnx", int8._model_preprocess(model)).encode(bbc_texts)
    counts = [len(ids) for ids in model.tokenizer(bbc_texts, truncation=False, verbose=False)["input_ids"]]
    assert embedder.token_counts(bbc_texts).tolist() == counts
    too_long = sum(count > model.max_seq_length for count in counts)
    result = subprocess.run([sys.executable, "-c", _TOKENIZER_ALONE, str(int8_cache), str(tmp_path / "v.npy")],
                            input="\x00".join(bbc_texts), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["int8", str(too_long), "False", "False"]
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), by_model)


@pytest.mark.integration
def test_two_processes_exporting_at_once_leave_one_usable_model(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", _EXPORTER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        outputs.append(out.split())
    assert outputs[0][0] == outputs[1][0] == "True"
    np.testing.assert_allclose(np.array(outputs[0][1:], float), np.array(outputs[1][1:], float), atol=1e-5)
    exported = list((tmp_path / "onnx").iterdir())
    assert len(exported) == 1 and (exported[0] / "model.onnx").is_file()  # no half-written or temporary folder


@pytest.mark.integration
def test_without_onnxruntime_fp32_is_used_and_said(tmp_path, bbc_texts, monkeypatch):
    from topiclab.embed import int8

    monkeypatch.setattr(int8, "missing_runtime", lambda: "onnxruntime")
    vectors, report = embed_documents(bbc_texts[:2], EmbeddingConfig(cache_dir=tmp_path))
    assert "precision" not in report.model and vectors.shape == (2, 384)
    assert any("fp32" in note and "onnxruntime" in note for note in report.notes)


@pytest.mark.integration
def test_failed_export_falls_back_to_fp32_once(tmp_path, bbc_texts, monkeypatch):
    from topiclab.embed import int8

    def refuse(*args):
        raise RuntimeError("this model has an operator the exporter does not know")

    monkeypatch.setattr(int8, "_export_fp32", refuse)
    vectors, report = embed_documents(bbc_texts[:2], EmbeddingConfig(cache_dir=tmp_path))
    assert "precision" not in report.model and vectors.shape == (2, 384)  # cached under the fp32 key
    assert any("could not be exported" in note and "operator" in note for note in report.notes)
    monkeypatch.setattr(int8, "_export_fp32", lambda *args: pytest.fail("tried to export again"))
    _, again = embed_documents(bbc_texts[:2], EmbeddingConfig(cache_dir=tmp_path))
    assert (again.n_cached, again.n_embedded) == (2, 0) and any("delete" in note for note in again.notes)
    assert not [p for p in (tmp_path / "onnx").iterdir() if p.is_dir()]


def test_a_large_cache_is_not_read_whole_on_opening_and_a_damaged_page_is_met_in_use(config, texts, monkeypatch):
    from topiclab import sqlite_cache

    monkeypatch.setattr(sqlite_cache, "FULL_CHECK_UP_TO", 0)  # every file counts as large
    checks = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(lambda sql: checks.append(sql) if "quick_check" in sql else None)
        return connection

    monkeypatch.setattr(sqlite_cache.sqlite3, "connect", traced)
    clean, _ = embed_documents(texts, config)
    path = config.cache_dir / "vectors.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[page:] = b"\xa5" * (len(data) - page)  # every page but the first (header and schema) is garbage
    path.write_bytes(bytes(data))
    again, report = embed_documents(texts, config)
    assert not checks
    assert report.n_embedded == len(texts)
    assert any("damaged and rebuilt" in note for note in report.notes)
    np.testing.assert_allclose(again, clean, rtol=1e-6)
    assert EmbeddingCache(config.cache_dir).count() == len(texts)
