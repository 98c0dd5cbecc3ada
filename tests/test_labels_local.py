"""The two in-process label backends: llama.cpp threads, and a transformers model by path, file or name.

The slow tests load the packaged SmolLM2 GGUF into transformers, save it as an ordinary model folder
and relabel a run with that folder through the CLI, with HF_HUB_OFFLINE=1: nothing may reach the hub.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from topiclab import ConfigError, load_run
from topiclab.config import RunConfig
from topiclab.represent.llm import (
    DEFAULT_TEMPLATE,
    LocalGGUF,
    LocalTransformers,
    build_prompt,
    label_model,
)
from topiclab.represent.llm.local_gguf import SMOLLM2_FILE, packaged_smollm2, physical_cores
from topiclab.represent.llm.prompt import first_line_done

from conftest import assert_label_or_fallback

ROOT = Path(__file__).resolve().parents[1]
HOCKEY = build_prompt(DEFAULT_TEMPLATE, ["game", "team", "hockey", "season", "nhl", "players", "play", "league"],
                      ["The Penguins beat the Rangers 4-2 last night; Lemieux scored twice.",
                       "Who will win the Stanley Cup this year?"], 512)


def llm_config(**settings):
    return RunConfig.build({"labels": {"aspects": ["llm"], "llm": settings}}).labels.llm


# ---------------------------------------------------------------------------------------------- configuration
def test_threads_and_device_are_validated():
    assert llm_config(threads=3).threads == 3 and llm_config().threads is None
    with pytest.raises(ConfigError, match="threads"):
        llm_config(threads=0)
    assert llm_config(backend="transformers", device="cuda:1").device == "cuda:1"
    with pytest.raises(ConfigError, match="device"):
        llm_config(backend="transformers", device="gpu")


def test_llama_cpp_gets_the_configured_threads_or_every_physical_core(monkeypatch):
    llama_cpp = pytest.importorskip("llama_cpp")

    created = []
    monkeypatch.setattr(llama_cpp, "Llama", lambda **kwargs: created.append(kwargs))
    label_model(llm_config(threads=3))._model()
    label_model(llm_config())._model()
    cores = physical_cores()
    assert 1 <= cores <= os.cpu_count()
    assert [(kwargs["n_threads"], kwargs["n_threads_batch"]) for kwargs in created] == [(3, 3), (cores, cores)]


def test_transformers_backend_takes_a_folder_a_gguf_file_or_a_hub_name(tmp_path):
    packaged = label_model(llm_config(backend="transformers", threads=2))
    assert isinstance(packaged, LocalTransformers) and packaged.threads == 2 and packaged.device == "cpu"
    assert (packaged.source_, packaged.gguf_file_) == (str(packaged_smollm2().parent), SMOLLM2_FILE)
    assert packaged.identity["backend"] == "local-transformers" and packaged.identity["model"] == SMOLLM2_FILE

    folder = LocalTransformers(str(tmp_path))
    assert (folder.source_, folder.gguf_file_, folder.identity["model"]) == (str(tmp_path), None, tmp_path.name)
    hub = LocalTransformers("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert (hub.source_, hub.gguf_file_) == ("HuggingFaceTB/SmolLM2-135M-Instruct", None)
    assert hub.identity["model"] != packaged.identity["model"]  # a cache key of its own


@pytest.mark.parametrize("missing", ["./no-such-model", "/no/such/model.gguf", "~/no-such-folder"])
def test_a_missing_transformers_path_fails_when_configured(missing):
    with pytest.raises(ConfigError, match="No transformers model at"):
        label_model(llm_config(backend="transformers", model=missing))


# ---------------------------------------------------------------------------------------------- real models
@pytest.fixture(scope="module")
def offline():
    """HF_HUB_OFFLINE=1 for this process (the hub reads it once, at import) and for subprocesses."""
    import huggingface_hub.constants

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        yield


@pytest.fixture(scope="module")
def transformers_smollm2(offline):
    """The packaged SmolLM2 GGUF, dequantized by transformers, loaded once for the module."""
    with LocalTransformers(threads=1) as model:
        yield model


@pytest.fixture(scope="module")
def smollm2_folder(transformers_smollm2, tmp_path_factory) -> Path:
    """SmolLM2 saved as an ordinary transformers model folder (safetensors, config, tokenizer)."""
    folder = tmp_path_factory.mktemp("models") / "smollm2-135m-instruct"
    model, tokenizer = transformers_smollm2._load()
    model.hf_quantizer = None  # the weights are plain float32 once dequantized, but transformers still marks them
    del model.config.quantization_config  # as GGUF-quantized and refuses to save them
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.integration
def test_transformers_and_llama_cpp_read_the_packaged_gguf_alike(transformers_smollm2):
    """Same tokenizer, and both answer. Their wording may differ (4-bit arithmetic in llama.cpp, float32 in
    torch, and greedy decoding that depends on the build and the CPU): the labeler copes with any answer."""
    pytest.importorskip("llama_cpp")
    with LocalGGUF(n_threads=1) as gguf:
        assert transformers_smollm2.count_tokens(HOCKEY) == gguf.count_tokens(HOCKEY)
        for answer in (transformers_smollm2.complete(HOCKEY), gguf.complete(HOCKEY)):
            assert answer.strip() and not first_line_done(answer.rstrip("\n"))  # it stopped after the first line


@pytest.mark.integration
def test_cli_relabels_with_a_transformers_model_by_path(fitted_run, smollm2_folder, offline):
    result = subprocess.run(
        [sys.executable, "-m", "topiclab", "label", str(fitted_run.path), "--llm-backend", "transformers",
         "--llm-model", str(smollm2_folder), "--set", "llm.threads=1",
         "--set", "llm.cache=false"],  # generated here, not read from another test's cached answers
        capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]

    saved = load_run(fitted_run.path, trusted_settings=True)  # the path is recorded in the run ...
    assert saved.config.labels.llm.backend == "transformers" and saved.config.labels.llm.model == str(smollm2_folder)
    assert load_run(fitted_run.path).config.labels.llm.model is None  # ... but never used from a run folder
    report = saved.manifest["labels"]["llm"]
    assert report["backend"] == "local-transformers" and report["model"] == smollm2_folder.name
    assert report["n_failed"] == 0 and report["seconds_per_label"] > 0
    assert_label_or_fallback(saved)
