"""Beyond one machine: `--scheduler` against a real Dask cluster gives the topics of the single-machine fit.

The cluster is a real `dask scheduler` and two `dask worker` processes on 127.0.0.1, started here (bounded
waits, stopped afterwards). The workers have an embedding cache of their own, as worker machines would.
The corpus (3,000 posts) is larger than the fit sample (1,000), so the sample fit plus the partitioned vote
is what runs. The tests that start a cluster take minutes on a busy machine: they are marked integration.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, shared

N_DOCUMENTS, FIT_SAMPLE = 3000, 1000
SETTINGS = ["--model", "wordllama", "--text-col", "text", "--id-col", "doc_id", "--set",
            f"compute.fit_sample={FIT_SAMPLE}", "--set", "compute.partition_size=700"]


def topiclab(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topiclab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=_environment())


def _environment(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def _wait_for(path: Path, seconds: float, processes: list[subprocess.Popen]) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return json.loads(path.read_text())
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    pytest.fail(f"The Dask scheduler did not start within {seconds} s (see {path.parent}/*.log)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> str:
    """A real scheduler and two worker processes (one thread each) on 127.0.0.1; its address."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask-cluster")
    environment = _environment(TOPICLAB_CACHE=str(folder / "workers-cache"))  # the worker machines' own cache
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        log = open(folder / f"{name}.log", "w")
        processes.append(subprocess.Popen([sys.executable, "-m", "dask", *args, *common], env=environment,
                                          stdout=log, stderr=subprocess.STDOUT, cwd=folder))

    try:
        start("scheduler", "scheduler", "--port", "0", "--dashboard-address", "127.0.0.1:0",
              "--scheduler-file", str(folder / "scheduler.json"))
        address = _wait_for(folder / "scheduler.json", 60, processes)["address"]
        for i in range(2):
            start(f"worker-{i}", "worker", address, "--nthreads", "1", "--name", f"worker-{i}",
                  "--local-directory", str(folder / f"worker-{i}"))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    frame = pd.read_parquet(shared("20newsgroups_clean.parquet"))
    frame = frame[frame["text"].str.split().str.len() > 10].drop_duplicates("text")
    path = tmp_path_factory.mktemp("dask-corpus") / "posts.parquet"
    frame.sample(N_DOCUMENTS, random_state=0)[["doc_id", "text"]].to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def single_machine(tmp_path_factory, corpus) -> Path:
    """The corpus fitted in one process, no cluster: what every cluster run must equal."""
    output = tmp_path_factory.mktemp("single")
    result = topiclab("fit", str(corpus), "-o", str(output), "--name", "single", *SETTINGS, cwd=output)
    assert result.returncode == 0, result.stderr
    return output / "single"


def assert_same_run(expected: Path, actual: Path) -> None:
    """The same document topics, probabilities, topic words and map coordinates."""
    documents = [pd.read_parquet(run / "documents.parquet") for run in (expected, actual)]
    for column in ("doc_id", "topic", "probability"):
        assert documents[0][column].tolist() == documents[1][column].tolist(), column
    topics = [pd.read_parquet(run / "topics.parquet") for run in (expected, actual)]
    assert topics[0]["topic"].tolist() == topics[1]["topic"].tolist()
    assert [list(w) for w in topics[0]["words"]] == [list(w) for w in topics[1]["words"]]
    maps = [np.load(run / "projections.npz") for run in (expected, actual)]
    assert sorted(maps[0].files) == sorted(maps[1].files) and maps[0].files
    for key in maps[0].files:
        np.testing.assert_array_equal(maps[0][key], maps[1][key])
    np.testing.assert_array_equal(np.load(expected / "embeddings.npy"), np.load(actual / "embeddings.npy"))


@pytest.mark.integration
def test_a_real_cluster_gives_the_single_machine_topics(cluster, corpus, single_machine, tmp_path):
    result = topiclab("fit", str(corpus), "-o", str(tmp_path), "--name", "cluster", "--scheduler", cluster,
                      *SETTINGS, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "cluster"
    assert_same_run(single_machine, run)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["clustering"]["fit_sample"] == FIT_SAMPLE and manifest["clustering"]["sampled"]
    assert manifest["compute"]["workers"] == 2 and manifest["compute"]["partitions"] >= 4
    # The workers embed through their own cache (empty at first), not this machine's
    assert manifest["embedding"]["n_embedded"] == N_DOCUMENTS
    assert cluster not in json.dumps(manifest["compute"])  # how the work was spread, not where

    again = topiclab("fit", str(corpus), "-o", str(tmp_path), "--name", "again", "--scheduler", cluster,
                     *SETTINGS, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rerun = json.loads((tmp_path / "again" / "manifest.json").read_text())["embedding"]
    assert (rerun["n_cached"], rerun["n_embedded"]) == (N_DOCUMENTS, 0)  # the workers' caches had every text


@pytest.mark.integration
def test_a_local_cluster_gives_the_same_topics(corpus, single_machine, tmp_path):
    result = topiclab("fit", str(corpus), "-o", str(tmp_path), "--name", "local", "--scheduler", "local",
                      *SETTINGS, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_run(single_machine, tmp_path / "local")
    assert "distributed" not in result.stderr  # dask's own logging stays quiet


def test_an_unreachable_scheduler_is_one_clear_line(corpus, tmp_path):
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = topiclab("fit", str(corpus), "--scheduler", f"tcp://127.0.0.1:{port}", *SETTINGS, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error: Cannot reach the Dask scheduler at")
    assert "dask scheduler" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.integration
def test_update_on_the_cluster_adds_the_same_topics(cluster, fitted_run_dir, newsgroups_small, tmp_path):
    from topiclab import update_run

    new = newsgroups_small.head(200)
    runs = []
    for name, scheduler in (("here", None), ("cluster", cluster)):
        copy = tmp_path / name
        shutil.copytree(fitted_run_dir, copy)
        runs.append(update_run(copy, new, text_col="text", id_col="doc_id", scheduler=scheduler))
    assert runs[0].documents["topic"].tolist() == runs[1].documents["topic"].tolist()
    np.testing.assert_array_equal(runs[0].embeddings, runs[1].embeddings)


def test_batch_files_and_the_flag_send_every_report_to_the_cluster(tmp_path):
    from topiclab.report.batch import load_batch, plan

    (tmp_path / "a.csv").write_text("text\nhello\n")
    (tmp_path / "batch.yaml").write_text(
        "scheduler: tcp://127.0.0.1:8786\nsettings: {embedding: {model: wordllama}}\ncorpora:\n  - {path: a.csv}\n"
        "  - {path: a.csv, name: own, settings: {compute: {scheduler: local}}}\n")
    spec = load_batch(tmp_path / "batch.yaml")
    jobs = plan(spec, tmp_path, tmp_path / "out")
    assert [job.parameters["settings"]["compute.scheduler"] for job in jobs] == ["tcp://127.0.0.1:8786", "local"]
    flagged = plan(spec.model_copy(update={"scheduler": "local"}), tmp_path, tmp_path / "out")
    assert flagged[0].parameters["settings"]["compute.scheduler"] == "local"
    help_text = topiclab("batch", "--help", cwd=tmp_path).stdout
    assert "--scheduler" in help_text


@pytest.mark.integration
def test_a_batch_report_runs_on_the_cluster(cluster, corpus, tmp_path):
    (tmp_path / "batch.yaml").write_text(
        f"scheduler: {cluster}\nsettings: {{embedding: {{model: wordllama}}, compute: {{fit_sample: {FIT_SAMPLE}}}}}\n"
        f"corpora:\n  - {{path: {corpus}, text_col: text, id_col: doc_id}}\n")
    result = topiclab("batch", str(tmp_path / "batch.yaml"), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "out" / "posts" / "run" / "manifest.json").read_text())
    assert manifest["compute"]["workers"] == 2
    assert (tmp_path / "out" / "posts" / "report.html").exists()


# ---------------------------------------------------------------------- the parts that make it exact
def test_neighbours_are_the_same_in_any_blocks():
    from topiclab.pipeline.neighbors import nearest, normalize

    rng = np.random.default_rng(0)
    queries, reference = normalize(rng.normal(size=(2000, 64))), normalize(rng.normal(size=(900, 64)))
    reference[7] = reference[3]  # a tie: the lower index comes first, in every block
    whole = nearest(queries, reference, 15)
    for bounds in ([0, 1, 700, 2000], [0, 999, 1001, 2000]):
        parts = [nearest(queries[a:b], reference, 15) for a, b in zip(bounds[:-1], bounds[1:])]
        np.testing.assert_array_equal(whole[0], np.vstack([p[0] for p in parts]))
        np.testing.assert_array_equal(whole[1], np.vstack([p[1] for p in parts]))
    exact = (queries.astype(np.float64) @ reference.T.astype(np.float64))
    np.testing.assert_array_equal(whole[0][:, 0], exact.argmax(axis=1))


def test_term_counts_of_partitions_add_up_to_the_whole(bbc_small):
    from topiclab.config import VectorizerConfig
    from topiclab.pipeline.words import TermCounts

    texts = bbc_small["text"].tolist() + ["the and of", "a the"]  # a part with only stop words
    topics = np.arange(len(texts)) % 7 - 1
    config = VectorizerConfig()
    whole = TermCounts.from_documents(texts, topics, config)
    parts = [TermCounts.from_documents(texts[a:b], topics[a:b], config) for a, b in ((0, 100), (100, 302))]
    parts.append(TermCounts.empty(topics[302:]))
    combined = TermCounts.combine(parts)
    assert combined.vocabulary == whole.vocabulary
    np.testing.assert_array_equal(combined.topic_ids, whole.topic_ids)
    assert (combined.counts != whole.counts).nnz == 0
    np.testing.assert_array_equal(combined.document_frequency, whole.document_frequency)


def test_partitions_are_even_and_keep_every_worker_busy():
    from topiclab.compute.partitions import partition_bounds

    assert partition_bounds(3000, 700, 2).tolist() == [0, 600, 1200, 1800, 2400, 3000]
    assert partition_bounds(3000, 50_000, 2).tolist() == [0, 750, 1500, 2250, 3000]  # two per worker
    assert partition_bounds(300, 50_000, 8).tolist() == [0, 300]  # too few documents to cut
