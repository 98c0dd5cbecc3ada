"""LLM labels over an OpenAI-compatible API, against a loopback server that misbehaves on purpose.

The server answers 429 with Retry-After, 500, hangs until the client gives up, sends malformed JSON
or echoes the key in an error; every test checks what the client and the run do about it. Nothing
waits on a clock but the client's own time-out: a hang lasts until the test ends, and overlapping
requests are held until they overlap.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from topiclab import ConfigError, fit_run, load_run, relabel
from topiclab.represent import keyword_label
from topiclab.represent.llm import CompletionError, OpenAICompatible

KEY_ENV = "TOPICLAB_TEST_LLM_KEY"
FAST_RETRIES = {"timeout": 2.0, "max_retries": 2, "backoff": 0.0}  # only a hang waits for the time-out


class FaultServer:
    """A loopback OpenAI-compatible endpoint whose answers follow `script`, then `default`."""

    def __init__(self, default: str = "ok"):
        self.script: list[str] = []
        self.default = default
        self.requests: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self.hold_until_in_flight = 0  # > 1: hold each request until that many are in flight at once
        self.ended = threading.Event()
        self._overlap = threading.Condition()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _next(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                with server._overlap:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server._overlap.notify_all()
                    # a guard, not a timing: the test fails on max_in_flight if the requests never overlap
                    server._overlap.wait_for(lambda: server.max_in_flight >= server.hold_until_in_flight, timeout=60)
                try:
                    self._answer(server._next(), body)
                finally:
                    with server._overlap:
                        server.in_flight -= 1

            def _answer(self, behaviour: str, body: dict) -> None:
                if behaviour == "hang":  # until the test ends; the client gives up first
                    server.ended.wait(timeout=120)
                    return
                if behaviour == "429":
                    return self._send(429, b'{"error": "slow down"}', {"Retry-After": "1"})
                if behaviour == "500":
                    return self._send(500, b'{"error": "internal"}')
                if behaviour == "malformed":
                    return self._send(200, b'{"choices": [ {"message": ')
                if behaviour == "echo-key":
                    return self._send(401, f'{{"error": "bad key {self.headers.get("Authorization")}"}}'.encode())
                prompt = body["messages"][0]["content"] if "messages" in body else body["prompt"]
                keywords = prompt.rsplit("Topic keywords: ", 1)[1].split("\n", 1)[0].split(", ")
                text = f'Label: "{keywords[0].title()} news" - this topic is about {keywords[0]}'
                choice = {"message": {"role": "assistant", "content": text}} if "messages" in body else {"text": text}
                self._send(200, json.dumps({"choices": [choice]}).encode())

            def _send(self, status: int, payload: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.ended.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with FaultServer() as running:
        yield running


def client(server: FaultServer, **settings) -> OpenAICompatible:
    return OpenAICompatible(server.url, "test-model", **{**FAST_RETRIES, **settings})


def llm_settings(server: FaultServer, **settings) -> dict:
    return {"backend": "openai", "base_url": server.url, "model": "test-model", **FAST_RETRIES, **settings}


# ---------------------------------------------------------------------------------------------- the client
def test_rate_limit_is_retried_after_the_servers_retry_after(server):
    server.script = ["429"]
    started = time.perf_counter()
    with client(server) as model:
        answer = model.complete("Topic keywords: tax, budget\nLabel:")
    assert "Tax news" in answer
    assert len(server.requests) == 2
    assert time.perf_counter() - started >= 1.0  # Retry-After: 1, although backoff is 0


@pytest.mark.parametrize("fault", ["500", "hang", "malformed"])
def test_transient_faults_are_retried_then_succeed(server, fault):
    server.script = [fault, fault]
    with client(server, api="completions") as model:
        assert "Tax news" in model.complete("Topic keywords: tax, budget\nLabel:")
    assert len(server.requests) == 3
    assert server.requests[0]["path"] == "/v1/completions"


@pytest.mark.parametrize("fault, message", [("500", "HTTP 500"), ("hang", "no answer within 2 s"),
                                            ("malformed", "malformed reply")])
def test_persistent_faults_fail_after_all_attempts(server, fault, message):
    server.default = fault
    with client(server) as model, pytest.raises(CompletionError, match=f"{message}.*after 3 attempts"):
        model.complete("Topic keywords: tax\nLabel:")
    assert len(server.requests) == 3


def test_client_errors_are_not_retried(server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-not-retried")
    server.default = "echo-key"
    with client(server, api_key_env=KEY_ENV) as model, pytest.raises(CompletionError) as caught:
        model.complete("Topic keywords: tax\nLabel:")
    assert len(server.requests) == 1
    assert "HTTP 401" in str(caught.value) and "sk-test-not-retried" not in str(caught.value)


def test_concurrency_is_bounded(fitted_run, server):
    server.hold_until_in_flight = 2
    relabel(fitted_run, aspects=["llm"], llm=llm_settings(server, concurrency=2, cache=False), save=False)
    assert len(server.requests) == (fitted_run.topics["topic"] != -1).sum() > 2
    assert server.max_in_flight == 2


def test_a_missing_key_variable_fails_before_the_corpus_is_read(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"{KEY_ENV}, which is not set"):  # not "Corpus not found"
        fit_run(tmp_path / "not-read.csv", output_dir=tmp_path / "out", text_col="text",
                labels={"aspects": ["llm"], "llm": {"backend": "openai", "base_url": "http://127.0.0.1:9/v1",
                                                    "model": "m", "api_key_env": KEY_ENV}})
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------------------------- a run
def test_labels_are_written_cleaned_displayed_and_cached(fitted_run, server):
    run = relabel(fitted_run, aspects=["llm"], llm=llm_settings(server))
    topics = run.topics[run.topics["topic"] != -1]
    assert all(label == f"{w[0].title()} news" for label, w in zip(topics["label_llm"], topics["words"]))
    assert all(label == f"{t}: {llm}" for t, label, llm in zip(topics["topic"], topics["label"], topics["label_llm"]))
    report = load_run(run.path).manifest["labels"]["llm"]
    assert report["n_generated"] == report["n_labelled"] == len(topics) and report["fallbacks"] == {}

    asked = len(server.requests)
    again = relabel(run.path, aspects=["llm"], llm=llm_settings(server))
    assert len(server.requests) == asked  # every prompt answered from the cache
    assert again.manifest["labels"]["llm"]["n_cached"] == len(topics)
    assert again.topics["label"].tolist() == run.topics["label"].tolist()


def test_failing_model_keeps_keyword_labels_records_why_and_the_run_completes(fitted_run, server):
    keyword_labels = [keyword_label(t, list(w)) for t, w in zip(fitted_run.topics["topic"], fitted_run.topics["words"])]
    first = int(fitted_run.topics["topic"].iloc[0])
    server.default = "500"
    server.script = ["ok"]  # one topic gets its label, every other one fails
    run = relabel(fitted_run, aspects=["llm"], llm=llm_settings(server, concurrency=1, cache=False))

    saved = load_run(run.path)
    report = saved.manifest["labels"]["llm"]
    n_topics = int((saved.topics["topic"] != -1).sum())
    assert report["n_failed"] == report["n_fallback"] == n_topics - 1 and report["n_generated"] == 1
    assert all(reason.startswith("the model failed: HTTP 500") and "after 3 attempts" in reason
               for reason in report["fallbacks"].values())
    assert str(first) not in report["fallbacks"]
    labels = saved.topics.set_index("topic")
    for topic, expected in zip(saved.topics["topic"], keyword_labels):
        if str(topic) in report["fallbacks"]:
            assert labels.loc[topic, "label"] == expected and labels.loc[topic, "label_llm"] == ""
    assert labels.loc[first, "label_llm"] != ""


def test_unusable_answers_fall_back_to_keywords(fitted_run, server, monkeypatch):
    monkeypatch.setattr("topiclab.represent.llm.openai_compatible.OpenAICompatible._request",
                        lambda self, prompt: "   \n")
    keyword_labels = [keyword_label(t, list(w)) for t, w in zip(fitted_run.topics["topic"], fitted_run.topics["words"])]
    run = relabel(fitted_run, aspects=["llm"], llm=llm_settings(server, cache=False), save=False)
    n_topics = (run.topics["topic"] != -1).sum()
    report = run.manifest["labels"]["llm"]
    assert report["n_fallback"] == n_topics and report["n_failed"] == 0
    assert report["n_generated"] == report["n_unusable"] == 3 * n_topics  # with documents, keywords, other wording
    assert set(report["fallbacks"].values()) == {"no usable label in 3 answers (the last: '')"}
    assert run.topics["label"].tolist() == keyword_labels and set(run.topics["label_llm"]) == {""}


def test_the_key_reaches_the_server_but_no_file_and_no_log(fitted_run, server, monkeypatch, caplog):
    secret = "sk-topiclab-test-0123456789abcdef"
    monkeypatch.setenv(KEY_ENV, secret)
    server.script = ["echo-key", "500"]
    with caplog.at_level(logging.DEBUG):
        run = relabel(fitted_run, aspects=["llm"], llm=llm_settings(server, api_key_env=KEY_ENV, cache=False))
    assert server.requests[0]["auth"] == f"Bearer {secret}"
    assert run.manifest["labels"]["llm"]["fallbacks"]  # the echoed key was recorded, scrubbed
    assert run.config.labels.llm.api_key_env == KEY_ENV
    for path in Path(run.path).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret not in caplog.text
