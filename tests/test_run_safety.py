"""A run folder is data: nothing in it runs code, picks an endpoint, a secret or a path on this machine,
names a folder outside the output folder, or loses hand-set labels; damaged files give clear errors."""

from __future__ import annotations

import http.server
import json
import pickle
import shutil
import threading

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from topiclab import fit_run, load_run
from topiclab.cli import app
from topiclab.errors import ConfigError, RunError

from conftest import FAST


class _Boom:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # unpickling would create the marker file


def test_a_pickle_in_a_run_folder_is_never_loaded(fitted_run, tmp_path):
    marker = tmp_path / "pwned"
    shutil.rmtree(fitted_run.path / "model")
    (fitted_run.path / "model").write_bytes(pickle.dumps(_Boom(str(marker))))
    result = CliRunner().invoke(app, ["label", str(fitted_run.path), "--aspects", "keybert"])
    assert result.exit_code == 2 and "not a topiclab model folder" in result.output
    assert "never unpickles" in result.output and not marker.exists()


@pytest.fixture
def recording_server():
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()


def test_a_run_folder_cannot_pick_an_endpoint_a_secret_or_a_path(fitted_run, recording_server, monkeypatch, tmp_path):
    url, requests = recording_server
    monkeypatch.setenv("TOPICLAB_TEST_SECRET", "s3cret-value")
    config = yaml.safe_load((fitted_run.path / "config.yaml").read_text())
    config["labels"] = {"aspects": ["llm"], "llm": {"backend": "openai", "base_url": url, "model": "any",
                                                    "api_key_env": "TOPICLAB_TEST_SECRET", "max_retries": 0}}
    config["embedding"]["cache_dir"] = str(tmp_path / "elsewhere")
    (fitted_run.path / "config.yaml").write_text(yaml.safe_dump(config))

    run = load_run(fitted_run.path)
    assert run.config.labels.llm.base_url is None and run.config.labels.llm.api_key_env is None
    assert run.config.labels.llm.backend == "local" and run.config.embedding.cache_dir is None
    assert set(run.ignored_settings) >= {"labels.llm.base_url", "labels.llm.api_key_env", "embedding.cache_dir"}
    trusted = load_run(fitted_run.path, trusted_settings=True)  # the documented opt-in
    assert trusted.config.labels.llm.base_url == url

    from topiclab.represent import llm as llm_package

    used = []

    class Fake(llm_package.LabelModel):
        identity = {"backend": "fake"}

        def complete(self, prompt):
            used.append(prompt)
            return "A label"

    monkeypatch.setattr("topiclab.represent.llm.label_model", lambda config: used.append(config.backend) or Fake())
    result = CliRunner().invoke(app, ["label", str(fitted_run.path)])
    assert result.exit_code == 0, result.output
    assert requests == [] and used[0] == "local"  # the run's endpoint was never called, the local model was
    assert "not used" in result.output and url in result.output
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("name", ["../x", "..", ".hidden", "a/b", "", "x" * 200])
def test_unsafe_run_names_are_refused(name, tmp_path, bbc_small):
    with pytest.raises(ConfigError, match="cannot name a folder"):
        fit_run(bbc_small, output_dir=tmp_path / "out", name=name, text_col="text", **FAST)
    assert not (tmp_path / "x").exists()


def test_a_corpus_file_with_an_odd_name_gets_a_safe_run_name(tmp_path, bbc_small):
    source = tmp_path / "..csv"
    bbc_small[["text"]].to_csv(source, index=False)
    run = fit_run(source, output_dir=tmp_path / "out", text_col="text", **FAST)
    assert run.path.parent == (tmp_path / "out").resolve() and run.path.name == "corpus"
    result = CliRunner().invoke(app, ["fit", str(source), "--name", "../escape", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "cannot name a folder" in result.output


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "manifest.json").write_text("{not json"), r"manifest\.json is damaged"),
    (lambda p: (p / "documents.parquet").write_bytes(b"PAR1 garbage"), r"documents\.parquet is damaged"),
    (lambda p: (p / "config.yaml").write_text("umap: [unclosed"), r"config\.yaml is damaged"),
    (lambda p: (p / "projections.npz").write_bytes(b"not a zip"), r"projections\.npz is damaged"),
])
def test_damaged_files_give_one_clear_error(fitted_run, damage, message):
    damage(fitted_run.path)
    with pytest.raises(RunError, match=message):
        load_run(fitted_run.path)
    result = CliRunner().invoke(app, ["levels", str(fitted_run.path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_refitting_keeps_hand_set_labels_and_says_so(tmp_path, bbc_small):
    source = tmp_path / "news.csv"
    bbc_small.to_csv(source, index=False)
    args = ["fit", str(source), "-o", str(tmp_path / "out"), "--text-col", "text", "--id-col", "doc_id",
            "--model", "wordllama"]
    assert CliRunner().invoke(app, args).exit_code == 0
    run = load_run(tmp_path / "out" / "news")
    topic = int(run.topics["topic"].iloc[0])
    assert CliRunner().invoke(app, ["set-label", str(run.path), str(topic), "Kept"]).exit_code == 0
    result = CliRunner().invoke(app, [*args, "--min-cluster-size", "12"])
    assert result.exit_code == 0, result.output
    assert "1 hand-set label(s)" in result.output
    again = load_run(tmp_path / "out" / "news")
    assert any(label.endswith(": Kept") for label in again.topic_labels.values())
    assert json.loads((again.path / "manifest.json").read_text())["carried"]["labels"]


def test_csv_cells_cannot_carry_spreadsheet_formulas(fitted_run):
    fitted_run.topics.loc[0, "name"] = '=HYPERLINK("http://x")'
    fitted_run.topics.loc[1, "name"] = "@SUM(A1)"
    fitted_run.save()
    table = pd.read_csv(fitted_run.path / "topics.csv", dtype=str).fillna("")
    assert table.loc[0, "name"] == '\'=HYPERLINK("http://x")' and table.loc[1, "name"] == "'@SUM(A1)"
    assert not any(str(c).startswith(("=", "+", "@")) for c in table.to_numpy().ravel())
