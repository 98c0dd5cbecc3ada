"""LLM labels from real models: SmolLM2 in-process, and SmolLM2 behind llama-cpp-python's
OpenAI-compatible server on loopback (a real HTTP server, not a mock)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from topiclab import fit_run, load_run, relabel
from topiclab.represent.llm import DEFAULT_TEMPLATE, OpenAICompatible, build_prompt
from topiclab.represent.llm.local_gguf import SMOLLM2_FILE, packaged_smollm2

from conftest import assert_label_or_fallback

pytestmark = pytest.mark.integration

KEY_ENV = "TOPICLAB_TEST_SERVER_KEY"
SECRET = "sk-topiclab-server-test-9f8e7d6c5b4a"
HOCKEY = build_prompt(DEFAULT_TEMPLATE, ["game", "team", "hockey", "season", "nhl", "players", "play", "league"],
                      ["The Penguins beat the Rangers 4-2 last night; Lemieux scored twice.",
                       "Who will win the Stanley Cup this year?"], 512)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """llama-cpp-python's server with SmolLM2 on a free loopback port, requiring the key SECRET."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_smollm2()), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--api_key", SECRET],
            stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_ready(url: str, process: subprocess.Popen, log: Path, limit: float = 600.0) -> None:
    """Poll until the server answers; `limit` only guards against a server that never starts."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {SECRET}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not answer within {limit:.0f} s:\n{log.read_text()[-2000:]}")


def test_openai_client_against_a_real_server(llama_server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    with OpenAICompatible(llama_server, "smollm2", api_key_env=KEY_ENV, api="completions", timeout=60) as model:
        assert model.complete(HOCKEY).strip()  # the server's text, whatever its wording
    with OpenAICompatible(llama_server, "smollm2", api_key_env=KEY_ENV, api="chat", timeout=60) as model:
        assert model.complete(HOCKEY).strip()


def test_a_wrong_key_is_refused_and_not_retried(llama_server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    from topiclab.represent.llm import CompletionError

    with OpenAICompatible(llama_server, "smollm2", api_key_env=KEY_ENV, api="completions") as model:
        with pytest.raises(CompletionError, match=r"HTTP 401.*after 1 attempt\)"):
            model.complete(HOCKEY)


def test_relabel_through_a_real_server_keeps_the_key_out_of_the_run(fitted_run, llama_server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    run = relabel(fitted_run, aspects=["llm"], llm={"backend": "openai", "base_url": llama_server, "model": "smollm2",
                                                    "api": "completions", "api_key_env": KEY_ENV, "timeout": 120})
    report = run.manifest["labels"]["llm"]
    assert report["n_failed"] == 0 and report["n_generated"] >= (run.topics["topic"] != -1).sum()
    assert_label_or_fallback(run)
    for path in Path(run.path).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("engine", ["llama.cpp", "transformers"])
def test_local_model_labels_a_newsgroups_run(newsgroups_small, tmp_path, engine, monkeypatch):
    if engine == "transformers":  # what a user without llama-cpp-python gets
        import importlib.util

        find_spec = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp"
                            else find_spec(name, *a))
    run = fit_run(newsgroups_small, output_dir=tmp_path, name="ng-labels", text_col="text", class_col="label",
                  embedding={"model": "wordllama"}, labels={"aspects": ["llm"], "llm": {"cache": False}})
    saved = load_run(run.path)
    assert (saved.topics["topic"] != -1).sum() >= 3
    assert_label_or_fallback(saved)
    report = saved.manifest["labels"]["llm"]
    expected = {"backend": "local-gguf", "file": SMOLLM2_FILE} if engine == "llama.cpp" else {
        "backend": "local-transformers", "model": SMOLLM2_FILE}
    assert {key: report.get(key) for key in expected} == expected
    assert report["n_labelled"] >= 1 and report["seconds_per_label"] > 0 and saved.manifest["seconds"]["labels"] > 0
